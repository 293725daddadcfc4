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
    /// `postgres://` or `postgresql://` selects PostgreSQL and `sqlite://PATH` an SQLite file;
    /// anything else is refused, so that a mistyped scheme (`postgress://`, `mysql://`) stops
    /// start-up instead of quietly becoming a file of that name.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres {
                url: url.to_string(),
            });
        }
        let Some(path) = url.strip_prefix("sqlite://") else {
            // Cut to its scheme: whatever follows may hold a password.
            let (shown, hint) = match url.split_once("://") {
                Some((scheme, _)) => (
                    format!("{scheme}://..."),
                    format!("the scheme {scheme:?} is not one Ferry speaks"),
                ),
                None => (url.to_string(), format!("for a file, write sqlite://{url}")),
            };
            return Err(Error::internal(format!(
                "database.url {shown:?} is neither sqlite://PATH nor postgres://USER@HOST:PORT/DB \
                 ({hint})"
            )));
        };
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

/// libpq's socket bounds, unless the URL sets them: a connect timeout, and TCP keepalives and
/// a user timeout, so that a database whose traffic is dropped (no reset, no answer) fails
/// the socket within seconds rather than at the kernel's default of hours.
fn with_socket_bounds(url: &str) -> String {
    const BOUNDS: [(&str, &str); 6] = [
        ("connect_timeout", "10"),
        ("keepalives", "1"),
        ("keepalives_idle", "5"),
        ("keepalives_interval", "2"),
        ("keepalives_count", "3"),
        ("tcp_user_timeout", "15000"),
    ];
    let query = url.split_once('?').map_or("", |(_, query)| query);
    let given: Vec<&str> = query
        .split('&')
        .filter_map(|pair| pair.split('=').next())
        .collect();
    let mut bounded = url.to_string();
    for (name, value) in BOUNDS {
        if !given.contains(&name) {
            bounded.push(if bounded.contains('?') { '&' } else { '?' });
            bounded.push_str(&format!("{name}={value}"));
        }
    }
    bounded
}

/// Opens connections for r2d2, picking the backend by URL so that the real connection error
/// survives (diesel's derived `establish` tries each backend and keeps only the last error),
/// and setting SQLite's per-connection pragmas.
#[derive(Clone, Debug)]
pub struct ConnectionManager {
    /// The backend to connect to; a PostgreSQL URL with its socket bounds
    /// ([`with_socket_bounds`]), added once here.
    backend: Backend,
    /// PostgreSQL's `statement_timeout` for every connection.
    statement_timeout: Duration,
    /// Bumped each time a connection is found lost: every connection made before then is
    /// suspect (the database may have dropped all its sessions) and is tested before use.
    losses: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// SQLite settings every connection needs: WAL so readers never block the writer, foreign
/// keys enforced, and a wait rather than an immediate "database is locked".
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;";

impl ConnectionManager {
    pub fn new(backend: Backend, statement_timeout: Duration) -> Self {
        let backend = match backend {
            Backend::Postgres { url } => Backend::Postgres {
                url: with_socket_bounds(&url),
            },
            sqlite => sqlite,
        };
        Self {
            backend,
            statement_timeout,
            losses: Default::default(),
        }
    }

