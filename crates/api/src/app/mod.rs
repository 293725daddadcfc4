//! The rules layer, between the handlers and the stores.
//!
//! - A handler (`controllers/<resource>/<verb>.rs`) translates HTTP: it extracts and checks
//!   the body and the caller, calls one rule, and shapes the answer for the wire.
//! - A rule (here) decides: what an operation may do given what is stored, which stores to
//!   ask and in which order, what a connector is asked. Rules take domain values, never an
//!   HTTP request, and answer domain values and [`ferry_domain::Error`]s; the handler's `?`
//!   turns those into HTTP answers.
//! - A store (`ferry_persistence::store::*`) runs queries.
//!
//! A handler whose operation is one store call with nothing to decide (`organizations/get`,
//! `users/delete`, ...) calls its store directly. As soon as there is a check, a second
//! store, a connector, or code that sources and destinations (or their definitions) share,
//! it lives here, one file per concept.

pub mod actors;
pub mod applications;
pub mod configuration;
pub mod connections;
pub mod connectors;
pub mod definitions;
pub mod jobs;
pub mod lists;
pub mod notifications;
pub mod organizations;
pub mod permissions;
pub mod setup;
pub mod transfer;
pub mod users;
pub mod workspaces;
