//! Row locks for read-check-write logic that must not interleave with a concurrent write.
//!
//! On PostgreSQL a transaction locks the rows it checks (`FOR SHARE` to rely on a row,
//! `FOR UPDATE` to change it), so that, say, a source created against a definition and a
//! concurrent delete of that definition are serialised instead of leaving a live source on a
//! deleted definition. On SQLite, `write_transaction` already holds the database's write lock,
//! so a plain read is enough.

use crate::connection::AnyConnection;
use crate::error::DieselResultExt;
use diesel::sql_types::{Integer, Text};
use diesel::RunQueryDsl;
use ferry_domain::Result;
use uuid::Uuid;

/// The tables whose live rows can be locked; "live" means not soft-deleted.
#[derive(Clone, Copy, Debug)]
pub enum Locked {
    Organization,
    Workspace,
    ActorDefinition,
    Actor,
}

impl Locked {
    fn table(self) -> &'static str {
        match self {
            Locked::Organization => "organizations",
            Locked::Workspace => "workspaces",
            Locked::ActorDefinition => "actor_definitions",
            Locked::Actor => "actors",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Other transactions may rely on the row too, but none may change it.
    Share,
    /// This transaction is about to change the row.
    Update,
}

#[derive(diesel::QueryableByName)]
struct Found {
    #[diesel(sql_type = Integer)]
    #[allow(dead_code)]
    found: i32,
}

/// Locks the live row `id` of `table` until the transaction ends. Returns whether there is
/// such a row (false: missing or soft-deleted). Call it inside `write_transaction`.
pub fn lock_live(
    conn: &mut AnyConnection,
    table: Locked,
    id: Uuid,
    mode: LockMode,
) -> Result<bool> {
    let table = table.table();
    let rows: Vec<Found> = match conn {
        AnyConnection::Postgres(pg) => {
            let clause = match mode {
                LockMode::Share => "FOR SHARE",
                LockMode::Update => "FOR UPDATE",
            };
            diesel::sql_query(format!(
                "SELECT 1 AS found FROM {table} WHERE id = $1 AND deleted_at IS NULL {clause}"
            ))
            .bind::<diesel::sql_types::Uuid, _>(id)
            .load(pg)
        }
        AnyConnection::Sqlite(lite) => diesel::sql_query(format!(
            "SELECT 1 AS found FROM {table} WHERE id = ? AND deleted_at IS NULL"
        ))
        .bind::<Text, _>(id.hyphenated().to_string())
        .load(lite),
    }
    .db()?;
    Ok(!rows.is_empty())
}
