//! `workspaces/*`: one file per endpoint.

pub mod create;
pub mod delete;
pub mod duplicate;
pub mod export;
pub mod get;
pub mod get_by_slug;
pub mod import;
pub mod list;
pub mod stats;
pub mod sync_from_remote;
pub mod update;
