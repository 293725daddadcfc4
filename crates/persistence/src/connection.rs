//! One connection type over both backends, the pool, and the way async code reaches them.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};
use ferry_domain::{Error, Result};
use std::path::PathBuf;
use std::time::Duration;

/// A connection to whichever backend the URL named. Every query function takes
/// `&mut AnyConnection`, so the same function works on a pooled connection and inside a
/// transaction, on SQLite and on PostgreSQL.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres { url: String },
    Sqlite { path: PathBuf },
}

impl Backend {
    /// `postgres://` or `postgresql://` selects PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or
    /// a bare path selects an SQLite file.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres {
                url: url.to_string(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path == ":memory:" {
            return Err(Error::internal(format!(
                "database.url {url:?} names no file; Ferry needs a file so that pooled \
                 connections share one database"
            )));
        }
        Ok(Backend::Sqlite {
            path: PathBuf::from(path),
        })
    }

    /// `postgres` or `sqlite`, as `debug` reports it.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres { .. } => "postgres",
            Backend::Sqlite { .. } => "sqlite",
        }
    }
}

/// Opens connections for r2d2, picking the backend by URL so that the real connection error
/// survives (diesel's derived `establish` tries each backend and keeps only the last error),
/// and setting SQLite's per-connection pragmas.
#[derive(Clone, Debug)]
pub struct ConnectionManager {
    backend: Backend,
}

/// SQLite settings every connection needs: WAL so readers never block the writer, foreign
/// keys enforced, and a wait rather than an immediate "database is locked".
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;";

impl ConnectionManager {
    pub fn new(backend: Backend) -> Self {
        Self { backend }
    }

    pub fn establish(&self) -> std::result::Result<AnyConnection, ConnectionError> {
        match &self.backend {
            Backend::Postgres { url } => PgConnection::establish(url).map(AnyConnection::Postgres),
            Backend::Sqlite { path } => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = ConnectionError;

    fn connect(&self) -> std::result::Result<AnyConnection, ConnectionError> {
        self.establish()
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> std::result::Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

/// Runs `work` in a transaction that holds the write lock from its first statement.
///
/// PostgreSQL takes row locks as it goes. SQLite has no row locks, and a deferred
/// transaction that reads and then writes fails with "database is locked" when another
/// writer got there first; `BEGIN IMMEDIATE` takes the write lock up front (waiting for
/// `busy_timeout`), so read-then-write logic is serialised instead of failing.
pub fn write_transaction<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> Result<T>,
) -> Result<T> {
    type Manager = <AnyConnection as Connection>::TransactionManager;
    match conn {
        AnyConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
                .map_err(crate::error::from_diesel)?
        }
        AnyConnection::Postgres(_) => {
            Manager::begin_transaction(conn).map_err(crate::error::from_diesel)?
        }
    }
    match work(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(commit_error) => {
                // A failed commit leaves the transaction open on some backends.
                let _ = Manager::rollback_transaction(conn);
                Err(crate::error::from_diesel(commit_error))
            }
        },
        Err(error) => {
            if let Err(rollback_error) = Manager::rollback_transaction(conn) {
                tracing::error!(%rollback_error, "rollback failed after {error}");
            }
            Err(error)
        }
    }
}

/// Pool settings from configuration.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// The database handle the rest of Ferry holds: a pool, and the async doors into it that
/// keep diesel's blocking calls off the async executor.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<ConnectionManager>,
    backend: Backend,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: name the backend only.
        f.debug_struct("Database")
            .field("backend", &self.backend.name())
            .finish()
    }
}

impl Database {
    /// Builds the pool without connecting: start-up must not fail just because the
    /// database is briefly away (health then answers `db: false`).
    pub fn open(url: &str, options: &PoolOptions) -> Result<Self> {
        let backend = Backend::from_url(url)?;
        if let Backend::Sqlite { path } = &backend {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::internal(format!(
                        "cannot create data directory {}: {e}",
                        dir.display()
                    ))
                })?;
            }
        }
        let pool = r2d2::Pool::builder()
            .max_size(options.max_connections)
            .min_idle(Some(0))
            .connection_timeout(options.connect_timeout)
            .test_on_check_out(false)
            .build_unchecked(ConnectionManager::new(backend.clone()));
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// A pooled connection, on the calling (blocking) thread.
    pub fn connection(&self) -> Result<r2d2::PooledConnection<ConnectionManager>> {
        self.pool.get().map_err(Error::unavailable)
    }

    /// Runs blocking database work on tokio's blocking pool.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.connection()?;
            work(&mut conn)
        })
        .await
        .map_err(Error::internal)?
    }

    /// Runs blocking work inside [`write_transaction`].
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, work)).await
    }

    /// Whether the database answers a trivial query within `timeout`.
    pub async fn is_healthy(&self, timeout: Duration) -> bool {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            pool.get_timeout(timeout)
                .map(|mut conn| conn.batch_execute("SELECT 1").is_ok())
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend() {
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap().name(),
            "postgres"
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap().name(),
            "postgres"
        );
        assert_eq!(
            Backend::from_url("sqlite://data/ferry.sqlite3").unwrap(),
            Backend::Sqlite {
                path: "data/ferry.sqlite3".into()
            }
        );
        assert_eq!(
            Backend::from_url("/tmp/x.db").unwrap(),
            Backend::Sqlite {
                path: "/tmp/x.db".into()
            }
        );
        assert!(Backend::from_url("sqlite://:memory:").is_err());
        assert!(Backend::from_url("").is_err());
    }
}
