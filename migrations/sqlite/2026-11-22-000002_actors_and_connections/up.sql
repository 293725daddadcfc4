-- SQLite twin of the PostgreSQL migration (uuids, timestamps and json as TEXT).
-- Sources and destinations share one table ("actors", told apart by actor_type), as
-- connector definitions do.
CREATE TABLE actors (
    id                  text        PRIMARY KEY,
    actor_type          text        NOT NULL CHECK (actor_type IN ('source', 'destination')),
    workspace_id        text        NOT NULL REFERENCES workspaces (id),
    actor_definition_id text        NOT NULL REFERENCES actor_definitions (id),
    name                text        NOT NULL,
    configuration       text        NOT NULL,
    created_at          text        NOT NULL,
    updated_at          text        NOT NULL,
    deleted_at          text       
);
-- Serves the workspace foreign key and sources/list, destinations/list in their order.
CREATE INDEX actors_workspace_idx ON actors (workspace_id, actor_type, created_at, id);
-- Serves the definition foreign key and the "still in use" count on definition delete.
CREATE INDEX actors_definition_idx ON actors (actor_definition_id);

-- A connection is never removed: deleting it (or its source or destination) deprecates it.
CREATE TABLE connections (
    id                 text        PRIMARY KEY,
    workspace_id       text        NOT NULL REFERENCES workspaces (id),
    source_id          text        NOT NULL REFERENCES actors (id),
    destination_id     text        NOT NULL REFERENCES actors (id),
    name               text        NOT NULL,
    sync_mode          text        NOT NULL CHECK (sync_mode IN ('full_refresh', 'incremental')),
    sync_schema        text        NOT NULL,
    schedule_units     integer     CHECK (schedule_units > 0),
    schedule_time_unit text        CHECK (schedule_time_unit IN ('minutes', 'hours', 'days', 'weeks', 'months')),
    status             text        NOT NULL CHECK (status IN ('active', 'inactive', 'deprecated')),
    created_at         text        NOT NULL,
    updated_at         text        NOT NULL,
    CHECK ((schedule_units IS NULL) = (schedule_time_unit IS NULL))
);
-- Serves the workspace foreign key and connections/list in its order.
CREATE INDEX connections_workspace_idx ON connections (workspace_id, created_at, id);
CREATE INDEX connections_source_idx ON connections (source_id);
CREATE INDEX connections_destination_idx ON connections (destination_id);
