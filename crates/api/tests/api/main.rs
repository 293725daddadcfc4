//! Integration tests: each starts the real HTTP application on a real port, over a fresh
//! SQLite file or a fresh PostgreSQL database, and talks to it as a client would. Every test
//! written with `on_both_backends!` runs once per backend.

// A test crate: a failed expectation should panic with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

mod access;
mod actors;
mod authentication;
mod conformance;
mod connections;
mod connectors;
mod console;
mod contract;
mod cron;
mod definitions;
mod deletes;
mod errors;
mod faults;
mod fixtures;
mod fuzz;
mod idempotency;
mod identity;
mod list_pages;
mod lists;
mod metrics;
mod notifications;
mod openapi;
mod organizations;
mod secrets;
mod setup;
mod system;
mod unpaged;
mod versions;
mod workspace_management;
mod workspace_owners;
mod workspace_transfer;
mod workspaces;
