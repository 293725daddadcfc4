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

/// Reverts every migration (newest first), then applies them all again: each `down.sql`
/// must undo its `up.sql` on both backends. For the schema tests; never at run time.
#[cfg(test)]
fn revert_and_reapply(conn: &mut AnyConnection) -> Result<usize> {
    let reverted = match conn {
        AnyConnection::Postgres(pg) => pg.revert_all_migrations(POSTGRES).map(|v| v.len()),
        AnyConnection::Sqlite(lite) => lite.revert_all_migrations(SQLITE).map(|v| v.len()),
    }
    .map_err(|e| Error::internal(format!("migration round trip failed: {e}")))?;
    migrate(conn)?;
    Ok(reverted)
}

#[cfg(test)]
mod tests {
    //! The real schema of a freshly migrated database, on each backend, against the
    //! hand-written `schema.rs`: every table and column, its type and its nullability. A
    //! column added to a migration but not to `schema.rs` (or the other way round, or on one
    //! backend only) fails here, naming it.

    use super::*;
    use crate::testing::{TestBackend, TestDatabase};
    use diesel::sql_types::{Integer, Text};
    use std::collections::BTreeMap;

    /// (table, column) -> (logical type, nullable).
    type Columns = BTreeMap<(String, String), (String, bool)>;

