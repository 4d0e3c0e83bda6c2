-- tollgate:foreign-keys-off
--
-- Names are unique per tenant, not across tenants: a group's name among
-- the groups of its owner ('' is the operator's own groups), a user's name
-- and e-mail address among the users of its account. name_key is the name
-- as compared (model.NameKey: NFKC and case folding), filled in by the
-- store (fillNameKeys) because SQLite cannot normalise Unicode; NULL until
-- then, and NULL for a name that was already taken under that comparison
-- before this migration (kept, not renamed).
--
-- SQLite cannot drop a UNIQUE column constraint or change a primary key,
-- so groups, users and keys (whose foreign key names users' key) are
-- rebuilt. This runs with foreign keys off (the marker above): dropping a
-- parent table with them on would cascade into its children. The store
-- runs PRAGMA foreign_key_check before committing.
--
-- Version 7 leaves 5 and 6 to migrations written in parallel; versions
-- only need to increase.

CREATE TABLE groups_new (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    name_key              TEXT,
    description           TEXT NOT NULL DEFAULT '',
    dialect               TEXT NOT NULL,
    language              TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    owner                 TEXT NOT NULL DEFAULT '',
    auth_type             TEXT NOT NULL DEFAULT 'none',
    schemes               TEXT NOT NULL DEFAULT '[]', -- JSON array
    replay_window_seconds INTEGER NOT NULL DEFAULT 300,
    sign_region           TEXT NOT NULL DEFAULT '',
    sign_service          TEXT NOT NULL DEFAULT '',
    allowed_pins          TEXT NOT NULL DEFAULT '[]', -- JSON array
    status                TEXT NOT NULL DEFAULT ''
);

INSERT INTO groups_new (id, name, description, dialect, language, created_at, updated_at, owner, auth_type,
    schemes, replay_window_seconds, sign_region, sign_service, allowed_pins, status)
SELECT id, name, description, dialect, language, created_at, updated_at, owner, auth_type,
    schemes, replay_window_seconds, sign_region, sign_service, allowed_pins, status
FROM groups;

CREATE TABLE users_new (
    pin           TEXT NOT NULL REFERENCES accounts (pin) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    name_key      TEXT,
    email         TEXT NOT NULL DEFAULT '', -- NFKC, lower case; unique in the account when set
    role          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (pin, name)
);

INSERT INTO users_new (pin, name, email, role, status, password_hash, created_at, updated_at)
SELECT pin, name, email, role, status, password_hash, created_at, updated_at FROM users;

CREATE TABLE keys_new (
    access_key       TEXT PRIMARY KEY,
    pin              TEXT NOT NULL REFERENCES accounts (pin) ON DELETE CASCADE,
    user_name        TEXT, -- NULL: the account's own
    kind             TEXT NOT NULL,
    enabled          INTEGER NOT NULL,
    secret           BLOB NOT NULL, -- sealed
    previous_secret  BLOB,          -- sealed; NULL when none
    previous_expires INTEGER NOT NULL DEFAULT 0,
    expires          INTEGER NOT NULL DEFAULT 0, -- session keys; 0: never
    created_at       INTEGER NOT NULL,
    rotated_at       INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (pin, user_name) REFERENCES users (pin, name) ON DELETE CASCADE
);

INSERT INTO keys_new (access_key, pin, user_name, kind, enabled, secret, previous_secret, previous_expires,
    expires, created_at, rotated_at)
SELECT access_key, pin, user_name, kind, enabled, secret, previous_secret, previous_expires,
    expires, created_at, rotated_at
FROM keys;

DROP TABLE keys;
DROP TABLE users;
DROP TABLE groups;
ALTER TABLE groups_new RENAME TO groups;
ALTER TABLE users_new RENAME TO users;
ALTER TABLE keys_new RENAME TO keys;

CREATE INDEX groups_owner ON groups (owner, created_at, id);
CREATE UNIQUE INDEX groups_owner_name ON groups (owner, name_key);

CREATE UNIQUE INDEX users_pin_name ON users (pin, name_key);
CREATE UNIQUE INDEX users_pin_email ON users (pin, email) WHERE email <> '';
CREATE INDEX users_pin ON users (pin, created_at, name);

CREATE INDEX keys_pin ON keys (pin, created_at, access_key);
CREATE INDEX keys_user ON keys (pin, user_name);
