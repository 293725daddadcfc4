-- Optimistic concurrency: every mutable object carries a version, 1 when created, one more
-- at every change (cascades included). Updates and deletes may name the version they expect.
ALTER TABLE organizations ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE workspaces ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE actor_definitions ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE actors ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE connections ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE permissions ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE applications ADD COLUMN version bigint NOT NULL DEFAULT 1;
