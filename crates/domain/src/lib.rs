//! Ferry's domain: the API models exactly as the Airbyte Configuration API names them
//! (camelCase on the wire), typed identifiers, value types that validate when they are
//! deserialised, and the transport-neutral [`Error`].
//!
//! This crate does no IO and knows nothing of diesel or actix: the persistence and API
//! crates depend on it, never the other way round.

pub mod access;
pub mod actor;
pub mod actor_definition;
pub mod application;
pub mod connection;
pub mod error;
pub mod export;
pub mod ids;
pub mod job;
pub mod list;
pub mod notification;
pub mod organization;
pub mod permission;
pub mod schedule;
pub mod secrets;
pub mod setup;
pub mod slug;
pub mod system;
pub mod user;
pub mod values;
pub mod version;
pub mod wire_enum;
pub mod workspace;

pub use error::{Error, Resource, Violation};

/// The result of every fallible domain, persistence and API operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
