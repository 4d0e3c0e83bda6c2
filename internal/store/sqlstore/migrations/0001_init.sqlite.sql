-- The configuration of API groups. Times are Unix microseconds (UTC); JSON
-- columns hold what is only ever read and written whole.

CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    dialect     TEXT NOT NULL,
    language    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE apis (
    id             TEXT PRIMARY KEY,
    group_id       TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    method         TEXT NOT NULL,
    path           TEXT NOT NULL,
    -- path_key is path with its variable names erased: /u/{id} and /u/{uid}
    -- match the same requests, so they must not both exist.
    path_key       TEXT NOT NULL,
    match_type     TEXT NOT NULL,
    params         TEXT NOT NULL, -- JSON array of model.Param
    backend_path   TEXT NOT NULL,
    backend_method TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (group_id, name),
    UNIQUE (group_id, method, path_key)
);

CREATE INDEX apis_group ON apis (group_id, created_at, id);

CREATE TABLE backends (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    type        TEXT NOT NULL,
    urls        TEXT NOT NULL, -- JSON array of strings
    timeout_ms  INTEGER NOT NULL,
    headers     TEXT NOT NULL, -- JSON object
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, environment)
);

CREATE TABLE revisions (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    revision    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    apis        TEXT NOT NULL, -- JSON array of model.API, the snapshot
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, revision)
);

CREATE INDEX revisions_group ON revisions (group_id, created_at);

CREATE TABLE deployments (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    revision    TEXT NOT NULL,
    deployed_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, environment),
    FOREIGN KEY (group_id, revision) REFERENCES revisions (group_id, revision) ON DELETE CASCADE
);
