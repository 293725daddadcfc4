//! `organizations/*`: one file per endpoint. Every workspace belongs to exactly one
//! organization; the default one exists from the first start.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
