//! One module per resource. Every function filters soft-deleted rows (`deleted_at`) unless
//! its name or doc says it returns them.

pub mod access;
pub mod actor_definitions;
pub mod actors;
pub mod applications;
pub mod connections;
pub mod id_rows;
pub mod idempotency_keys;
pub mod instance_settings;
pub mod jobs;
pub mod locks;
pub mod notifications;
pub mod organizations;
pub mod paging;
pub mod permissions;
pub mod specs;
pub mod users;
pub mod versions;
pub mod workspaces;

/// How many values one `IN (...)` binds at most: well under SQLite's 32,766 variables and
/// PostgreSQL's 65,535 parameters (with the statement's other binds), so a read or write over
/// any number of ids is made in batches of this many.
pub const MAX_BOUND_IDS: usize = 10_000;
