-- Custom domains: 0015_domains.sqlite.sql in PostgreSQL's types, logged
-- by the row trigger function of 0012_changes.

CREATE TABLE domains (
    domain        TEXT NOT NULL,
    group_id      TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    environment   TEXT NOT NULL,
    token         TEXT NOT NULL,
    verified_at   BIGINT NOT NULL DEFAULT 0,
    record_number TEXT NOT NULL DEFAULT '',
    recorded_at   BIGINT NOT NULL DEFAULT 0,
    certificate   TEXT NOT NULL DEFAULT '',
    sealed_key    BYTEA,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (domain, group_id)
);

CREATE UNIQUE INDEX domains_verified ON domains (domain) WHERE verified_at <> 0;
CREATE INDEX domains_group ON domains (group_id, created_at);

CREATE TRIGGER domains_changes AFTER INSERT OR UPDATE OR DELETE ON domains FOR EACH ROW EXECUTE FUNCTION changes_group_row();
