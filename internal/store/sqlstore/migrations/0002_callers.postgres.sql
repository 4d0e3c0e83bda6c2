-- Who calls: 0002_callers.sqlite.sql in PostgreSQL's types. Secrets are
-- sealed (AES-256-GCM, package secret) before they reach a column; the
-- BYTEA columns hold only sealed values. Flags are BOOLEAN.

ALTER TABLE groups ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN auth_type TEXT NOT NULL DEFAULT 'none';
ALTER TABLE groups ADD COLUMN schemes TEXT NOT NULL DEFAULT '[]'; -- JSON array
ALTER TABLE groups ADD COLUMN replay_window_seconds BIGINT NOT NULL DEFAULT 300;
ALTER TABLE groups ADD COLUMN sign_region TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN sign_service TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN allowed_pins TEXT NOT NULL DEFAULT '[]'; -- JSON array

CREATE INDEX groups_owner ON groups (owner, created_at, id);

CREATE TABLE accounts (
    pin                TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    status             TEXT NOT NULL,
    real_name_verified BOOLEAN NOT NULL DEFAULT FALSE,
    mfa_secret         BYTEA,                      -- sealed; NULL: no MFA
    mfa_actions        TEXT NOT NULL DEFAULT '[]', -- JSON array
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE INDEX accounts_created ON accounts (created_at, pin);

CREATE TABLE roles (
    pin        TEXT NOT NULL REFERENCES accounts (pin) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    groups     TEXT NOT NULL, -- JSON array
    apis       TEXT NOT NULL, -- JSON array
    actions    TEXT NOT NULL, -- JSON array
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (pin, name)
);

CREATE TABLE users (
    name          TEXT PRIMARY KEY, -- unique across all accounts
    pin           TEXT NOT NULL REFERENCES accounts (pin) ON DELETE CASCADE,
    email         TEXT NOT NULL DEFAULT '', -- lower case; unique when set
    role          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE UNIQUE INDEX users_email ON users (email) WHERE email <> '';
CREATE INDEX users_pin ON users (pin, created_at, name);

CREATE TABLE keys (
    access_key       TEXT PRIMARY KEY,
    pin              TEXT NOT NULL REFERENCES accounts (pin) ON DELETE CASCADE,
    user_name        TEXT REFERENCES users (name) ON DELETE CASCADE, -- NULL: the account's own
    kind             TEXT NOT NULL,
    enabled          BOOLEAN NOT NULL,
    secret           BYTEA NOT NULL, -- sealed
    previous_secret  BYTEA,          -- sealed; NULL when none
    previous_expires BIGINT NOT NULL DEFAULT 0,
    expires          BIGINT NOT NULL DEFAULT 0, -- session keys; 0: never
    created_at       BIGINT NOT NULL,
    rotated_at       BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX keys_pin ON keys (pin, created_at, access_key);
CREATE INDEX keys_user ON keys (user_name);

CREATE TABLE authorizations (
    id          TEXT PRIMARY KEY,
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    access_key  TEXT REFERENCES keys (access_key) ON DELETE CASCADE,
    pin         TEXT REFERENCES accounts (pin) ON DELETE CASCADE,
    apis        TEXT NOT NULL, -- JSON array of API ids; empty: all
    created_at  BIGINT NOT NULL,
    -- NULLs are distinct, so each caller is authorized once per group
    -- environment whichever way it is named.
    UNIQUE (group_id, environment, access_key),
    UNIQUE (group_id, environment, pin)
);

CREATE INDEX authorizations_group ON authorizations (group_id, created_at, id);
CREATE INDEX authorizations_key ON authorizations (access_key);
CREATE INDEX authorizations_pin ON authorizations (pin);

CREATE TABLE blacklist (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (kind, value)
);

-- One value sealed under the master key when the database was first
-- opened with one, so that a start with another master key fails at once
-- instead of at the first secret it reads.
CREATE TABLE sealer_check (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    sealed BYTEA NOT NULL
);
