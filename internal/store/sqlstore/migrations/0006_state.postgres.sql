-- The store's data directory id, and the purchases whose charge on the
-- counters is not known to be settled: 0006_state.sqlite.sql in
-- PostgreSQL's types, with rowid for the order of insertion.

CREATE TABLE data_dir (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    data_id TEXT NOT NULL
);

CREATE TABLE pending_purchases (
    id              TEXT PRIMARY KEY,
    pin             TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    replaced_id     TEXT NOT NULL,
    price           BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    rowid           BIGINT GENERATED ALWAYS AS IDENTITY
);
