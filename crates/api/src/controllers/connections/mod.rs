//! `connections/*`: one file per endpoint.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod reset;
pub mod sync;
pub mod update;