    /// What `schema.rs` declares, read from its `table!` blocks.
    fn declared() -> Columns {
        let source = include_str!("schema.rs");
        let mut columns = Columns::new();
        let mut table: Option<String> = None;
        for line in source.lines().map(str::trim) {
            if let Some((name, _)) = line.split_once(" (").filter(|_| line.ends_with('{')) {
                table = Some(name.trim().to_string());
                continue;
            }
            if line == "}" {
                table = None;
                continue;
            }
            let (Some(table), Some((column, kind))) = (&table, line.split_once(" -> ")) else {
                continue;
            };
            let kind = kind.trim_end_matches(',');
            let (kind, nullable) = match kind.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>'), true),
                None => (kind, false),
            };
            columns.insert(
                (table.clone(), column.to_string()),
                (logical(kind), nullable),
            );
        }
        columns
    }

    /// One name per logical type, whatever spelling a backend or diesel uses.
    fn logical(kind: &str) -> String {
        let kind = kind.to_ascii_lowercase();
        let name = match kind.as_str() {
            "sqluuid" | "uuid" => "uuid",
            "sqltimestamp" | "timestamp with time zone" => "timestamp",
            "sqljson" | "jsonb" | "json" => "json",
            "text" | "character varying" => "text",
            "bool" | "boolean" => "bool",
            "bigint" | "int8" => "bigint",
            "integer" | "int4" | "int" => "integer",
            other => other,
        };
        name.to_string()
    }

    #[derive(diesel::QueryableByName)]
    struct PgColumn {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        data_type: String,
        #[diesel(sql_type = Text)]
        is_nullable: String,
    }

    #[derive(diesel::QueryableByName)]
    struct SqliteColumn {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        kind: String,
        #[diesel(sql_type = Integer)]
        notnull: i32,
        #[diesel(sql_type = Integer)]
        pk: i32,
    }

    /// What the database really has (Ferry's tables: not diesel's bookkeeping).
    fn actual(conn: &mut AnyConnection) -> Columns {
        let mut columns = Columns::new();
        match conn {
            AnyConnection::Postgres(pg) => {
                let rows: Vec<PgColumn> = diesel::sql_query(
                    "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                     data_type::text AS data_type, is_nullable::text AS is_nullable \
                     FROM information_schema.columns WHERE table_schema = 'public' \
                     AND table_name <> '__diesel_schema_migrations'",
                )
                .load(pg)
                .expect("columns");
                for row in rows {
                    let nullable = row.is_nullable == "YES";
                    columns.insert(
                        (row.table_name, row.column_name),
                        (logical(&row.data_type), nullable),
                    );
                }
            }
            AnyConnection::Sqlite(lite) => {
                let rows: Vec<SqliteColumn> = diesel::sql_query(
                    "SELECT m.name AS table_name, p.name AS name, p.type AS kind, \
                     p.\"notnull\" AS \"notnull\", p.pk AS pk \
                     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                     AND m.name <> '__diesel_schema_migrations'",
                )
                .load(lite)
                .expect("columns");
                for row in rows {
                    // A primary key column is never null, declared so or not.
                    let nullable = row.notnull == 0 && row.pk == 0;
                    columns.insert((row.table_name, row.name), (logical(&row.kind), nullable));
                }
            }
        }
        columns
    }

    /// SQLite stores uuids, times and JSON as TEXT (see sql_types.rs), so there a declared
    /// uuid, timestamp or json column must be text; elsewhere the types must be equal.
    fn same_type(backend: TestBackend, declared: &str, actual: &str) -> bool {
        match backend {
            TestBackend::Sqlite if ["uuid", "timestamp", "json"].contains(&declared) => {
                actual == "text"
            }
            TestBackend::Sqlite if declared == "bigint" => {
                actual == "integer" || actual == "bigint"
            }
            _ => declared == actual,
        }
    }

    fn drift(backend: TestBackend, conn: &mut AnyConnection) -> Vec<String> {
        let (declared, actual) = (declared(), actual(conn));
        let mut found = Vec::new();
        for (key, (kind, nullable)) in &declared {
            match actual.get(key) {
                None => found.push(format!(
                    "{}.{} is in schema.rs but not in the database",
                    key.0, key.1
                )),
                Some((real, real_nullable)) => {
                    if !same_type(backend, kind, real) {
                        found.push(format!(
                            "{}.{}: schema.rs says {kind}, the database {real}",
                            key.0, key.1
                        ));
                    }
                    if nullable != real_nullable {
                        found.push(format!(
                            "{}.{}: schema.rs says nullable={nullable}, the database nullable={real_nullable}",
                            key.0, key.1
                        ));
                    }
                }
            }
        }
        for key in actual.keys().filter(|key| !declared.contains_key(*key)) {
            found.push(format!(
                "{}.{} is in the database but not in schema.rs",
                key.0, key.1
            ));
        }
        found
    }

    fn schema_matches(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().expect("connection");
        let conn: &mut AnyConnection = &mut pooled;
        assert!(
            declared().len() > 100,
            "schema.rs was read: {}",
            declared().len()
        );
        let found = drift(backend, conn);
        assert!(
            found.is_empty(),
            "{backend:?} drifts from schema.rs:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn the_sqlite_schema_is_schema_rs() {
        schema_matches(TestBackend::Sqlite);
    }

    #[test]
    fn the_postgres_schema_is_schema_rs() {
        schema_matches(TestBackend::Postgres);
    }

    /// The check itself: a column that only a migration adds is reported.
    #[test]
    fn a_column_missing_from_schema_rs_is_reported() {
        let test_db = TestDatabase::new(TestBackend::Sqlite);
        let mut pooled = test_db.db.connection().expect("connection");
        let conn: &mut AnyConnection = &mut pooled;
        diesel::sql_query("ALTER TABLE workspaces ADD COLUMN colour TEXT")
            .execute(conn)
            .expect("alter");
        let found = drift(TestBackend::Sqlite, conn);
        assert_eq!(
            found,
            ["workspaces.colour is in the database but not in schema.rs"]
        );
    }

    fn migrations_round_trip(backend: TestBackend) {
        let test_db = TestDatabase::empty(backend);
        let mut pooled = test_db.db.connection().expect("connection");
        let conn: &mut AnyConnection = &mut pooled;
        migrate(conn).expect("up");
        let before = actual(conn);
        let reverted = revert_and_reapply(conn).expect("down, then up again");
        assert!(reverted >= 6, "reverted {reverted}");
        assert_eq!(actual(conn), before, "down then up gives the same schema");
    }

    #[test]
    fn migrations_go_down_and_up_again_on_sqlite() {
        migrations_round_trip(TestBackend::Sqlite);
    }

    #[test]
    fn migrations_go_down_and_up_again_on_postgres() {
        migrations_round_trip(TestBackend::Postgres);
    }
}
