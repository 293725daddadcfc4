//! `destinations/*`: one file per endpoint. Sources share their rules (`app::actors`).

pub mod check_connection;
pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
