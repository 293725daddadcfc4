DROP TABLE workspace_tags;
DROP INDEX workspaces_name_idx;
DROP INDEX workspaces_created_idx;
DROP INDEX workspaces_updated_idx;
DROP INDEX workspaces_organization_idx;
ALTER TABLE workspaces DROP COLUMN organization_id, DROP COLUMN description, DROP COLUMN status,
    DROP COLUMN region, DROP COLUMN name_folded, DROP COLUMN search_folded;
DROP TABLE organizations;
