//! `workspaces/*`: one file per endpoint.

pub mod create;
pub mod delete;
pub mod duplicate;
pub mod get;
pub mod get_by_slug;
pub mod list;
pub mod stats;
pub mod update;
