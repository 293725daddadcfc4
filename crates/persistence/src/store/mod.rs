//! One module per resource. Every function filters soft-deleted rows (`deleted_at`) unless
//! its name or doc says it returns them.

pub mod actor_definitions;
pub mod actors;
pub mod connections;
pub mod jobs;
pub mod locks;
pub mod organizations;
pub mod specs;
pub mod workspaces;
