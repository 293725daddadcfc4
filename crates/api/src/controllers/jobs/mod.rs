//! `jobs/*`: one file per endpoint. Syncs and resets are queued by `connections/sync` and
//! `connections/reset`.

pub mod cancel;
pub mod get;
pub mod list;
