-- Custom domains (model.Domain, docs/domains.md): the claims groups make
-- of host names of their own. Several groups may claim a name nobody has
-- verified; once one verifies it, the others' claims are dropped, and the
-- partial unique index keeps a name verified by one group at most. The
-- private key is sealed with the master key (AD "domain/<group>/<domain>/
-- key"), never stored in clear. Times are Unix microseconds, 0 for "not
-- yet". The claims go with their group, and changes to them are logged
-- as changes of their group (0012_changes).

CREATE TABLE domains (
    domain        TEXT NOT NULL, -- normalised: lower case, IDNA ASCII, no trailing dot
    group_id      TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    environment   TEXT NOT NULL,
    token         TEXT NOT NULL,
    verified_at   INTEGER NOT NULL DEFAULT 0,
    record_number TEXT NOT NULL DEFAULT '',
    recorded_at   INTEGER NOT NULL DEFAULT 0,
    certificate   TEXT NOT NULL DEFAULT '', -- PEM chain, leaf first; '' for none
    sealed_key    BLOB,                     -- NULL for none
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (domain, group_id)
);

CREATE UNIQUE INDEX domains_verified ON domains (domain) WHERE verified_at <> 0;
CREATE INDEX domains_group ON domains (group_id, created_at);

CREATE TRIGGER domains_group_insert AFTER INSERT ON domains BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER domains_group_update AFTER UPDATE ON domains BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER domains_group_delete AFTER DELETE ON domains BEGIN INSERT INTO changes (kind, id) VALUES ('group', OLD.group_id); END;
