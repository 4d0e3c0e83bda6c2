-- The API market: 0004_market.sqlite.sql in PostgreSQL's types. Money is
-- BIGINT minor units (model.Money). The lists of the market are in the
-- order of insertion, which SQLite keeps in its implicit rowid column;
-- here rowid is an identity column of the same name, so that one query
-- sorts both.

CREATE TABLE plans (
    id             TEXT PRIMARY KEY,
    group_id       TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    price_per_call BIGINT NOT NULL,
    daily_limit    BIGINT NOT NULL,
    total_calls    BIGINT NOT NULL,
    qps            BIGINT NOT NULL,
    withdrawn      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL,
    rowid          BIGINT GENERATED ALWAYS AS IDENTITY,
    UNIQUE (group_id, name)
);

CREATE INDEX plans_group ON plans (group_id, created_at);

-- A subscription is the record of a purchase: it outlives its plan and
-- its group, so plan_id and group_id carry no foreign key. ended_at is
-- NULL while the subscription is the pin's subscription to the group, and
-- the partial unique index keeps that to one.
CREATE TABLE subscriptions (
    id             TEXT PRIMARY KEY,
    pin            TEXT NOT NULL REFERENCES accounts (pin) ON DELETE CASCADE,
    plan_id        TEXT NOT NULL,
    group_id       TEXT NOT NULL,
    price_per_call BIGINT NOT NULL,
    daily_limit    BIGINT NOT NULL,
    total_calls    BIGINT NOT NULL,
    qps            BIGINT NOT NULL,
    paid           BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    ended_at       BIGINT,
    rowid          BIGINT GENERATED ALWAYS AS IDENTITY
);

CREATE UNIQUE INDEX subscriptions_current ON subscriptions (pin, group_id) WHERE ended_at IS NULL;
CREATE INDEX subscriptions_pin ON subscriptions (pin, created_at);
CREATE INDEX subscriptions_group ON subscriptions (group_id) WHERE ended_at IS NULL;

CREATE TABLE recharges (
    id         TEXT PRIMARY KEY,
    pin        TEXT NOT NULL REFERENCES accounts (pin) ON DELETE CASCADE,
    amount     BIGINT NOT NULL CHECK (amount > 0),
    created_at BIGINT NOT NULL,
    rowid      BIGINT GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX recharges_pin ON recharges (pin, created_at);

-- 0: no quota.
ALTER TABLE authorizations ADD COLUMN daily_limit BIGINT NOT NULL DEFAULT 0;
ALTER TABLE authorizations ADD COLUMN total_calls BIGINT NOT NULL DEFAULT 0;

-- '' (every group stored before) reads as 'active'.
ALTER TABLE groups ADD COLUMN status TEXT NOT NULL DEFAULT '';
