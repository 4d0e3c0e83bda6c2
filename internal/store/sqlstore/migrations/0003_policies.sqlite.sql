-- Traffic policies and their bindings to group environments. A group
-- environment has at most one policy (the primary key); deleting a group
-- deletes its bindings, and a bound policy cannot be deleted (the store
-- refuses it, and the foreign key backs that up).

CREATE TABLE policies (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL UNIQUE,
    unit       TEXT NOT NULL,
    api_limit  INTEGER NOT NULL,
    user_limit INTEGER NOT NULL,
    key_limit  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX policies_owner ON policies (owner, created_at, id);

CREATE TABLE policy_bindings (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    policy_id   TEXT NOT NULL REFERENCES policies (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, environment)
);

CREATE INDEX policy_bindings_policy ON policy_bindings (policy_id, created_at);
