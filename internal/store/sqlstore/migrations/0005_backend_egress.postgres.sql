-- Backends remember who saved them and keep their configured headers
-- sealed under the master key: 0005_backend_egress.sqlite.sql in
-- PostgreSQL's types.
ALTER TABLE backends ADD COLUMN saved_by TEXT NOT NULL DEFAULT 'operator';
ALTER TABLE backends ADD COLUMN sealed_headers BYTEA;
UPDATE backends SET saved_by = 'tenant'
    WHERE group_id IN (SELECT id FROM groups WHERE owner <> '');
