-- SQLite twin of the PostgreSQL migration: uuids and timestamps are TEXT in an
-- order-preserving encoding (see crates/persistence/src/sql_types.rs).
-- Workspaces and connector definitions. Every table keeps created_at / updated_at and a
-- deleted_at soft-delete marker that every live query filters on.
CREATE TABLE workspaces (
    id                        text        PRIMARY KEY,
    customer_id               text        NOT NULL,
    name                      text        NOT NULL,
    slug                      text        NOT NULL,
    email                     text,
    initial_setup_complete    boolean     NOT NULL DEFAULT false,
    onboarding_complete       boolean     NOT NULL DEFAULT false,
    anonymous_data_collection boolean     NOT NULL DEFAULT false,
    news                      boolean     NOT NULL DEFAULT false,
    security_updates          boolean     NOT NULL DEFAULT false,
    created_at                text        NOT NULL,
    updated_at                text        NOT NULL,
    deleted_at                text       
);
-- A slug names one workspace for good, deleted or not, so get_by_slug is never ambiguous.
CREATE UNIQUE INDEX workspaces_slug_key ON workspaces (slug);
CREATE INDEX workspaces_live_created_idx ON workspaces (created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE actor_definitions (
    id                text        PRIMARY KEY,
    actor_type        text        NOT NULL CHECK (actor_type IN ('source', 'destination')),
    name              text        NOT NULL,
    docker_repository text        NOT NULL,
    docker_image_tag  text        NOT NULL,
    documentation_url text        NOT NULL,
    created_at        text        NOT NULL,
    updated_at        text        NOT NULL,
    deleted_at        text       
);
CREATE INDEX actor_definitions_live_idx
    ON actor_definitions (actor_type, created_at, id) WHERE deleted_at IS NULL;
