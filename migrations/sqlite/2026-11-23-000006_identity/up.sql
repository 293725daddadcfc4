-- SQLite twin of the PostgreSQL migration (uuids and timestamps as TEXT).
CREATE TABLE users (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    email        text NOT NULL,
    email_folded text NOT NULL,
    created_at   text NOT NULL,
    updated_at   text NOT NULL,
    deleted_at   text
);
CREATE UNIQUE INDEX users_live_email_idx ON users (email_folded) WHERE deleted_at IS NULL;
CREATE INDEX users_created_idx ON users (created_at, id);

CREATE TABLE permissions (
    id              text PRIMARY KEY,
    user_id         text NOT NULL REFERENCES users (id),
    permission_type text NOT NULL,
    workspace_id    text REFERENCES workspaces (id),
    organization_id text REFERENCES organizations (id),
    created_at      text NOT NULL,
    updated_at      text NOT NULL,
    CHECK ((permission_type = 'instance_admin' AND workspace_id IS NULL AND organization_id IS NULL)
        OR (permission_type LIKE 'workspace\_%' ESCAPE '\' AND workspace_id IS NOT NULL AND organization_id IS NULL)
        OR (permission_type LIKE 'organization\_%' ESCAPE '\' AND organization_id IS NOT NULL AND workspace_id IS NULL))
);
CREATE UNIQUE INDEX permissions_user_workspace_idx ON permissions (user_id, workspace_id) WHERE workspace_id IS NOT NULL;
CREATE UNIQUE INDEX permissions_user_organization_idx ON permissions (user_id, organization_id) WHERE organization_id IS NOT NULL;
CREATE UNIQUE INDEX permissions_user_instance_idx ON permissions (user_id) WHERE permission_type = 'instance_admin';
CREATE INDEX permissions_workspace_idx ON permissions (workspace_id) WHERE workspace_id IS NOT NULL;
CREATE INDEX permissions_organization_idx ON permissions (organization_id) WHERE organization_id IS NOT NULL;

CREATE TABLE applications (
    id          text PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (id),
    name        text NOT NULL,
    client_id   text NOT NULL UNIQUE,
    secret_hash text NOT NULL,
    created_at  text NOT NULL,
    deleted_at  text
);
CREATE INDEX applications_user_idx ON applications (user_id, created_at, id);

CREATE TABLE instance_settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);

ALTER TABLE workspaces ADD COLUMN created_by text;
ALTER TABLE workspaces ADD COLUMN updated_by text;
ALTER TABLE actors ADD COLUMN created_by text;
ALTER TABLE actors ADD COLUMN updated_by text;
ALTER TABLE connections ADD COLUMN created_by text;
ALTER TABLE connections ADD COLUMN updated_by text;
CREATE INDEX workspaces_created_by_idx ON workspaces (created_by, created_at, id) WHERE created_by IS NOT NULL;
