-- The dialect and language an account's admin answers default to
-- (model.Account, docs/admin-api.md "Dialects"): jdcloud and English, as
-- every answer was before.

ALTER TABLE accounts ADD COLUMN dialect TEXT NOT NULL DEFAULT 'jdcloud';
ALTER TABLE accounts ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
