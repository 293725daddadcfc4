//! Ferry's persistence: one diesel query path over SQLite (the embedded default) and
//! PostgreSQL (production), the pool, embedded migrations, and a store module per resource.
//!
//! Store functions take `&mut AnyConnection` and return domain types and errors, so they
//! compose inside one transaction and never leak diesel to the layers above.

pub mod connection;
pub mod error;
pub mod migrations;
pub mod schema;
pub mod secrets;
pub mod sql_types;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use connection::{write_transaction, AnyConnection, Backend, Database, PoolOptions, PoolStats};
pub use migrations::bootstrap;
