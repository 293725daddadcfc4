//! SQL types that differ between the backends, shared through one diesel query path.
//!
//! Each logical type is native on PostgreSQL (`uuid`, `timestamptz`, `jsonb`) and `TEXT` on
//! SQLite, in an encoding whose text order equals its value order (lowercase hyphenated
//! uuids; fixed-width RFC 3339 UTC timestamps with microseconds), so indexes and keyset
//! comparisons behave alike on both. Values are bound through local wrapper types
//! ([`DbUuid`], [`DbTime`], [`DbJson`]) because coherence forbids binding foreign types to
//! local SQL types.

use crate::connection::MultiBackend;
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, SqlType, Text};
use diesel::sqlite::Sqlite;

#[derive(SqlType, diesel::query_builder::QueryId, Default, Clone, Copy, Debug)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Text"))]
pub struct SqlUuid;

#[derive(SqlType, diesel::query_builder::QueryId, Default, Clone, Copy, Debug)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct SqlTimestamp;

/// Timestamps order as times on both backends (SQLite's text form is fixed-width), so
/// `max()` and comparisons over them mean the same everywhere.
impl diesel::sql_types::SqlOrd for SqlTimestamp {}

#[derive(SqlType, diesel::query_builder::QueryId, Default, Clone, Copy, Debug)]
#[diesel(postgres_type(oid = 3802, array_oid = 3807))]
#[diesel(sqlite_type(name = "Text"))]
pub struct SqlJson;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = SqlUuid)]
pub struct DbUuid(pub uuid::Uuid);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = SqlTimestamp)]
pub struct DbTime(pub DateTime<Utc>);

#[derive(Clone, Debug, PartialEq, AsExpression, FromSqlRow)]
#[diesel(sql_type = SqlJson)]
pub struct DbJson(pub serde_json::Value);

/// The current time at the precision both backends keep (microseconds).
pub fn now() -> DateTime<Utc> {
    truncate_to_micros(Utc::now())
}

pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// The SQLite text form of a timestamp; fixed width so that text order is time order.
pub fn sqlite_time_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn sqlite_text(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<String> {
    <String as FromSql<Text, Sqlite>>::from_sql(bytes)
}

// --- uuid ---
impl ToSql<SqlUuid, Pg> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <uuid::Uuid as ToSql<diesel::sql_types::Uuid, Pg>>::to_sql(&self.0, out)
    }
}
impl FromSql<SqlUuid, Pg> for DbUuid {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <uuid::Uuid as FromSql<diesel::sql_types::Uuid, Pg>>::from_sql(bytes).map(DbUuid)
    }
}
impl ToSql<SqlUuid, Sqlite> for DbUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}
impl FromSql<SqlUuid, Sqlite> for DbUuid {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(DbUuid(uuid::Uuid::parse_str(&sqlite_text(bytes)?)?))
    }
}

// --- timestamps ---
impl ToSql<SqlTimestamp, Pg> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<diesel::sql_types::Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}
impl FromSql<SqlTimestamp, Pg> for DbTime {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<diesel::sql_types::Timestamptz, Pg>>::from_sql(bytes).map(DbTime)
    }
}
impl ToSql<SqlTimestamp, Sqlite> for DbTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(sqlite_time_text(&self.0));
        Ok(IsNull::No)
    }
}
impl FromSql<SqlTimestamp, Sqlite> for DbTime {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = sqlite_text(bytes)?;
        Ok(DbTime(
            DateTime::parse_from_rfc3339(&text)?.with_timezone(&Utc),
        ))
    }
}

// --- json ---
impl ToSql<SqlJson, Pg> for DbJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <serde_json::Value as ToSql<diesel::sql_types::Jsonb, Pg>>::to_sql(&self.0, out)
    }
}
impl FromSql<SqlJson, Pg> for DbJson {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <serde_json::Value as FromSql<diesel::sql_types::Jsonb, Pg>>::from_sql(bytes).map(DbJson)
    }
}
impl ToSql<SqlJson, Sqlite> for DbJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(serde_json::to_string(&self.0)?);
        Ok(IsNull::No)
    }
}
impl FromSql<SqlJson, Sqlite> for DbJson {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(DbJson(serde_json::from_str(&sqlite_text(bytes)?)?))
    }
}

/// A stored JSON document as its text, for columns read straight into a typed value
/// (`serde_json::from_str::<T>`) or written from one: the `serde_json::Value` tree that
/// [`DbJson`] builds in between cost most of a large list's time.
#[derive(Clone, Debug, PartialEq, AsExpression, FromSqlRow)]
#[diesel(sql_type = SqlJson)]
pub struct DbJsonText(pub String);

/// The version byte of PostgreSQL's binary `jsonb`, which precedes the text.
const JSONB_VERSION: u8 = 1;

impl ToSql<SqlJson, Pg> for DbJsonText {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(&[JSONB_VERSION])?;
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}
impl FromSql<SqlJson, Pg> for DbJsonText {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        match bytes.as_bytes().split_first() {
            Some((&JSONB_VERSION, text)) => Ok(DbJsonText(String::from_utf8(text.to_vec())?)),
            _ => Err("unsupported jsonb encoding version".into()),
        }
    }
}
impl ToSql<SqlJson, Sqlite> for DbJsonText {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.as_str());
        Ok(IsNull::No)
    }
}
impl FromSql<SqlJson, Sqlite> for DbJsonText {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(DbJsonText(sqlite_text(bytes)?))
    }
}

/// The three impls that let a custom SQL type travel through the generated `MultiBackend`.
macro_rules! multi_backend_type {
    ($sql:ident, $rust:ty) => {
        impl HasSqlType<$sql> for MultiBackend {
            fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                MultiBackend::lookup_sql_type::<$sql>(lookup)
            }
        }
        multi_backend_type!(another $sql, $rust);
    };
    // A second Rust type for an SQL type that already has one.
    (another $sql:ident, $rust:ty) => {
        impl FromSql<$sql, MultiBackend> for $rust {
            fn from_sql(
                bytes: <MultiBackend as Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, $sql>()
            }
        }
        impl ToSql<$sql, MultiBackend> for $rust {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value(($sql, self));
                Ok(IsNull::No)
            }
        }
    };
}

multi_backend_type!(SqlUuid, DbUuid);
multi_backend_type!(SqlTimestamp, DbTime);
multi_backend_type!(SqlJson, DbJson);
multi_backend_type!(another SqlJson, DbJsonText);

impl From<uuid::Uuid> for DbUuid {
    fn from(u: uuid::Uuid) -> Self {
        DbUuid(u)
    }
}
impl From<DateTime<Utc>> for DbTime {
    fn from(t: DateTime<Utc>) -> Self {
        DbTime(truncate_to_micros(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_time_text_sorts_like_time() {
        let a = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        let b = a + chrono::Duration::microseconds(1);
        let c = a + chrono::Duration::seconds(10);
        let (ta, tb, tc) = (
            sqlite_time_text(&a),
            sqlite_time_text(&b),
            sqlite_time_text(&c),
        );
        assert_eq!(ta, "2026-01-02T03:04:05.000000Z");
        assert!(ta < tb && tb < tc);
        assert_eq!(ta.len(), tc.len());
    }

    #[test]
    fn now_keeps_microseconds_only() {
        assert_eq!(now().timestamp_subsec_nanos() % 1000, 0);
    }
}
