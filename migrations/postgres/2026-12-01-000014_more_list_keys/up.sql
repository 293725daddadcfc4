-- The remaining lists follow the list convention (docs/API-DESIGN.md, "Lists"): folded
-- names for `nameContains` and the name sort on organizations and definitions (lowercased
-- in Rust on every write; rows written before get lower()), and (key, id) indexes so that a
-- keyset page seeks whatever its depth: a connection's jobs, definitions of a type,
-- organizations, users, a user's applications and permissions.
ALTER TABLE organizations ADD COLUMN name_folded text COLLATE "C" NOT NULL DEFAULT '';
UPDATE organizations SET name_folded = lower(name);
CREATE INDEX organizations_by_name ON organizations (name_folded, id);
CREATE INDEX organizations_by_updated ON organizations (updated_at, id);
ALTER TABLE actor_definitions ADD COLUMN name_folded text COLLATE "C" NOT NULL DEFAULT '';
UPDATE actor_definitions SET name_folded = lower(name);
CREATE INDEX actor_definitions_by_name ON actor_definitions (actor_type, name_folded, id);
CREATE INDEX actor_definitions_by_created ON actor_definitions (actor_type, created_at, id);
CREATE INDEX actor_definitions_by_updated ON actor_definitions (actor_type, updated_at, id);
CREATE INDEX jobs_by_created ON jobs (config_type, config_id, created_at, id);
CREATE INDEX jobs_by_updated ON jobs (config_type, config_id, updated_at, id);
CREATE INDEX users_by_email ON users (email_folded, id);
CREATE INDEX users_by_updated ON users (updated_at, id);
CREATE INDEX permissions_by_user_created ON permissions (user_id, created_at, id);
CREATE INDEX permissions_by_user_updated ON permissions (user_id, updated_at, id);
CREATE INDEX applications_by_created ON applications (created_at, id);
