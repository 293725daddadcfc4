//! Ferry's connector runtime: the Airbyte protocol's messages, launchers that run connector
//! processes (a local command, or `docker run`), the connector operations built on them, and
//! Ferry's own connectors (`local_json`, `sample_source`).
//!
//! Connectors speak JSON messages, one per line, on stdout. Everything a connector writes to
//! stderr, and its LOG messages, becomes log lines; a crash or a non-zero exit becomes an
//! error carrying the reason and the last log lines.

pub mod attempt;
pub mod catalog;
pub mod config_files;
pub mod container;
pub mod launcher;
pub mod local_json;
pub mod metrics;
pub mod notify;
pub mod operations;
pub mod outbound;
pub mod protocol;
pub mod remote;
pub mod runner;
pub mod sample_source;
pub mod sync;
pub mod tasks;

pub use container::ContainerSettings;
pub use launcher::{Image, Launcher, LauncherSettings, Process, RuntimeError};
pub use operations::{CheckOutcome, Connectors};
