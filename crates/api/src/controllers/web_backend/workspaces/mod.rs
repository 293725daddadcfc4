//! `web_backend/workspaces/*`.

pub mod create;
