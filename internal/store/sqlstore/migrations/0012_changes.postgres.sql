-- The change log (store.ChangeLog): 0012_changes.sqlite.sql in
-- PostgreSQL. Every committed change to what the data plane serves is
-- numbered in the transaction that makes it and names the unit it touches
-- ('group', 'pin' or 'blacklist'). Row triggers write it, so no write path
-- can forget to; foreign-key cascades fire them too. One trigger function
-- serves each way a table names its unit.
--
-- Versions come from an identity column, which a rolled-back transaction
-- leaves gaps in; what store.ChangeLog needs is that they grow by commit
-- order. They do because every write transaction takes the store's
-- advisory lock before its first statement and keeps it until it has
-- committed (package postgres): the next writer draws its versions only
-- once the previous one's are visible.
--
-- apis and revisions have none: an API's draft and a revision serve
-- nothing until a deployment (logged) names the revision.

CREATE TABLE changes (
    version BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind    TEXT NOT NULL, -- 'group', 'pin' or 'blacklist'
    id      TEXT NOT NULL  -- the group id, the pin, or ''
);

-- Every change up to version is pruned: a reader behind it reloads all.
CREATE TABLE change_horizon (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO change_horizon (id, version) VALUES (1, 0);

-- Keep the last 100,000 changes, pruned every 1,000. A multiple of 1,000
-- that a rolled-back transaction took is skipped: the next prunes.
CREATE FUNCTION changes_prune() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM changes WHERE version <= NEW.version - 100000;
    UPDATE change_horizon SET version = NEW.version - 100000 WHERE id = 1 AND version < NEW.version - 100000;
    RETURN NULL;
END
$$;
CREATE TRIGGER changes_prune AFTER INSERT ON changes FOR EACH ROW
    WHEN (NEW.version % 1000 = 0 AND NEW.version > 100000) EXECUTE FUNCTION changes_prune();

-- An update that moves a row to another unit logs both units.

-- A group, named by its own id.
CREATE FUNCTION changes_group() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO changes (kind, id) VALUES ('group', OLD.id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id) THEN
        INSERT INTO changes (kind, id) VALUES ('group', NEW.id);
    END IF;
    RETURN NULL;
END
$$;

-- A row of a group: everything of it that is served.
CREATE FUNCTION changes_group_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO changes (kind, id) VALUES ('group', OLD.group_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.group_id IS DISTINCT FROM OLD.group_id) THEN
        INSERT INTO changes (kind, id) VALUES ('group', NEW.group_id);
    END IF;
    RETURN NULL;
END
$$;

-- A row of a pin: the account and who calls in its name.
CREATE FUNCTION changes_pin_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO changes (kind, id) VALUES ('pin', OLD.pin);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.pin IS DISTINCT FROM OLD.pin) THEN
        INSERT INTO changes (kind, id) VALUES ('pin', NEW.pin);
    END IF;
    RETURN NULL;
END
$$;

-- A policy's terms change every group environment it is bound to.
CREATE FUNCTION changes_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (kind, id) SELECT 'group', group_id FROM policy_bindings WHERE policy_id = NEW.id;
    RETURN NULL;
END
$$;

-- A recharge changes the balance of its pin's pay-per-call subscriptions,
-- which each subscribed group's market holds.
CREATE FUNCTION changes_recharge() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        p := OLD.pin;
    ELSE
        p := NEW.pin;
    END IF;
    INSERT INTO changes (kind, id) SELECT 'group', group_id FROM subscriptions WHERE pin = p AND ended_at IS NULL;
    RETURN NULL;
END
$$;

CREATE FUNCTION changes_blacklist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (kind, id) VALUES ('blacklist', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER groups_changes AFTER INSERT OR UPDATE OR DELETE ON groups FOR EACH ROW EXECUTE FUNCTION changes_group();
CREATE TRIGGER deployments_changes AFTER INSERT OR UPDATE OR DELETE ON deployments FOR EACH ROW EXECUTE FUNCTION changes_group_row();
CREATE TRIGGER backends_changes AFTER INSERT OR UPDATE OR DELETE ON backends FOR EACH ROW EXECUTE FUNCTION changes_group_row();
CREATE TRIGGER group_errors_changes AFTER INSERT OR UPDATE OR DELETE ON group_errors FOR EACH ROW EXECUTE FUNCTION changes_group_row();
CREATE TRIGGER authorizations_changes AFTER INSERT OR UPDATE OR DELETE ON authorizations FOR EACH ROW EXECUTE FUNCTION changes_group_row();
CREATE TRIGGER policy_bindings_changes AFTER INSERT OR UPDATE OR DELETE ON policy_bindings FOR EACH ROW EXECUTE FUNCTION changes_group_row();
CREATE TRIGGER plans_changes AFTER INSERT OR UPDATE OR DELETE ON plans FOR EACH ROW EXECUTE FUNCTION changes_group_row();
CREATE TRIGGER subscriptions_changes AFTER INSERT OR UPDATE OR DELETE ON subscriptions FOR EACH ROW EXECUTE FUNCTION changes_group_row();

CREATE TRIGGER accounts_changes AFTER INSERT OR UPDATE OR DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION changes_pin_row();
CREATE TRIGGER users_changes AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION changes_pin_row();
CREATE TRIGGER roles_changes AFTER INSERT OR UPDATE OR DELETE ON roles FOR EACH ROW EXECUTE FUNCTION changes_pin_row();
CREATE TRIGGER keys_changes AFTER INSERT OR UPDATE OR DELETE ON keys FOR EACH ROW EXECUTE FUNCTION changes_pin_row();

CREATE TRIGGER policies_changes AFTER UPDATE ON policies FOR EACH ROW EXECUTE FUNCTION changes_policy();
CREATE TRIGGER recharges_changes AFTER INSERT OR DELETE ON recharges FOR EACH ROW EXECUTE FUNCTION changes_recharge();
CREATE TRIGGER blacklist_changes AFTER INSERT OR UPDATE OR DELETE ON blacklist FOR EACH ROW EXECUTE FUNCTION changes_blacklist();
