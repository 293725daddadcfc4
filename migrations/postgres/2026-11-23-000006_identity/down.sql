DROP INDEX workspaces_created_by_idx;
ALTER TABLE connections DROP COLUMN created_by, DROP COLUMN updated_by;
ALTER TABLE actors DROP COLUMN created_by, DROP COLUMN updated_by;
ALTER TABLE workspaces DROP COLUMN created_by, DROP COLUMN updated_by;
DROP TABLE instance_settings;
DROP TABLE applications;
DROP TABLE permissions;
DROP TABLE users;
