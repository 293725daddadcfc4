-- SQLite twin of the PostgreSQL migration (uuids and timestamps as TEXT).
CREATE TABLE organizations (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    email      text,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    deleted_at text
);
CREATE INDEX organizations_live_created_idx ON organizations (created_at, id) WHERE deleted_at IS NULL;

-- Timestamps in Ferry's fixed-width text form (microseconds, UTC).
INSERT INTO organizations (id, name, email, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000000', 'Default Organization', NULL,
        strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z',
        strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.000000Z');

-- SQLite refuses ADD COLUMN ... REFERENCES with a non-NULL default while foreign keys are
-- on, so the organization reference is enforced by the store (and by PostgreSQL's key).
ALTER TABLE workspaces ADD COLUMN organization_id text NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000000';
ALTER TABLE workspaces ADD COLUMN description text;
ALTER TABLE workspaces ADD COLUMN status text NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'inactive'));
ALTER TABLE workspaces ADD COLUMN region text NOT NULL DEFAULT 'local';
-- Lowercased in Rust when written (Unicode-aware); SQLite's lower() folds ASCII only, which is
-- enough for the rows that exist before this migration (only 'default' on a new database).
ALTER TABLE workspaces ADD COLUMN name_folded text NOT NULL DEFAULT '';
ALTER TABLE workspaces ADD COLUMN search_folded text NOT NULL DEFAULT '';
UPDATE workspaces SET name_folded = lower(name),
    search_folded = lower(id || char(10) || name || char(10) || slug || char(10)
                          || coalesce(email, '') || char(10) || coalesce(description, ''));

CREATE INDEX workspaces_name_idx ON workspaces (name_folded, id);
CREATE INDEX workspaces_created_idx ON workspaces (created_at, id);
CREATE INDEX workspaces_updated_idx ON workspaces (updated_at, id);
CREATE INDEX workspaces_organization_idx ON workspaces (organization_id, created_at, id);

CREATE TABLE workspace_tags (
    workspace_id text NOT NULL REFERENCES workspaces (id),
    tag          text NOT NULL,
    PRIMARY KEY (workspace_id, tag)
);
CREATE INDEX workspace_tags_tag_idx ON workspace_tags (tag, workspace_id);
