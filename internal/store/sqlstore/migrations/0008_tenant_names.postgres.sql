-- Names are unique per tenant, not across tenants (see
-- 0008_tenant_names.sqlite.sql): a group's name among the groups of its
-- owner, a user's name and e-mail address among the users of its account.
-- name_key is the name as compared (model.NameKey), filled in by the store
-- (fillNameKeys), NULL until then. PostgreSQL changes constraints in
-- place where SQLite rebuilds the tables.

ALTER TABLE groups DROP CONSTRAINT groups_name_key;
ALTER TABLE groups ADD COLUMN name_key TEXT;
CREATE UNIQUE INDEX groups_owner_name ON groups (owner, name_key);

ALTER TABLE keys DROP CONSTRAINT keys_user_name_fkey;
ALTER TABLE users DROP CONSTRAINT users_pkey;
ALTER TABLE users ADD PRIMARY KEY (pin, name);
ALTER TABLE users ADD COLUMN name_key TEXT;
DROP INDEX users_email;
CREATE UNIQUE INDEX users_pin_name ON users (pin, name_key);
CREATE UNIQUE INDEX users_pin_email ON users (pin, email) WHERE email <> '';

ALTER TABLE keys ADD FOREIGN KEY (pin, user_name) REFERENCES users (pin, name) ON DELETE CASCADE;
DROP INDEX keys_user;
CREATE INDEX keys_user ON keys (pin, user_name);
