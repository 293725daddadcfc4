-- Identity and access: users, their permissions, their applications (client credentials),
-- the instance's token signing key, and who created or last changed each object.
CREATE TABLE users (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    email        text        NOT NULL,
    -- Lowercased in Rust: emails are unique ignoring case, the same on both backends.
    email_folded text        NOT NULL COLLATE "C",
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz
);
CREATE UNIQUE INDEX users_live_email_idx ON users (email_folded) WHERE deleted_at IS NULL;
CREATE INDEX users_created_idx ON users (created_at, id);

CREATE TABLE permissions (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id),
    permission_type text        NOT NULL,
    workspace_id    uuid        REFERENCES workspaces (id),
    organization_id uuid        REFERENCES organizations (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- instance_admin names no scope; workspace_* a workspace; organization_* an organization.
    CHECK ((permission_type = 'instance_admin' AND workspace_id IS NULL AND organization_id IS NULL)
        OR (permission_type LIKE 'workspace\_%' AND workspace_id IS NOT NULL AND organization_id IS NULL)
        OR (permission_type LIKE 'organization\_%' AND organization_id IS NOT NULL AND workspace_id IS NULL))
);
-- One permission per user and scope: a change of role is an update.
CREATE UNIQUE INDEX permissions_user_workspace_idx ON permissions (user_id, workspace_id) WHERE workspace_id IS NOT NULL;
CREATE UNIQUE INDEX permissions_user_organization_idx ON permissions (user_id, organization_id) WHERE organization_id IS NOT NULL;
CREATE UNIQUE INDEX permissions_user_instance_idx ON permissions (user_id) WHERE permission_type = 'instance_admin';
CREATE INDEX permissions_workspace_idx ON permissions (workspace_id) WHERE workspace_id IS NOT NULL;
CREATE INDEX permissions_organization_idx ON permissions (organization_id) WHERE organization_id IS NOT NULL;

CREATE TABLE applications (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id),
    name        text        NOT NULL,
    client_id   text        NOT NULL UNIQUE,
    -- SHA-256 of the client secret (hex): the secret itself is never stored.
    secret_hash text        NOT NULL,
    created_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX applications_user_idx ON applications (user_id, created_at, id);

-- Instance-wide values generated once (the token signing key), shared by every replica.
CREATE TABLE instance_settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);

ALTER TABLE workspaces ADD COLUMN created_by uuid, ADD COLUMN updated_by uuid;
ALTER TABLE actors ADD COLUMN created_by uuid, ADD COLUMN updated_by uuid;
ALTER TABLE connections ADD COLUMN created_by uuid, ADD COLUMN updated_by uuid;
CREATE INDEX workspaces_created_by_idx ON workspaces (created_by, created_at, id) WHERE created_by IS NOT NULL;
