//! Test databases: a fresh SQLite file or a fresh PostgreSQL database per test, removed when
//! the test ends, so tests run in parallel without seeing each other's rows.
//!
//! PostgreSQL is reached through `FERRY_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test creates its own database there.

use crate::connection::{Database, PoolOptions};
use crate::secrets::{SecretBox, SecretKey};
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
    /// A handle with a key generated for this test (connector secrets are encrypted).
    pub db: Database,
    pub url: String,
    /// That key, base64, as `secrets.key` would hold it.
    pub secrets_key: String,
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
            // A bound, not a limit: a loaded machine may be slow.
            call_timeout: Duration::from_secs(300),
        };
        let (key, secrets_key) = SecretKey::generate().unwrap_or_else(|e| panic!("{e}"));
        let db = Database::open(&url, &options)
            .unwrap_or_else(|e| panic!("open {url}: {e}"))
            .with_secrets(SecretBox::new(key, Vec::new()));
        TestDatabase {
            db,
            url,
            secrets_key,
            cleanup,
        }
    }

    /// This database through a new handle with other keys (a restart with another
    /// configuration, say).
    pub fn with_secrets(mut self, secrets: SecretBox) -> Self {
        let options = PoolOptions {
            max_connections: 8,
            connect_timeout: Duration::from_secs(10),
            // A bound, not a limit: a loaded machine may be slow.
            call_timeout: Duration::from_secs(300),
        };
        self.db = Database::open(&self.url, &options)
            .unwrap_or_else(|e| panic!("open {}: {e}", self.url))
            .with_secrets(secrets);
        self
    }

    /// The key this test database was made with.
    pub fn key(&self) -> SecretKey {
        SecretKey::from_base64(&self.secrets_key).unwrap_or_else(|e| panic!("{e}"))
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

/// Inserts `count` synthetic live workspaces in the default organization in one set-based
/// statement (per-row inserts would take minutes at 100,000). Names repeat every 1,000 rows
/// and creation times every 10, so every sort has ties for the id to break.
pub fn insert_synthetic_workspaces(
    conn: &mut crate::connection::AnyConnection,
    count: u32,
) -> ferry_domain::Result<usize> {
    use crate::connection::AnyConnection;
    use crate::error::DieselResultExt;
    let pg = format!(
        "INSERT INTO workspaces (id, customer_id, name, slug, initial_setup_complete,
             onboarding_complete, anonymous_data_collection, news, security_updates,
             created_at, updated_at, organization_id, status, region, name_folded, search_folded)
         SELECT gen_random_uuid(), gen_random_uuid(), 'Workspace ' || (i % 1000), 'bench-' || i,
             false, false, false, false, false,
             date_trunc('second', now()) - make_interval(secs => i / 10),
             date_trunc('second', now()) - make_interval(secs => i / 7),
             '00000000-0000-0000-0000-000000000000',
             CASE WHEN i % 5 = 0 THEN 'inactive' ELSE 'active' END, 'local',
             'workspace ' || (i % 1000), 'workspace ' || (i % 1000) || chr(10) || 'bench-' || i
         FROM generate_series(1, {count}) AS i"
    );
    let uuid = SQLITE_UUID;
    let sqlite = format!(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {count})
         INSERT INTO workspaces (id, customer_id, name, slug, initial_setup_complete,
             onboarding_complete, anonymous_data_collection, news, security_updates,
             created_at, updated_at, organization_id, status, region, name_folded, search_folded)
         SELECT {uuid}, {uuid}, 'Workspace ' || (i % 1000), 'bench-' || i, 0, 0, 0, 0, 0,
             strftime('%Y-%m-%dT%H:%M:%S', 'now', '-' || (i / 10) || ' seconds') || '.000000Z',
             strftime('%Y-%m-%dT%H:%M:%S', 'now', '-' || (i / 7) || ' seconds') || '.000000Z',
             '00000000-0000-0000-0000-000000000000',
             CASE WHEN i % 5 = 0 THEN 'inactive' ELSE 'active' END, 'local',
             'workspace ' || (i % 1000), 'workspace ' || (i % 1000) || char(10) || 'bench-' || i
         FROM seq"
    );
    match conn {
        AnyConnection::Postgres(c) => diesel::sql_query(pg).execute(c),
        AnyConnection::Sqlite(c) => diesel::sql_query(sqlite).execute(c),
    }
    .db()
}

