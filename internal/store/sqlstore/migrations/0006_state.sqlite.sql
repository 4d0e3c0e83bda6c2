-- The data directory's id, shared with the counters' files (package
-- limit), so that a database and counters from different data directories
-- are not served together; and the purchases whose charge on the counters
-- is not known to be settled (docs/market.md).

CREATE TABLE data_dir (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    data_id TEXT NOT NULL
);

CREATE TABLE pending_purchases (
    id              TEXT PRIMARY KEY,
    pin             TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    replaced_id     TEXT NOT NULL,
    price           INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
