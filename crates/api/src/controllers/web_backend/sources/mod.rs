//! `web_backend/sources/*`: creates kept only when the connector's check succeeds.

pub mod create;
pub mod recreate;
