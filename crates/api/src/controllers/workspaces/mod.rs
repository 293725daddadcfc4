//! `workspaces/*`: one file per endpoint.

pub mod create;
pub mod delete;
pub mod get;
pub mod get_by_slug;
pub mod list;
pub mod update;
