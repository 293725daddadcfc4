//! `sources/*`: one file per endpoint. Destinations share their rules (`app::actors`).

pub mod check_connection;
pub mod create;
pub mod delete;
pub mod discover_schema;
pub mod get;
pub mod list;
pub mod update;
