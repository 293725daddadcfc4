//! `web_backend/connections/*`: connections with their source and destination inlined.

pub mod get;
pub mod list;
