-- A group's own error codes, which its backend raises with the
-- X-Tollgate-Error header beside the catalogue's (model.GroupError,
-- docs/errors.md "Business errors"). They go with the group.

CREATE TABLE group_errors (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    http        INTEGER NOT NULL,
    message     TEXT NOT NULL, -- JSON errcode.Text
    solution    TEXT NOT NULL, -- JSON errcode.Text
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, code)
);
