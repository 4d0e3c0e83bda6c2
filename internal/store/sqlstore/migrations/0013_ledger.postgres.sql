-- The ledger: 0013_ledger.sqlite.sql in PostgreSQL. With counters in
-- Redis this is the money's record: the balance Redis caches is rebuilt
-- from it, and a charged call is answered only once its row is committed
-- here (docs/cluster.md, "Money has one ledger").

CREATE TABLE ledger (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref        TEXT NOT NULL UNIQUE,
    pin        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX ledger_pin ON ledger (pin, kind);

INSERT INTO ledger (ref, pin, kind, amount, created_at)
    SELECT id, pin, 'recharge', amount, created_at FROM recharges ORDER BY created_at, rowid;
INSERT INTO ledger (ref, pin, kind, amount, created_at)
    SELECT id, pin, 'purchase', -paid, created_at FROM subscriptions WHERE paid > 0 ORDER BY created_at, rowid;
