//! `web_backend/destinations/*`: creates kept only when the connector's check succeeds.

pub mod create;
pub mod recreate;
