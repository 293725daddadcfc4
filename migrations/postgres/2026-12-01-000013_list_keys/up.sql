-- Connection, source and destination lists follow the list convention: a folded name for
-- `nameContains` and the name sort (lowercased in Rust on every write, so both backends
-- match alike; rows written before get lower()), and indexes that let a keyset page seek
-- within one workspace whatever its depth.
ALTER TABLE connections ADD COLUMN name_folded text COLLATE "C" NOT NULL DEFAULT '';
UPDATE connections SET name_folded = lower(name);
CREATE INDEX connections_by_created ON connections (workspace_id, created_at, id);
CREATE INDEX connections_by_updated ON connections (workspace_id, updated_at, id);
CREATE INDEX connections_by_name ON connections (workspace_id, name_folded, id);
ALTER TABLE actors ADD COLUMN name_folded text COLLATE "C" NOT NULL DEFAULT '';
UPDATE actors SET name_folded = lower(name);
CREATE INDEX actors_by_created ON actors (workspace_id, actor_type, created_at, id);
CREATE INDEX actors_by_updated ON actors (workspace_id, actor_type, updated_at, id);
CREATE INDEX actors_by_name ON actors (workspace_id, actor_type, name_folded, id);
-- Webhooks are mutable objects too: their version, as every other's (000010).
ALTER TABLE notification_webhooks ADD COLUMN version bigint NOT NULL DEFAULT 1;
