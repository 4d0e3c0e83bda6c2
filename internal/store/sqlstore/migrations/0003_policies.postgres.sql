-- Traffic policies and their bindings to group environments:
-- 0003_policies.sqlite.sql in PostgreSQL's types.

CREATE TABLE policies (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL UNIQUE,
    unit       TEXT NOT NULL,
    api_limit  BIGINT NOT NULL,
    user_limit BIGINT NOT NULL,
    key_limit  BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX policies_owner ON policies (owner, created_at, id);

CREATE TABLE policy_bindings (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    policy_id   TEXT NOT NULL REFERENCES policies (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, environment)
);

CREATE INDEX policy_bindings_policy ON policy_bindings (policy_id, created_at);
