-- Versions go; objects keep their content.
ALTER TABLE applications DROP COLUMN version;
ALTER TABLE permissions DROP COLUMN version;
ALTER TABLE users DROP COLUMN version;
ALTER TABLE connections DROP COLUMN version;
ALTER TABLE actors DROP COLUMN version;
ALTER TABLE actor_definitions DROP COLUMN version;
ALTER TABLE workspaces DROP COLUMN version;
ALTER TABLE organizations DROP COLUMN version;
