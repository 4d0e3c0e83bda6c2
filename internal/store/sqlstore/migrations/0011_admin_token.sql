-- The SHA-256 of the admin token (hex), for a store that several nodes
-- share: each accepts the token, and only the node that initialised the
-- store has it in its data directory (docs/cluster.md). A store opened by
-- one node alone may have none: the admin-token file is its truth.

CREATE TABLE admin_token (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    sha256     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
