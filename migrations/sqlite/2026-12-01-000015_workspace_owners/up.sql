-- Workspace owners, types and domains (issue 17): the owner is a user (none for the instance
-- administrator), existing workspaces are owned by whoever created them; every workspace is
-- multi_user unless made single_user; the domain is an optional host name.
ALTER TABLE workspaces ADD COLUMN owner_id text;
ALTER TABLE workspaces ADD COLUMN workspace_type text NOT NULL DEFAULT 'multi_user';
ALTER TABLE workspaces ADD COLUMN domain_name text;
UPDATE workspaces SET owner_id = created_by;
CREATE INDEX workspaces_owner_idx ON workspaces (owner_id, created_at, id) WHERE owner_id IS NOT NULL;
CREATE INDEX workspaces_type_idx ON workspaces (workspace_type, created_at, id);
