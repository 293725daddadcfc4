//! `web_backend/workspaces/*`.

pub mod create;
pub mod list;