/// Adds `count` copies of connection `model` to its workspace, in one statement, with
/// names repeating every 1,000 rows and creation and update times spread over hours (for the
/// list benchmark). Returns how many rows were inserted.
pub fn insert_synthetic_connections(
    conn: &mut crate::connection::AnyConnection,
    model: ferry_domain::ids::ConnectionId,
    count: u32,
) -> ferry_domain::Result<usize> {
    use crate::connection::AnyConnection;
    use crate::error::DieselResultExt;
    let columns = "id, workspace_id, source_id, destination_id, name, sync_mode, sync_schema, \
                   status, created_at, updated_at, name_folded";
    let pg = format!(
        "INSERT INTO connections ({columns})
         SELECT gen_random_uuid(), c.workspace_id, c.source_id, c.destination_id,
             'Connection ' || (i % 1000), c.sync_mode, c.sync_schema, c.status,
             date_trunc('second', now()) - make_interval(secs => i / 10),
             date_trunc('second', now()) - make_interval(secs => i / 7),
             'connection ' || (i % 1000)
         FROM generate_series(1, {count}) AS i, connections c WHERE c.id = '{model}'"
    );
    let sqlite = format!(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {count})
         INSERT INTO connections ({columns})
         SELECT {SQLITE_UUID}, c.workspace_id, c.source_id, c.destination_id,
             'Connection ' || (i % 1000), c.sync_mode, c.sync_schema, c.status,
             strftime('%Y-%m-%dT%H:%M:%S', 'now', '-' || (i / 10) || ' seconds') || '.000000Z',
             strftime('%Y-%m-%dT%H:%M:%S', 'now', '-' || (i / 7) || ' seconds') || '.000000Z',
             'connection ' || (i % 1000)
         FROM seq, connections c WHERE c.id = '{model}'"
    );
    match conn {
        AnyConnection::Postgres(c) => diesel::sql_query(pg).execute(c),
        AnyConnection::Sqlite(c) => diesel::sql_query(sqlite).execute(c),
    }
    .db()
}

/// Adds `count` ended sync jobs of `connection`, in one statement, created over hours (for
/// the list benchmark). Returns how many rows were inserted.
pub fn insert_synthetic_jobs(
    conn: &mut crate::connection::AnyConnection,
    connection: ferry_domain::ids::ConnectionId,
    count: u32,
) -> ferry_domain::Result<usize> {
    use crate::connection::AnyConnection;
    use crate::error::DieselResultExt;
    // Each job records its connection's workspace, as the queue writes it.
    let workspace = format!("(SELECT workspace_id FROM connections WHERE id = '{connection}')");
    let pg = format!(
        "INSERT INTO jobs (config_type, config_id, status, not_before, created_at, updated_at, workspace_id)
         SELECT 'sync', '{connection}', CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END,
             t, t, t + interval '1 minute', {workspace}
         FROM generate_series(1, {count}) AS i,
             LATERAL (SELECT date_trunc('second', now()) - make_interval(secs => {count} - i) AS t) AS times"
    );
    let sqlite = format!(
        "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {count}),
             times(i, t) AS (SELECT i, strftime('%Y-%m-%dT%H:%M:%S', 'now', '-' || ({count} - i) || ' seconds') || '.000000Z' FROM seq)
         INSERT INTO jobs (config_type, config_id, status, not_before, created_at, updated_at, workspace_id)
         SELECT 'sync', '{connection}', CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END,
             t, t, t, {workspace}
         FROM times"
    );
    match conn {
        AnyConnection::Postgres(c) => diesel::sql_query(pg).execute(c),
        AnyConnection::Sqlite(c) => diesel::sql_query(sqlite).execute(c),
    }
    .db()
}

/// A random version 4 uuid in SQLite's SQL, in the text form Ferry stores.
const SQLITE_UUID: &str = "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || \
    substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) || \
    substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";

