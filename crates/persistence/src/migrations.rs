//! Schema migrations, embedded from the top-level `migrations/` folder, and the first-start
//! seed. Both run under a PostgreSQL advisory lock so that replicas starting together do not
//! race each other.

use crate::connection::{write_transaction, AnyConnection, Database};
use crate::error::DieselResultExt;
use crate::store::workspaces;
use diesel::sql_types::BigInt;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use ferry_domain::{Error, Result};

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// An arbitrary, fixed key: every Ferry process agrees on it.
const MIGRATION_LOCK_KEY: i64 = 0x4645_5252_594d_4947; // "FERRYMIG"

/// Brings the schema up to date and seeds what must exist from the first start.
/// Idempotent: safe on every start of every replica.
pub fn bootstrap(db: &Database) -> Result<Vec<String>> {
    let mut conn = db.connection()?;
    let conn: &mut AnyConnection = &mut conn;
    if let AnyConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_lock($1)")
            .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
            .execute(pg)
            .db()?;
    }
    let outcome = migrate(conn).and_then(|applied| {
        write_transaction(conn, workspaces::ensure_default)?;
        write_transaction(conn, crate::store::actor_definitions::ensure_builtin)?;
        Ok(applied)
    });
    if let AnyConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
            .execute(pg)
            .db()?;
    }
    outcome
}

/// Applies pending migrations; returns the versions applied.
fn migrate(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let applied = match conn {
        AnyConnection::Postgres(pg) => pg.run_pending_migrations(POSTGRES),
        AnyConnection::Sqlite(lite) => lite.run_pending_migrations(SQLITE),
    }
    .map_err(|e| Error::internal(format!("migration failed: {e}")))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}
