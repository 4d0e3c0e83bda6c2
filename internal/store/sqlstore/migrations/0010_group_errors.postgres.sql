-- A group's own error codes (model.GroupError, docs/errors.md "Business
-- errors"): 0010_group_errors.sqlite.sql in PostgreSQL's types.

CREATE TABLE group_errors (
    group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    http        BIGINT NOT NULL,
    message     TEXT NOT NULL, -- JSON errcode.Text
    solution    TEXT NOT NULL, -- JSON errcode.Text
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, code)
);
