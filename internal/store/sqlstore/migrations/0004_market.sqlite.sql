-- The API market: the plans groups sell, the accounts' subscriptions to
-- them, and the recharges that make up each account's credit; the quotas
-- of authorizations, and the suspension of groups. Money is INTEGER minor
-- units (model.Money), never REAL.

CREATE TABLE plans (
    id             TEXT PRIMARY KEY,
    group_id       TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    price_per_call INTEGER NOT NULL,
    daily_limit    INTEGER NOT NULL,
    total_calls    INTEGER NOT NULL,
    qps            INTEGER NOT NULL,
    withdrawn      INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    UNIQUE (group_id, name)
);

CREATE INDEX plans_group ON plans (group_id, created_at);

-- A subscription is the record of a purchase, with the plan's terms as
-- they were bought and what was paid: it outlives its plan and its group,
-- so plan_id and group_id carry no foreign key. Deleting a group ends
-- (sets ended_at on) the subscriptions to it that had not ended; the store
-- does that in the transaction that deletes the group. ended_at is NULL
-- while the subscription is the pin's subscription to the group, and the
-- partial unique index keeps that to one.
CREATE TABLE subscriptions (
    id             TEXT PRIMARY KEY,
    pin            TEXT NOT NULL REFERENCES accounts (pin) ON DELETE CASCADE,
    plan_id        TEXT NOT NULL,
    group_id       TEXT NOT NULL,
    price_per_call INTEGER NOT NULL,
    daily_limit    INTEGER NOT NULL,
    total_calls    INTEGER NOT NULL,
    qps            INTEGER NOT NULL,
    paid           INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    ended_at       INTEGER
);

CREATE UNIQUE INDEX subscriptions_current ON subscriptions (pin, group_id) WHERE ended_at IS NULL;
CREATE INDEX subscriptions_pin ON subscriptions (pin, created_at);
CREATE INDEX subscriptions_group ON subscriptions (group_id) WHERE ended_at IS NULL;

CREATE TABLE recharges (
    id         TEXT PRIMARY KEY,
    pin        TEXT NOT NULL REFERENCES accounts (pin) ON DELETE CASCADE,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    created_at INTEGER NOT NULL
);

CREATE INDEX recharges_pin ON recharges (pin, created_at);

-- 0: no quota.
ALTER TABLE authorizations ADD COLUMN daily_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE authorizations ADD COLUMN total_calls INTEGER NOT NULL DEFAULT 0;

-- '' (every group stored before) reads as 'active'.
ALTER TABLE groups ADD COLUMN status TEXT NOT NULL DEFAULT '';