    pub fn establish(&self) -> std::result::Result<AnyConnection, ConnectionError> {
        match &self.backend {
            Backend::Postgres { url } => {
                let mut conn = PgConnection::establish(url)?;
                let millis = self.statement_timeout.as_millis();
                conn.batch_execute(&format!("SET statement_timeout = {millis}"))
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Postgres(conn))
            }
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

/// A pooled connection, and whether it may go back to the pool. A connection whose socket
/// died (the database restarted, or an administrator terminated it) or whose transaction
/// manager is broken must be thrown away, or every later request that draws it fails too.
pub struct PooledConnection {
    conn: AnyConnection,
    lost: bool,
    /// The loss count when this connection was made or last tested.
    trusted_at: u64,
}

impl PooledConnection {
    /// Marks the connection as not to be reused: the pool drops it instead of handing it out.
    pub fn discard(&mut self) {
        self.lost = true;
    }
}

impl std::ops::Deref for PooledConnection {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = PooledConnection;
    type Error = ConnectionError;

    fn connect(&self) -> std::result::Result<PooledConnection, ConnectionError> {
        let trusted_at = self.losses.load(std::sync::atomic::Ordering::SeqCst);
        self.establish().map(|conn| PooledConnection {
            conn,
            lost: false,
            trusted_at,
        })
    }

    fn is_valid(&self, conn: &mut PooledConnection) -> std::result::Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    /// Checked each time a connection goes back: one that saw its socket fail, whose
    /// transaction manager broke or that is still inside a transaction (the work panicked
    /// between BEGIN and COMMIT) is closed, which also rolls that transaction back.
    fn has_broken(&self, conn: &mut PooledConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.lost || std::thread::panicking() || conn.conn.is_broken()
    }
}

/// How many times a transaction that lost a deadlock or a serialisation conflict runs again
/// before the caller sees the failure.
const CONTENDED_TRIES: u32 = 5;

/// Runs `work` in a transaction that holds the write lock from its first statement.
///
/// PostgreSQL takes row locks as it goes. SQLite has no row locks, and a deferred
/// transaction that reads and then writes fails with "database is locked" when another
/// writer got there first; `BEGIN IMMEDIATE` takes the write lock up front (waiting for
/// `busy_timeout`), so read-then-write logic is serialised instead of failing.
///
/// A transaction that PostgreSQL aborted to break a deadlock (or a serialisation failure)
/// is rolled back and run again, a few times with a short pause, so that a request never
/// sees a deadlock; `work` must therefore be safe to repeat (it only touches the database).
pub fn write_transaction<T>(
    conn: &mut AnyConnection,
    mut work: impl FnMut(&mut AnyConnection) -> Result<T>,
) -> Result<T> {
    let mut tries = 1;
    loop {
        match transaction_once(conn, &mut work) {
            Err(Error::Contended { internal }) if tries < CONTENDED_TRIES => {
                tracing::debug!(tries, "transaction contended, running it again: {internal}");
                std::thread::sleep(Duration::from_millis(5 * u64::from(tries)));
                tries += 1;
            }
            other => return other,
        }
    }
}

fn transaction_once<T>(
    conn: &mut AnyConnection,
    work: &mut impl FnMut(&mut AnyConnection) -> Result<T>,
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
    /// The longest one database call ([`Database::run`]) may take: PostgreSQL cancels a
    /// statement that runs longer (`statement_timeout`), and a call whose database does not
    /// answer at all (a network that drops its traffic) is unavailable after it.
    pub call_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            connect_timeout: Duration::from_secs(10),
            call_timeout: Duration::from_secs(30),
        }
    }
}

/// The database handle the rest of Ferry holds: a pool, and the async doors into it that
/// keep diesel's blocking calls off the async executor.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<ConnectionManager>,
    backend: Backend,
    waits: std::sync::Arc<PoolWaits>,
    /// Shared with the connection manager: see [`ConnectionManager`]'s `losses`.
    losses: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The keys connector secrets are stored under, in scope for all work this handle runs
    /// (see `crate::secrets`).
    secrets: Option<std::sync::Arc<crate::secrets::SecretBox>>,
    /// One permit per pooled connection: async callers wait here, on the executor, rather
    /// than on a thread parked in the pool.
    gate: std::sync::Arc<tokio::sync::Semaphore>,
    /// The threads that run async callers' work (see [`DbThreads`]).
    threads: DbThreads,
    /// See [`PoolOptions::call_timeout`].
    call_timeout: Duration,
    /// Set when a write met a full disk, cleared by the next write that succeeds: health
    /// reports it (see [`Database::storage_full`]).
    storage_full: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Blocking database work handed to [`DbThreads`].
type Job = Box<dyn FnOnce() + Send>;

/// As many threads as the pool has connections, running the work of async callers (`run`,
/// `write`, `is_healthy`). Tokio's blocking pool kept a thread per waiting request (each
/// runtime its own, dozens under load, each keeping its allocator cache resident) and woke
/// them in a herd whenever a connection came back; these are few, fixed, and reused. They
/// end when the last handle of the database is dropped.
#[derive(Clone)]
struct DbThreads {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl DbThreads {
    fn start(count: u32) -> Result<DbThreads> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for i in 0..count.max(1) {
            let queue = std::sync::Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("ferry-db-{i}"))
                .spawn(move || loop {
                    // One thread waits for the next job while the others wait for the lock.
                    let next = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match next {
                        Ok(job) => job(),
                        Err(_) => return, // every handle is gone
                    }
                })
                .map_err(|e| Error::internal(format!("cannot start a database thread: {e}")))?;
        }
        Ok(DbThreads { jobs })
    }

