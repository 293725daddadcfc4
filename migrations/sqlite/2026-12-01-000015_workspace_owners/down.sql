DROP INDEX workspaces_type_idx;
DROP INDEX workspaces_owner_idx;
ALTER TABLE workspaces DROP COLUMN domain_name;
ALTER TABLE workspaces DROP COLUMN workspace_type;
ALTER TABLE workspaces DROP COLUMN owner_id;
