-- The protocols an API declares beyond plain HTTP (model.API.GRPC and
-- WebSocket). Revisions keep their APIs as JSON, which carries the two
-- fields without a schema change.

ALTER TABLE apis ADD COLUMN grpc INTEGER NOT NULL DEFAULT 0;
ALTER TABLE apis ADD COLUMN websocket INTEGER NOT NULL DEFAULT 0;