    /// Runs `work` on one of the threads and waits for its outcome without blocking.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = answer.send(work());
            }))
            .map_err(|_| Error::internal("the database threads have stopped"))?;
        answered
            .await
            .map_err(|_| Error::internal("database work ended without an outcome"))
    }
}

/// How long callers waited for a pooled connection, summed (for metrics).
#[derive(Debug, Default)]
struct PoolWaits {
    count: std::sync::atomic::AtomicU64,
    micros: std::sync::atomic::AtomicU64,
}

/// The pool as metrics show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
    /// Connections handed out since start, and the time callers waited for them.
    pub waits: u64,
    pub waited: Duration,
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
        let manager = ConnectionManager::new(backend.clone(), options.call_timeout);
        let losses = std::sync::Arc::clone(&manager.losses);
        let pool = r2d2::Pool::builder()
            .max_size(options.max_connections)
            .min_idle(Some(0))
            .connection_timeout(options.connect_timeout)
            .test_on_check_out(false)
            .build_unchecked(manager);
        Ok(Self {
            threads: DbThreads::start(options.max_connections)?,
            gate: std::sync::Arc::new(tokio::sync::Semaphore::new(
                usize::try_from(options.max_connections).unwrap_or(usize::MAX),
            )),
            pool,
            backend,
            losses,
            waits: Default::default(),
            secrets: None,
            call_timeout: options.call_timeout,
            storage_full: Default::default(),
        })
    }

    /// Whether the last write met a full disk (and none has succeeded since).
    pub fn storage_full(&self) -> bool {
        self.storage_full.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Connections in use and idle, and the waits for one so far.
    pub fn pool_stats(&self) -> PoolStats {
        use std::sync::atomic::Ordering;
        let state = self.pool.state();
        PoolStats {
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
            max: self.pool.max_size(),
            waits: self.waits.count.load(Ordering::Relaxed),
            waited: Duration::from_micros(self.waits.micros.load(Ordering::Relaxed)),
        }
    }

    /// This handle with the keys that connector secrets are encrypted under: the actors
    /// store uses them in all work run through `run`, `write` and `run_blocking`.
    pub fn with_secrets(mut self, secrets: crate::secrets::SecretBox) -> Self {
        self.secrets = Some(std::sync::Arc::new(secrets));
        self
    }

    /// The keys given by [`Database::with_secrets`], if any.
    pub fn secrets(&self) -> Option<std::sync::Arc<crate::secrets::SecretBox>> {
        self.secrets.clone()
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// A pooled connection, on the calling (blocking) thread.
    pub fn connection(&self) -> Result<r2d2::PooledConnection<ConnectionManager>> {
        use std::sync::atomic::Ordering;
        let asked = std::time::Instant::now();
        let pooled = self.trusted_connection(None);
        let waited = u64::try_from(asked.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.waits.count.fetch_add(1, Ordering::Relaxed);
        self.waits.micros.fetch_add(waited, Ordering::Relaxed);
        pooled
    }

    /// A pooled connection that can be trusted: once a lost connection was seen, every
    /// connection made before that is tested (`SELECT 1`) before it is handed out, and
    /// dropped when the test fails. So after a database restart each caller meets at most the
    /// one dead connection that revealed it, and the pool heals itself at once, instead of
    /// one failed request per stale connection.
    fn trusted_connection(
        &self,
        timeout: Option<Duration>,
    ) -> Result<r2d2::PooledConnection<ConnectionManager>> {
        use std::sync::atomic::Ordering;
        let losses = &self.losses;
        // Each stale connection is tested once; there are at most `max_size` of them.
        for _ in 0..=self.pool.max_size() {
            let mut pooled = match timeout {
                Some(timeout) => self.pool.get_timeout(timeout),
                None => self.pool.get(),
            }
            .map_err(Error::unavailable)?;
            let current = losses.load(Ordering::SeqCst);
            if pooled.trusted_at >= current {
                return Ok(pooled);
            }
            if pooled.batch_execute("SELECT 1").is_ok() {
                pooled.trusted_at = current;
                return Ok(pooled);
            }
            pooled.discard();
        }
        Err(Error::unavailable("no pooled connection passed its test"))
    }

    /// Marks `pooled` lost and every connection older than now suspect.
    fn lost(&self, pooled: &mut PooledConnection) {
        pooled.discard();
        self.losses
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Runs `work` on a pooled connection on the calling (blocking) thread. A connection
    /// whose work met a lost database is discarded rather than returned to the pool, and a
    /// panic in `work` becomes an internal error (the connection, maybe mid-transaction, is
    /// discarded too), so no failure of one caller can poison the next.
    pub fn run_blocking<T>(&self, work: impl FnOnce(&mut AnyConnection) -> Result<T>) -> Result<T> {
        let mut pooled = self.connection()?;
        let outcome = crate::secrets::in_scope(self.secrets.clone(), || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&mut pooled)))
        });
        match outcome {
            Ok(result) => {
                match &result {
                    Err(Error::Unavailable { .. }) => self.lost(&mut pooled),
                    Err(Error::StorageFull { .. })
                        if !self
                            .storage_full
                            .swap(true, std::sync::atomic::Ordering::Relaxed) =>
                    {
                        tracing::error!(
                            "the database's storage is full: writes fail until space is freed"
                        );
                    }
                    _ => {}
                }
                result
            }
            Err(panic) => {
                pooled.discard();
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_string());
                Err(Error::internal(format!("database work panicked: {what}")))
            }
        }
    }

    /// A permit to use a pooled connection from a blocking thread, waited for on the executor
    /// (as long as the pool's own wait: then the database is as unavailable as a pool that
    /// has no connection to give).
    async fn permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit> {
        let wait = self.pool.connection_timeout();
        match tokio::time::timeout(wait, std::sync::Arc::clone(&self.gate).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(Error::internal(closed)),
            Err(_) => Err(Error::unavailable(format!(
                "no database connection free within {} s",
                wait.as_secs()
            ))),
        }
    }

    /// Runs blocking database work on a database thread, once a connection is free.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        let permit = self.permit().await?;
        let db = self.clone();
        let call = self.threads.run(move || {
            let outcome = db.run_blocking(work);
            drop(permit);
            outcome
        });
        // A database that stopped answering (its traffic dropped) would hold the caller until
        // the socket gives up: the caller is answered now, the thread ends with the socket.
        match tokio::time::timeout(self.call_timeout, call).await {
            Ok(outcome) => outcome?,
            Err(_) => Err(Error::unavailable(format!(
                "the database did not answer within {} s",
                self.call_timeout.as_secs()
            ))),
        }
    }

    /// Runs blocking work inside [`write_transaction`] (which may run it again after a
    /// deadlock, hence `FnMut`).
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnMut(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        let written = self.run(move |conn| write_transaction(conn, work)).await;
        if written.is_ok()
            && self
                .storage_full
                .swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::info!("the database accepts writes again");
        }
        written
    }

    /// Whether the database answers a trivial query within `timeout`.
    pub async fn is_healthy(&self, timeout: Duration) -> bool {
        let permit =
            match tokio::time::timeout(timeout, std::sync::Arc::clone(&self.gate).acquire_owned())
                .await
            {
                Ok(Ok(permit)) => permit,
                _ => return false,
            };
        let db = self.clone();
        self.threads
            .run(move || {
                let _permit = permit;
                db.trusted_connection(Some(timeout))
                    .map(|mut conn| {
                        let alive = conn.batch_execute("SELECT 1").is_ok();
                        if !alive {
                            db.lost(&mut conn);
                        }
                        alive
                    })
                    .unwrap_or(false)
            })
            .await
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestBackend, TestDatabase};
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    /// A panic between BEGIN and COMMIT is an internal error for its caller alone: the
    /// transaction is rolled back and the next caller, on a pool of one, can write.
    fn panics_do_not_poison_the_pool(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let options = PoolOptions {
            max_connections: 1,
            connect_timeout: Duration::from_secs(5),
            ..PoolOptions::default()
        };
        let db = Database::open(&test_db.url, &options).unwrap();
        db.run_blocking(|conn| {
            diesel::sql_query("CREATE TABLE probe (x INTEGER)")
                .execute(conn)
                .map_err(Error::internal)
        })
        .unwrap();
        let outcome: Result<()> = db.run_blocking(|conn| {
            write_transaction(conn, |c| {
                diesel::sql_query("INSERT INTO probe VALUES (1)")
                    .execute(c)
                    .map_err(Error::internal)?;
                panic!("boom inside a transaction");
            })
        });
        match outcome {
            Err(Error::Internal { internal }) => assert!(internal.contains("boom"), "{internal}"),
            other => panic!("expected an internal error, got {other:?}"),
        }
        let count = db
            .run_blocking(|conn| {
                write_transaction(conn, |c| {
                    diesel::sql_query("INSERT INTO probe VALUES (2)")
                        .execute(c)
                        .map_err(Error::internal)?;
                    diesel::sql_query("SELECT count(*) AS n FROM probe")
                        .get_result::<Count>(c)
                        .map_err(Error::internal)
                })
            })
            .unwrap();
        assert_eq!(count.n, 1, "the panicking transaction was rolled back");
    }

    #[test]
    fn panics_do_not_poison_the_pool_on_sqlite() {
        panics_do_not_poison_the_pool(TestBackend::Sqlite);
    }

    #[test]
    fn panics_do_not_poison_the_pool_on_postgres() {
        panics_do_not_poison_the_pool(TestBackend::Postgres);
    }

    /// A TCP proxy to `upstream` that forwards until `silent` is set, then forwards nothing
    /// more in either direction while keeping the sockets open: a database whose traffic is
    /// dropped, as a firewall or a dead network does it (no reset, no answer).
    async fn silencing_proxy(
        upstream: std::net::SocketAddr,
        silent: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> std::net::SocketAddr {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    continue;
                };
                type Reader = Box<dyn tokio::io::AsyncRead + Unpin + Send>;
                type Writer = Box<dyn tokio::io::AsyncWrite + Unpin + Send>;
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let directions: [(Reader, Writer); 2] = [
                    (Box::new(client_read), Box::new(server_write)),
                    (Box::new(server_read), Box::new(client_write)),
                ];
                for (mut from, mut to) in directions {
                    let silent = std::sync::Arc::clone(&silent);
                    tokio::spawn(async move {
                        let mut buffer = [0u8; 8192];
                        loop {
                            let n = match from.read(&mut buffer).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            };
                            if silent.load(Ordering::SeqCst) {
                                // Swallow this and everything after; keep the sockets.
                                std::future::pending::<()>().await;
                            }
                            if to.write_all(&buffer[..n]).await.is_err() {
                                return;
                            }
                        }
                    });
                }
            }
        });
        address
    }

    /// With the database's traffic dropped mid-session, a call is answered as unavailable
    /// within its bound instead of hanging on the socket (issue 25, item 6).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_database_that_goes_silent_answers_unavailable_not_never() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let test_db = TestDatabase::new(TestBackend::Postgres);
        let url = url::Url::parse(&test_db.url).unwrap();
        let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
        let upstream = tokio::net::lookup_host(upstream)
            .await
            .unwrap()
            .next()
            .unwrap();
        let silent = std::sync::Arc::new(AtomicBool::new(false));
        let proxy = silencing_proxy(upstream, std::sync::Arc::clone(&silent)).await;
        let mut through = url.clone();
        through.set_host(Some("127.0.0.1")).unwrap();
        through.set_port(Some(proxy.port())).unwrap();
        let options = PoolOptions {
            max_connections: 2,
            connect_timeout: Duration::from_secs(2),
            call_timeout: Duration::from_secs(2),
        };
        let db = Database::open(through.as_str(), &options).unwrap();
        let one = |db: Database| async move {
            db.run(|conn| {
                diesel::sql_query("SELECT 1::bigint AS n")
                    .get_result::<Count>(conn)
                    .map_err(crate::error::from_diesel)
            })
            .await
        };
        assert_eq!(one(db.clone()).await.unwrap().n, 1);
        silent.store(true, Ordering::SeqCst);
        // Bounded by the test only so that a regression fails instead of hanging the suite.
        let answer = tokio::time::timeout(Duration::from_secs(300), one(db.clone()))
            .await
            .expect("the call never ended");
        match answer {
            Err(Error::Unavailable { internal }) => {
                assert!(internal.contains("did not answer"), "{internal}")
            }
            other => panic!("expected unavailable, got {:?}", other.map(|c| c.n)),
        }
    }

    /// A database that cannot grow (SQLite's max_page_count stands for a full disk) answers
    /// writes as storage full, which the handle reports until a write succeeds again
    /// (issue 25, item 1).
    #[tokio::test]
    async fn a_full_database_is_storage_full_until_space_returns() {
        let test_db = TestDatabase::new(TestBackend::Sqlite);
        let options = PoolOptions {
            max_connections: 1,
            ..PoolOptions::default()
        };
        let db = Database::open(&test_db.url, &options).unwrap();
        let fill = |db: Database| async move {
            db.write(|conn| {
                diesel::sql_query("INSERT INTO filler (x) VALUES (randomblob(200000))")
                    .execute(conn)
                    .map_err(crate::error::from_diesel)
            })
            .await
        };
        db.run(|conn| {
            diesel::sql_query("CREATE TABLE filler (x BLOB)")
                .execute(conn)
                .map_err(crate::error::from_diesel)?;
            // No room to grow: the one pooled connection now sees a full disk.
            diesel::sql_query("PRAGMA max_page_count = 1")
                .execute(conn)
                .map_err(crate::error::from_diesel)
        })
        .await
        .unwrap();
        match fill(db.clone()).await {
            Err(Error::StorageFull { internal }) => {
                assert!(internal.contains("full"), "{internal}")
            }
            other => panic!("expected storage full, got {other:?}"),
        }
        assert!(db.storage_full());
        db.run(|conn| {
            diesel::sql_query("PRAGMA max_page_count = 1000000")
                .execute(conn)
                .map_err(crate::error::from_diesel)
        })
        .await
        .unwrap();
        fill(db.clone()).await.unwrap();
        assert!(!db.storage_full(), "writing resumed by itself");
    }

    #[test]
    fn socket_bounds_are_added_unless_the_url_sets_them() {
        let bounded = with_socket_bounds("postgres://u@h/db");
        assert!(
            bounded.starts_with("postgres://u@h/db?connect_timeout=10&keepalives=1"),
            "{bounded}"
        );
        assert!(bounded.contains("tcp_user_timeout=15000"), "{bounded}");
        let given = with_socket_bounds("postgres://u@h/db?sslmode=disable&keepalives_idle=60");
        assert!(given.contains("keepalives_idle=60"), "{given}");
        assert!(!given.contains("keepalives_idle=5"), "{given}");
        assert!(
            given.contains("sslmode=disable&keepalives_idle=60&connect_timeout=10"),
            "{given}"
        );
    }

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
            Backend::from_url("sqlite:///tmp/x.db").unwrap(),
            Backend::Sqlite {
                path: "/tmp/x.db".into()
            }
        );
        assert!(Backend::from_url("sqlite://:memory:").is_err());
        assert!(Backend::from_url("").is_err());
    }

    #[test]
    fn a_mistyped_scheme_is_refused_not_taken_for_a_file() {
        for url in [
            "postgress://ferry:pw@db/ferry",
            "mysql://x",
            "sqlite:data/x.db",
            "data/x.db",
            "/tmp/x.db",
        ] {
            let refusal = Backend::from_url(url).unwrap_err().to_string();
            assert!(refusal.contains("sqlite://"), "{url}: {refusal}");
            assert!(
                !refusal.contains("pw@"),
                "the password is not echoed: {refusal}"
            );
        }
        let refusal = Backend::from_url("postgress://u@h/db")
            .unwrap_err()
            .to_string();
        assert!(refusal.contains("\"postgress\""), "{refusal}");
    }
}
