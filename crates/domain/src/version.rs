//! Optimistic concurrency, the one rule for every mutable object.
//!
//! Each organization, workspace, definition, source, destination, connection, user,
//! permission and application carries a `version`: 1 when created, one more at every change
//! (a cascade too: a workspace going inactive bumps each connection it deactivates). An
//! `update` or `delete` may name the version it was computed from (`expectedVersion` in the
//! body, or `If-Match: "<version>"`); when the object has moved on, nothing changes and the
//! caller gets a 409 with the current version, so a read-modify-write never loses another
//! caller's change. Without one, a change applies as the 2020 contract's clients expect.

use crate::{Error, Resource, Violation};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr, Schema};

/// The version every object starts at.
pub const FIRST_VERSION: i64 = 1;

/// `expectedVersion`: the version a change was computed from (at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct ExpectedVersion(pub i64);

impl TryFrom<i64> for ExpectedVersion {
    type Error = String;

    fn try_from(value: i64) -> Result<Self, String> {
        if value >= FIRST_VERSION {
            Ok(ExpectedVersion(value))
        } else {
            Err("must be a version this service sent (1 or more)".into())
        }
    }
}

impl From<ExpectedVersion> for i64 {
    fn from(version: ExpectedVersion) -> i64 {
        version.0
    }
}

impl utoipa::PartialSchema for ExpectedVersion {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(FIRST_VERSION))
            .description(Some(
                "The object's `version` this change was computed from. When the object has \
                 changed since, nothing happens and the answer is a 409 with the current \
                 version in `details.currentVersion`. The `If-Match` header may say the same.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ExpectedVersion {}

/// A read of a versioned object; its version is the answer's `ETag`.
pub trait Versioned {
    fn version(&self) -> i64;
}

/// Implements [`Versioned`] for reads with a `version` field.
#[macro_export]
macro_rules! versioned {
    ($($read:ty),* $(,)?) => {$(
        impl $crate::version::Versioned for $read {
            fn version(&self) -> i64 {
                self.version
            }
        }
    )*};
}

/// Reads `expectedVersion` as the stores take it.
pub fn number(version: Option<ExpectedVersion>) -> Option<i64> {
    version.map(|v| v.0)
}

/// Refuses a change computed from another version than the stored one.
pub fn check(
    resource: Resource,
    id: impl ToString,
    current: i64,
    expected: Option<i64>,
) -> Result<(), Error> {
    match expected {
        Some(expected) if expected != current => Err(Error::VersionMismatch {
            resource,
            id: id.to_string(),
            current,
            expected,
        }),
        _ => Ok(()),
    }
}

/// The version a request expects: `expectedVersion` from its body and the `If-Match`
/// header's, which must agree when both are given.
pub fn expected(body: Option<i64>, if_match: Option<i64>) -> Result<Option<i64>, Error> {
    match (body, if_match) {
        (Some(body), Some(header)) if body != header => Err(Error::invalid(
            Violation::new(
                "expectedVersion",
                format!("disagrees with the If-Match header, which expects version {header}"),
            )
            .with_value(body.to_string()),
        )),
        (body, header) => Ok(body.or(header)),
    }
}

/// Reads an `If-Match` value: `"<version>"` (an ETag this service sent, weak or strong) or
/// `*` (any version, so no precondition).
pub fn parse_if_match(value: &str) -> Result<Option<i64>, Error> {
    let value = value.trim();
    if value == "*" {
        return Ok(None);
    }
    let tag = value.strip_prefix("W/").unwrap_or(value);
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse::<i64>().ok())
        .filter(|v| *v >= FIRST_VERSION)
        .map(Some)
        .ok_or_else(|| {
            Error::invalid(
                Violation::new(
                    "If-Match",
                    "must be an ETag this service sent (a quoted version, e.g. \"3\") or *",
                )
                .with_value(value.to_string()),
            )
        })
}

/// The ETag of an object at `version`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matching_or_absent_expectation_passes() {
        assert!(check(Resource::Connection, "c", 3, None).is_ok());
        assert!(check(Resource::Connection, "c", 3, Some(3)).is_ok());
    }

    #[test]
    fn a_stale_expectation_is_a_conflict_naming_the_current_version() {
        match check(Resource::Connection, "c", 4, Some(3)) {
            Err(Error::VersionMismatch {
                current, expected, ..
            }) => assert_eq!((current, expected), (4, 3)),
            other => panic!("expected a version mismatch, got {other:?}"),
        }
    }

    #[test]
    fn if_match_takes_etags_and_star() {
        assert_eq!(parse_if_match("\"7\"").unwrap(), Some(7));
        assert_eq!(parse_if_match("W/\"7\"").unwrap(), Some(7));
        assert_eq!(parse_if_match(" * ").unwrap(), None);
        for bad in [
            "7",
            "\"x\"",
            "\"0\"",
            "\"-1\"",
            "",
            "\"99999999999999999999\"",
        ] {
            assert!(parse_if_match(bad).is_err(), "{bad:?}");
        }
        assert_eq!(etag(7), "\"7\"");
    }

    #[test]
    fn body_and_header_must_agree() {
        assert_eq!(expected(Some(2), None).unwrap(), Some(2));
        assert_eq!(expected(None, Some(2)).unwrap(), Some(2));
        assert_eq!(expected(Some(2), Some(2)).unwrap(), Some(2));
        assert!(expected(Some(2), Some(3)).is_err());
    }
}
