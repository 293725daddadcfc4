//! `source_definitions/*`: one file per endpoint. Destination definitions share
//! their rules (`app::definitions`).

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
