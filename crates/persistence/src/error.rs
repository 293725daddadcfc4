//! Database errors become domain errors here, and only here.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use ferry_domain::Error;

/// Maps a diesel error to the domain error. Unique violations are conflicts; a lost
/// connection is "unavailable"; anything else is internal (its text is logged, not sent).
pub fn from_diesel(error: DieselError) -> Error {
    match &error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            Error::conflict(format!(
                "an object with the same unique value already exists ({})",
                info.constraint_name().unwrap_or("unique constraint")
            ))
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
            Error::unavailable(error)
        }
        DieselError::DatabaseError(_, info) if is_sqlite_busy(info.message()) => {
            Error::unavailable(error)
        }
        _ => Error::internal(error),
    }
}

fn is_sqlite_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
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
