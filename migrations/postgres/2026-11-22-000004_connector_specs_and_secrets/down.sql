DROP TABLE connector_specs;
ALTER TABLE actors DROP COLUMN secret_paths;
