-- Backends remember who saved them, which decides the addresses their
-- calls may reach (the egress policy, docs/security.md), and keep their
-- configured headers sealed under the master key in sealed_headers
-- (headers is then '{}'). Backends saved before this version count as
-- the tenant's when the group has an owner and the operator's otherwise;
-- their headers are sealed by the store when it opens (sealLegacyHeaders).
ALTER TABLE backends ADD COLUMN saved_by TEXT NOT NULL DEFAULT 'operator';
ALTER TABLE backends ADD COLUMN sealed_headers BLOB;
UPDATE backends SET saved_by = 'tenant'
    WHERE group_id IN (SELECT id FROM groups WHERE owner <> '');
