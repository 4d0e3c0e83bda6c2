-- The change log (store.ChangeLog): every committed change to what the
-- data plane serves, numbered in the transaction that makes it and naming
-- the unit it touches ('group', 'pin' or 'blacklist'), so that a node
-- reloads only what changed. Triggers write it, so no write path can
-- forget to; foreign-key cascades fire them too. A migration that rebuilds
-- one of these tables (CREATE new, copy, DROP, RENAME) must create its
-- triggers again.
--
-- apis and revisions have none: an API's draft and a revision serve
-- nothing until a deployment (logged) names the revision.
--
-- 0012_changes.postgres.sql is the same log in PostgreSQL. Writers must
-- commit in version order (store.ChangeLog): SQLite's single writer does.

CREATE TABLE changes (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL, -- 'group', 'pin' or 'blacklist'
    id      TEXT NOT NULL  -- the group id, the pin, or ''
);

-- Every change up to version is pruned: a reader behind it reloads all.
CREATE TABLE change_horizon (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO change_horizon (id, version) VALUES (1, 0);

-- Keep the last 100,000 changes, pruned every 1,000.
CREATE TRIGGER changes_prune AFTER INSERT ON changes WHEN NEW.version % 1000 = 0 AND NEW.version > 100000
BEGIN
    DELETE FROM changes WHERE version <= NEW.version - 100000;
    UPDATE change_horizon SET version = NEW.version - 100000 WHERE id = 1;
END;


-- A group: the group and everything of it that is served.
CREATE TRIGGER groups_group_insert AFTER INSERT ON groups BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.id); END;
CREATE TRIGGER groups_group_update AFTER UPDATE ON groups BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.id); END;
CREATE TRIGGER groups_group_delete AFTER DELETE ON groups BEGIN INSERT INTO changes (kind, id) VALUES ('group', OLD.id); END;
CREATE TRIGGER deployments_group_insert AFTER INSERT ON deployments BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER deployments_group_update AFTER UPDATE ON deployments BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER deployments_group_delete AFTER DELETE ON deployments BEGIN INSERT INTO changes (kind, id) VALUES ('group', OLD.group_id); END;
CREATE TRIGGER backends_group_insert AFTER INSERT ON backends BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER backends_group_update AFTER UPDATE ON backends BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER backends_group_delete AFTER DELETE ON backends BEGIN INSERT INTO changes (kind, id) VALUES ('group', OLD.group_id); END;
CREATE TRIGGER group_errors_group_insert AFTER INSERT ON group_errors BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER group_errors_group_update AFTER UPDATE ON group_errors BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER group_errors_group_delete AFTER DELETE ON group_errors BEGIN INSERT INTO changes (kind, id) VALUES ('group', OLD.group_id); END;
CREATE TRIGGER authorizations_group_insert AFTER INSERT ON authorizations BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER authorizations_group_update AFTER UPDATE ON authorizations BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER authorizations_group_delete AFTER DELETE ON authorizations BEGIN INSERT INTO changes (kind, id) VALUES ('group', OLD.group_id); END;
CREATE TRIGGER policy_bindings_group_insert AFTER INSERT ON policy_bindings BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER policy_bindings_group_update AFTER UPDATE ON policy_bindings BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER policy_bindings_group_delete AFTER DELETE ON policy_bindings BEGIN INSERT INTO changes (kind, id) VALUES ('group', OLD.group_id); END;
CREATE TRIGGER plans_group_insert AFTER INSERT ON plans BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER plans_group_update AFTER UPDATE ON plans BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER plans_group_delete AFTER DELETE ON plans BEGIN INSERT INTO changes (kind, id) VALUES ('group', OLD.group_id); END;
CREATE TRIGGER subscriptions_group_insert AFTER INSERT ON subscriptions BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER subscriptions_group_update AFTER UPDATE ON subscriptions BEGIN INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id); END;
CREATE TRIGGER subscriptions_group_delete AFTER DELETE ON subscriptions BEGIN INSERT INTO changes (kind, id) VALUES ('group', OLD.group_id); END;

-- A pin: the account and who calls in its name.
CREATE TRIGGER accounts_pin_insert AFTER INSERT ON accounts BEGIN INSERT INTO changes (kind, id) VALUES ('pin', NEW.pin); END;
CREATE TRIGGER accounts_pin_update AFTER UPDATE ON accounts BEGIN INSERT INTO changes (kind, id) VALUES ('pin', NEW.pin); END;
CREATE TRIGGER accounts_pin_delete AFTER DELETE ON accounts BEGIN INSERT INTO changes (kind, id) VALUES ('pin', OLD.pin); END;
CREATE TRIGGER users_pin_insert AFTER INSERT ON users BEGIN INSERT INTO changes (kind, id) VALUES ('pin', NEW.pin); END;
CREATE TRIGGER users_pin_update AFTER UPDATE ON users BEGIN INSERT INTO changes (kind, id) VALUES ('pin', NEW.pin); END;
CREATE TRIGGER users_pin_delete AFTER DELETE ON users BEGIN INSERT INTO changes (kind, id) VALUES ('pin', OLD.pin); END;
CREATE TRIGGER roles_pin_insert AFTER INSERT ON roles BEGIN INSERT INTO changes (kind, id) VALUES ('pin', NEW.pin); END;
CREATE TRIGGER roles_pin_update AFTER UPDATE ON roles BEGIN INSERT INTO changes (kind, id) VALUES ('pin', NEW.pin); END;
CREATE TRIGGER roles_pin_delete AFTER DELETE ON roles BEGIN INSERT INTO changes (kind, id) VALUES ('pin', OLD.pin); END;
CREATE TRIGGER keys_pin_insert AFTER INSERT ON keys BEGIN INSERT INTO changes (kind, id) VALUES ('pin', NEW.pin); END;
CREATE TRIGGER keys_pin_update AFTER UPDATE ON keys BEGIN INSERT INTO changes (kind, id) VALUES ('pin', NEW.pin); END;
CREATE TRIGGER keys_pin_delete AFTER DELETE ON keys BEGIN INSERT INTO changes (kind, id) VALUES ('pin', OLD.pin); END;

-- A policy's terms change every group environment it is bound to.
CREATE TRIGGER policies_group_update AFTER UPDATE ON policies BEGIN
    INSERT INTO changes (kind, id) SELECT 'group', group_id FROM policy_bindings WHERE policy_id = NEW.id;
END;

-- A recharge changes the balance of its pin's pay-per-call subscriptions,
-- which each subscribed group's market holds.
CREATE TRIGGER recharges_group_insert AFTER INSERT ON recharges BEGIN
    INSERT INTO changes (kind, id) SELECT 'group', group_id FROM subscriptions WHERE pin = NEW.pin AND ended_at IS NULL;
END;
CREATE TRIGGER recharges_group_delete AFTER DELETE ON recharges BEGIN
    INSERT INTO changes (kind, id) SELECT 'group', group_id FROM subscriptions WHERE pin = OLD.pin AND ended_at IS NULL;
END;

CREATE TRIGGER blacklist_insert AFTER INSERT ON blacklist BEGIN INSERT INTO changes (kind, id) VALUES ('blacklist', ''); END;
CREATE TRIGGER blacklist_update AFTER UPDATE ON blacklist BEGIN INSERT INTO changes (kind, id) VALUES ('blacklist', ''); END;
CREATE TRIGGER blacklist_delete AFTER DELETE ON blacklist BEGIN INSERT INTO changes (kind, id) VALUES ('blacklist', ''); END;
