//! Database errors become domain errors here, and only here.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use ferry_domain::Error;

/// Maps a diesel error to the domain error. Unique violations are conflicts; a lost
/// connection or a busy database is "unavailable"; a deadlock or serialisation failure is
/// "contended" (the transaction may be run again); anything else is internal (its text is
/// logged, not sent).
pub fn from_diesel(error: DieselError) -> Error {
    match &error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            // The constraint's name is an internal: it goes to the log, not the client.
            tracing::debug!(
                constraint = info.constraint_name().unwrap_or("unknown"),
                "unique violation"
            );
            Error::conflict("an object with the same unique value already exists")
        }
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
            Error::Contended {
                internal: error.to_string(),
            }
        }
        DieselError::DatabaseError(_, info) if is_deadlock(info.message()) => Error::Contended {
            internal: error.to_string(),
        },
        _ if is_lost(&error) => Error::unavailable(error),
        DieselError::DatabaseError(_, info) if is_storage_full(info.message()) => {
            Error::StorageFull {
                internal: error.to_string(),
            }
        }
        DieselError::DatabaseError(_, info) if is_sqlite_busy(info.message()) => {
            Error::unavailable(error)
        }
        _ => Error::internal(error),
    }
}

/// Whether the error says the session is gone: directly, or as the failure of a commit
/// or rollback that met a dead connection.
fn is_lost(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
        | DieselError::BrokenTransactionManager => true,
        DieselError::DatabaseError(_, info) => is_connection_lost(info.message()),
        DieselError::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => is_lost(rollback_error) || is_lost(commit_error),
        _ => false,
    }
}

/// SQLite's SQLITE_FULL, and PostgreSQL's disk_full (53100) and out-of-space file errors.
fn is_storage_full(message: &str) -> bool {
    message.contains("database or disk is full")
        || message.contains("No space left on device")
        || message.contains("could not extend file")
}

fn is_sqlite_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

/// PostgreSQL's deadlock (40P01), which diesel reports without a kind of its own.
fn is_deadlock(message: &str) -> bool {
    message.starts_with("deadlock detected")
}

/// The words libpq and PostgreSQL use when the server ends a session (a restart,
/// `pg_terminate_backend`, a crash) before diesel has noticed the socket is gone.
fn is_connection_lost(message: &str) -> bool {
    const LOST: [&str; 6] = [
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "could not receive data from server",
        "could not send data to server",
        "connection to server",
    ];
    LOST.iter().any(|words| message.contains(words))
}

/// Whether a diesel error is a unique violation (used where a retry picks another value).
pub fn is_unique_violation(error: &DieselError) -> bool {
    matches!(
        error,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// `?` on a diesel result inside a store function.
pub trait DieselResultExt<T> {
    fn db(self) -> ferry_domain::Result<T>;
}

impl<T> DieselResultExt<T> for Result<T, DieselError> {
    fn db(self) -> ferry_domain::Result<T> {
        self.map_err(from_diesel)
    }
}
