CREATE TABLE organizations (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    email      text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);
CREATE INDEX organizations_live_created_idx ON organizations (created_at, id) WHERE deleted_at IS NULL;

-- The default organization (Airbyte's fixed id) exists from the first start and holds every
-- workspace created before organizations existed.
INSERT INTO organizations (id, name, email, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000000', 'Default Organization', NULL,
        date_trunc('second', now()), date_trunc('second', now()));

ALTER TABLE workspaces
    ADD COLUMN organization_id uuid NOT NULL
        DEFAULT '00000000-0000-0000-0000-000000000000' REFERENCES organizations (id),
    ADD COLUMN description text,
    ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    ADD COLUMN region text NOT NULL DEFAULT 'local',
    -- Lowercased in Rust (Unicode-aware) when written, so that case-insensitive filters
    -- behave the same on both backends. COLLATE "C": byte order, as SQLite sorts text.
    ADD COLUMN name_folded text COLLATE "C",
    ADD COLUMN search_folded text COLLATE "C";
ALTER TABLE workspaces ALTER COLUMN organization_id DROP DEFAULT;
UPDATE workspaces SET name_folded = lower(name),
    search_folded = lower(id::text || chr(10) || name || chr(10) || slug || chr(10)
                          || coalesce(email, '') || chr(10) || coalesce(description, ''));
ALTER TABLE workspaces ALTER COLUMN name_folded SET NOT NULL, ALTER COLUMN search_folded SET NOT NULL;

-- Keyset pagination for each sort (id breaks ties), and the organization filter.
CREATE INDEX workspaces_name_idx ON workspaces (name_folded, id);
CREATE INDEX workspaces_created_idx ON workspaces (created_at, id);
CREATE INDEX workspaces_updated_idx ON workspaces (updated_at, id);
CREATE INDEX workspaces_organization_idx ON workspaces (organization_id, created_at, id);

CREATE TABLE workspace_tags (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    tag          text NOT NULL COLLATE "C",
    PRIMARY KEY (workspace_id, tag)
);
-- Serves the tags filter (workspaces carrying every given tag).
CREATE INDEX workspace_tags_tag_idx ON workspace_tags (tag, workspace_id);
