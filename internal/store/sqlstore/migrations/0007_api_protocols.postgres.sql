-- The protocols an API declares beyond plain HTTP (model.API.GRPC and
-- WebSocket).

ALTER TABLE apis ADD COLUMN grpc BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE apis ADD COLUMN websocket BOOLEAN NOT NULL DEFAULT FALSE;
