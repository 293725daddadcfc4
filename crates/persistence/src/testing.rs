//! Test databases: a fresh SQLite file or a fresh PostgreSQL database per test, removed when
//! the test ends, so tests run in parallel without seeing each other's rows.
//!
//! PostgreSQL is reached through `FERRY_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test creates its own database there.

use crate::connection::{Database, PoolOptions};
use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};
use std::time::Duration;

/// The backends the suite runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

pub const DEFAULT_TEST_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for one test. Dropping it removes it.
pub struct TestDatabase {
    pub db: Database,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A fresh, migrated and seeded database on `backend`.
    pub fn new(backend: TestBackend) -> Self {
        let test_db = Self::empty(backend);
        if let Err(e) = crate::bootstrap(&test_db.db) {
            panic!("bootstrap of the test database failed: {e}");
        }
        test_db
    }

    /// A fresh database with no schema.
    pub fn empty(backend: TestBackend) -> Self {
        let (url, cleanup) = match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
                let url = format!("sqlite://{}", dir.path().join("ferry.sqlite3").display());
                (url, Cleanup::Sqlite(dir))
            }
            TestBackend::Postgres => {
                let admin_url = std::env::var("FERRY_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| DEFAULT_TEST_POSTGRES_URL.to_string());
                let name = format!("ferry_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL tests need a server at {admin_url} (set \
                         FERRY_TEST_POSTGRES_URL): {e}"
                    )
                });
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
                let url = database_url(&admin_url, &name);
                (url, Cleanup::Postgres { admin_url, name })
            }
        };
        let options = PoolOptions {
            max_connections: 8,
            connect_timeout: Duration::from_secs(10),
        };
        let db = Database::open(&url, &options).unwrap_or_else(|e| panic!("open {url}: {e}"));
        TestDatabase { db, url, cleanup }
    }
}

/// The admin URL with its database name replaced.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            database_url("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
        assert_eq!(database_url("postgres://u@h", "t1"), "postgres://u@h/t1");
    }
}
