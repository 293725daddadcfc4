//! The stored side of optimistic concurrency (`ferry_domain::version`): every update and
//! delete of a versioned object calls [`check`] before it writes, and every statement that
//! changes such a row sets `version = version + 1`.

use crate::connection::AnyConnection;
use crate::error::DieselResultExt;
use diesel::sql_types::{BigInt, Text};
use diesel::RunQueryDsl;
use ferry_domain::{Error, Resource, Result};
use uuid::Uuid;

#[derive(diesel::QueryableByName)]
struct Current {
    #[diesel(sql_type = BigInt)]
    version: i64,
}

/// The table that holds each versioned resource.
fn table(resource: Resource) -> Result<&'static str> {
    Ok(match resource {
        Resource::Organization => "organizations",
        Resource::Workspace => "workspaces",
        Resource::SourceDefinition | Resource::DestinationDefinition => "actor_definitions",
        Resource::Source | Resource::Destination => "actors",
        Resource::Connection => "connections",
        Resource::User => "users",
        Resource::Permission => "permissions",
        Resource::Application => "applications",
        Resource::NotificationWebhook => "notification_webhooks",
        Resource::Job => return Err(Error::internal("jobs carry no version")),
    })
}

/// Refuses the change when the caller expects another version than the stored one (409,
/// with the current version). With an expectation, the row is locked (`FOR UPDATE` on
/// PostgreSQL; SQLite's write transaction holds the database) until the transaction ends, so
/// no other change can slip in between this check and the caller's write. Call it inside
/// `write_transaction`, after the locks the caller takes on the objects that hold this one.
/// Deleted objects are checked too: a delete of a deleted object still answers its version.
pub fn check(
    conn: &mut AnyConnection,
    resource: Resource,
    id: Uuid,
    expected: Option<i64>,
) -> Result<()> {
    if expected.is_none() {
        return Ok(());
    }
    let table = table(resource)?;
    let rows: Vec<Current> = match conn {
        AnyConnection::Postgres(pg) => diesel::sql_query(format!(
            "SELECT version FROM {table} WHERE id = $1 FOR UPDATE"
        ))
        .bind::<diesel::sql_types::Uuid, _>(id)
        .load(pg),
        AnyConnection::Sqlite(lite) => {
            diesel::sql_query(format!("SELECT version FROM {table} WHERE id = ?"))
                .bind::<Text, _>(id.hyphenated().to_string())
                .load(lite)
        }
    }
    .db()?;
    let current = rows
        .first()
        .ok_or_else(|| Error::not_found(resource, id))?
        .version;
    ferry_domain::version::check(resource, id, current, expected)
}
