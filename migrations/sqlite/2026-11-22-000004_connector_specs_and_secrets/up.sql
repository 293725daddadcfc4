-- SQLite twin of the PostgreSQL migration (json and timestamps as TEXT).
ALTER TABLE actors ADD COLUMN secret_paths text NOT NULL DEFAULT '[]';

CREATE TABLE connector_specs (
    docker_repository text NOT NULL,
    docker_image_tag  text NOT NULL,
    specification     text NOT NULL,
    documentation_url text,
    created_at        text NOT NULL,
    PRIMARY KEY (docker_repository, docker_image_tag)
);
