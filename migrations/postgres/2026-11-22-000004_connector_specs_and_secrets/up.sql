-- Where each actor's configuration holds secrets, computed from the spec when it is written,
-- so every read can mask them without running the connector.
ALTER TABLE actors ADD COLUMN secret_paths jsonb NOT NULL DEFAULT '[]';

-- The SPEC each connector image answered, so spec runs once per repository:tag.
CREATE TABLE connector_specs (
    docker_repository text        NOT NULL,
    docker_image_tag  text        NOT NULL,
    specification     jsonb       NOT NULL,
    documentation_url text,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (docker_repository, docker_image_tag)
);
