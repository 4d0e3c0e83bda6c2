-- The ledger: every movement of an account's money, one row each, signed
-- in minor units: a recharge adds (kind 'recharge'), a package purchase
-- ('purchase') and a charged call ('charge') take away. ref is what made
-- the movement (a recharge id, a subscription id, a call's charge id):
-- writing a movement twice writes one row. An account's balance of record
-- is the sum of its rows. Recharges and purchases write their row in the
-- transaction that stores them; with counters in Redis, charged calls are
-- written here too, in batches (docs/cluster.md, "Money has one ledger").
-- The rows outlive their account: pin carries no foreign key.

CREATE TABLE ledger (
    id         INTEGER PRIMARY KEY,
    ref        TEXT NOT NULL UNIQUE,
    pin        TEXT NOT NULL,
    kind       TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX ledger_pin ON ledger (pin, kind);

-- What was bought and recharged before the ledger existed.
INSERT INTO ledger (ref, pin, kind, amount, created_at)
    SELECT id, pin, 'recharge', amount, created_at FROM recharges ORDER BY created_at, rowid;
INSERT INTO ledger (ref, pin, kind, amount, created_at)
    SELECT id, pin, 'purchase', -paid, created_at FROM subscriptions WHERE paid > 0 ORDER BY created_at, rowid;