/// Seeds a workspace with a source, a destination and `count` connections between them
/// (definitions included), for store-level tests. Returns the connections' ids.
pub fn seed_connections(
    conn: &mut crate::connection::AnyConnection,
    count: usize,
    schedule: Option<ferry_domain::connection::ConnectionSchedule>,
) -> Vec<ferry_domain::ids::ConnectionId> {
    seed_connections_with(conn, count, schedule.into())
}

/// Queues a manual sync of `connection` in its workspace (see `store::jobs::enqueue`).
pub fn enqueue_sync(
    conn: &mut crate::connection::AnyConnection,
    connection: ferry_domain::ids::ConnectionId,
) -> (ferry_domain::job::Job, bool) {
    use crate::store::{connections, jobs};
    let workspace = connections::get(conn, connection)
        .unwrap_or_else(|e| panic!("{e}"))
        .workspace_id;
    jobs::enqueue(
        conn,
        jobs::NewJob {
            config_type: ferry_domain::job::JobConfigType::Sync,
            connection,
            workspace,
            origin: ferry_domain::job::JobOrigin::Manual,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// [`seed_connections`] with any schedule (cron included).
pub fn seed_connections_with(
    conn: &mut crate::connection::AnyConnection,
    count: usize,
    schedule: ferry_domain::schedule::Schedule,
) -> Vec<ferry_domain::ids::ConnectionId> {
    use crate::store::{actor_definitions, actors, connections, workspaces};
    use ferry_domain::actor::NewActor;
    use ferry_domain::actor_definition::{ActorType, NewActorDefinition};
    use ferry_domain::connection::{ConnectionStatus, SourceSchema, SyncMode};
    use ferry_domain::ids::{DestinationId, SourceId};
    fn value<T: TryFrom<String>>(text: &str) -> T
    where
        T::Error: std::fmt::Debug,
    {
        T::try_from(text.to_string()).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }
    let workspace = workspaces::create(conn, &workspaces::NewWorkspace::named("Seeded", "local"))
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    let mut actor = |actor_type: ActorType| {
        let definition = actor_definitions::create(
            conn,
            actor_type,
            &NewActorDefinition {
                name: value("Seeded"),
                docker_repository: value("ferry-test/seeded"),
                docker_image_tag: value("1"),
                documentation_url: value("https://example.com"),
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let new = NewActor {
            workspace_id: workspace,
            definition_id: definition.id,
            name: Some("seeded".into()),
            configuration: serde_json::json!({}),
            secret_paths: Vec::new(),
            by: None,
        };
        actors::create(conn, actor_type, &new)
            .unwrap_or_else(|e| panic!("{e}"))
            .id
    };
    let source = actor(ActorType::Source);
    let destination = actor(ActorType::Destination);
    (0..count)
        .map(|_| {
            let new = connections::NewConnection {
                name: None,
                source_id: SourceId(source),
                destination_id: DestinationId(destination),
                sync_mode: SyncMode::FullRefresh,
                sync_schema: SourceSchema::default(),
                schedule: schedule.clone(),
                status: ConnectionStatus::Active,
                by: None,
            };
            connections::create(conn, &new)
                .unwrap_or_else(|e| panic!("{e}"))
                .id
        })
        .collect()
}

/// Counts the statements `work` sends on `conn`: for the tests that prove a read costs a
/// constant number of queries however many rows it returns.
pub fn count_queries<T>(
    conn: &mut crate::connection::AnyConnection,
    work: impl FnOnce(&mut crate::connection::AnyConnection) -> T,
) -> (T, usize) {
    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let result = work(conn);
    conn.set_instrumentation(None::<Box<dyn Instrumentation>>);
    (result, count.load(Ordering::SeqCst))
}

/// Asserts that a read costs as many statements for 1,000 rows as for 10, and at most
/// `max`: `cost(n)` seeds `n` rows in a fresh database and returns the statements the read
/// issued ([`count_queries`]). Prints both counts for `label`.
pub fn assert_constant_statements(label: &str, max: usize, cost: impl Fn(usize) -> usize) {
    let small = cost(10);
    let large = cost(1_000);
    println!("{label} issues {small} statements for 10 rows, {large} for 1,000");
    assert_eq!(
        small, large,
        "{label}: the number of statements grew with the rows"
    );
    assert!(small <= max, "{label}: {small} statements, more than {max}");
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
