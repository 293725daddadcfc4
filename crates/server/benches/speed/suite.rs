//! The speed benchmark of issue 14: every figure beside its ceiling, measured in one run, on
//! SQLite and on PostgreSQL, printed as one table. It starts what it needs (a release `ferry
//! serve` per backend on a fresh database, an empty actix-web handler, pgbench where it is
//! installed), loads them with its own generator and cleans up after itself. It only prints:
//! no figure is asserted.

// A benchmark (also run by tests/speed.rs): a failed step should stop it with its message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "ceiling.rs"]
mod ceiling;
#[path = "load.rs"]
pub mod load;
#[path = "pgbench.rs"]
mod pgbench;
#[path = "server.rs"]
mod server;
#[path = "sync.rs"]
mod sync;

use ferry_persistence::testing::{TestBackend, TestDatabase};
use load::{call_ok, Load};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The load: as the issue's measurements (wrk -t2 -c32).
const CLIENTS: usize = 32;
const THREADS: usize = 2;

/// What to run, and how long. `from_env` reads `FERRY_BENCH_*` variables.
#[derive(Clone, Debug)]
pub struct Options {
    /// The `ferry` binary to serve with.
    pub ferry: PathBuf,
    /// Each load phase (a fifth more of warm-up before it).
    pub load: Duration,
    /// Connections listed by `web_backend/connections/list`.
    pub connections: usize,
    /// Calls of each list (and of its raw SQL) for the p50.
    pub list_calls: usize,
    /// Workspaces under the `workspaces/list` pages.
    pub workspaces: u32,
    /// Records per sync, and runs of each sync figure (the best counts).
    pub records: u64,
    pub sync_rounds: usize,
    pub backends: Vec<TestBackend>,
    /// Parts left out, for a quicker look at the others: any of `http`, `list`, `pages`,
    /// `sync`.
    pub skip: Vec<String>,
}

impl Options {
    /// Defaults for a full run (about three minutes), each overridable:
    /// `FERRY_BENCH_SECONDS` (8 per load phase), `FERRY_BENCH_CONNECTIONS` (1000),
    /// `FERRY_BENCH_LIST_CALLS` (20), `FERRY_BENCH_WORKSPACES` (100000),
    /// `FERRY_BENCH_RECORDS` (1000000), `FERRY_BENCH_SYNC_ROUNDS` (2),
    /// `FERRY_BENCH_BACKENDS` (`sqlite,postgres`), `FERRY_BENCH_SKIP` (none; e.g.
    /// `list,pages,sync`).
    pub fn from_env(ferry: PathBuf) -> Options {
        use crate::common::bench_env::{backends, list, var};
        Options {
            ferry,
            load: Duration::from_secs_f64(var("FERRY_BENCH_SECONDS", 8.0)),
            connections: var("FERRY_BENCH_CONNECTIONS", 1000),
            list_calls: var("FERRY_BENCH_LIST_CALLS", 20),
            workspaces: var("FERRY_BENCH_WORKSPACES", 100_000),
            records: var("FERRY_BENCH_RECORDS", 1_000_000),
            sync_rounds: var("FERRY_BENCH_SYNC_ROUNDS", 2),
            backends: backends(),
            skip: list("FERRY_BENCH_SKIP", ""),
        }
    }

    fn runs(&self, part: &str) -> bool {
        !self.skip.iter().any(|skipped| skipped == part)
    }
}

/// One line of the table.
pub struct Row {
    pub figure: String,
    pub backend: &'static str,
    pub measured: String,
    pub p50: String,
    pub p99: String,
    pub ceiling: String,
    pub ratio: String,
    pub goal: &'static str,
}

impl Row {
    fn new(figure: impl Into<String>, backend: &'static str) -> Row {
        Row {
            figure: figure.into(),
            backend,
            measured: String::new(),
            p50: String::new(),
            p99: String::new(),
            ceiling: String::new(),
            ratio: String::new(),
            goal: "",
        }
    }
}

fn per_second(rate: f64, unit: &str) -> String {
    format!("{} {unit}", thousands(rate.round() as u64))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let head = digits.len() % 3;
    let mut out = digits[..head].to_string();
    for group in digits.as_bytes()[head..].chunks(3) {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(std::str::from_utf8(group).unwrap_or_default());
    }
    out
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn ratio(value: f64) -> String {
    format!("{value:.2}")
}

/// A load row: rate, p50, p99, and its ratio to a ceiling.
fn load_row(
    figure: &str,
    backend: &'static str,
    load: &Load,
    ceiling: (&str, f64),
    goal: &'static str,
) -> Row {
    let mut row = Row::new(figure, backend);
    row.measured = per_second(load.per_second(), "req/s");
    if load.failed > 0 {
        row.measured.push_str(&format!(" ({} failed)", load.failed));
    }
    row.p50 = ms(load.p50());
    row.p99 = ms(load.p99());
    row.ceiling = format!("{}: {}", ceiling.0, thousands(ceiling.1.round() as u64));
    row.ratio = ratio(load.per_second() / ceiling.1);
    row.goal = goal;
    row
}

/// Runs everything and writes the table (and progress lines to stderr).
pub fn run(options: &Options, out: &mut impl Write) -> Vec<Row> {
    count_queries_of_new_connections();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let ceiling = ceiling::Ceiling::start(workers);
    let ceiling_request = load::post(
        ceiling.addr,
        ceiling::PATH,
        r#"{"destinationId":"5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6"}"#,
    );
    let pgbench_installed = pgbench::installed();
    let mut rows = Vec::new();
    for &backend in &options.backends {
        rows.extend(backend_rows(
            options,
            backend,
            &ceiling,
            &ceiling_request,
            pgbench_installed,
        ));
    }
    drop(ceiling);

    if options.runs("sync") {
        rows.extend(sync_rows(options));
    }
    print_table(&rows, pgbench_installed, options, out);
    rows
}

fn sync_rows(options: &Options) -> Vec<Row> {
    let mut rows = Vec::new();
    progress("sync: source alone, direct pipe, Ferry's pump");
    let sync = sync::measure(&options.ferry, options.records, options.sync_rounds);
    let mut row = Row::new(
        format!(
            "sync: sample source alone into /dev/null ({} records)",
            thousands(sync.records)
        ),
        "-",
    );
    row.measured = per_second(sync.source_alone, "records/s");
    row.goal = ">= 200,000 records/s";
    rows.push(row);
    let mut row = Row::new("sync: Ferry's pump, sample -> local-json", "-");
    row.measured = per_second(sync.pump, "records/s");
    row.ceiling = format!("direct shell pipe: {}", per_second(sync.pipe, "records/s"));
    row.ratio = ratio(sync.pump / sync.pipe);
    row.goal = ">= 0.95";
    rows.push(row);
    rows
}

fn progress(what: &str) {
    eprintln!("speed: {what}");
}

fn backend_rows(
    options: &Options,
    backend: TestBackend,
    ceiling: &ceiling::Ceiling,
    ceiling_request: &load::Request,
    pgbench_installed: bool,
) -> Vec<Row> {
    let name = backend_name(backend);
    let mut rows = Vec::new();
    let test_db = TestDatabase::empty(backend);
    progress(&format!("{name}: starting ferry serve on a fresh database"));
    let ferry = server::Ferry::start(&options.ferry, backend, &test_db);
    let addr = ferry.addr;
    let mut row = Row::new("start to first answer (fresh database, migrations)", name);
    row.measured = format!("{:.3} s", ferry.start_to_first_answer.as_secs_f64());
    row.goal = if backend == TestBackend::Sqlite {
        "< 0.3 s"
    } else {
        ""
    };
    rows.push(row);

    let setup = Setup::create(addr, "bench");

    if options.runs("http") {
        rows.extend(http_rows(
            options,
            backend,
            &ferry,
            &setup,
            ceiling,
            ceiling_request,
            pgbench_installed.then_some(test_db.url.as_str()),
        ));
    }
    if options.runs("list") {
        progress(&format!("{name}: web_backend/connections/list"));
        rows.extend(ferry.observed(&format!("{name}-list"), || {
            connection_list_rows(options, name, addr, &setup, &test_db)
        }));
    }
    let mut row = Row::new("resident memory of ferry serve after the loads above", name);
    row.measured = format!("{:.1} MB", ferry.resident_bytes() as f64 / 1e6);
    row.goal = "< 30 MB";
    rows.push(row);

    if options.runs("pages") {
        progress(&format!("{name}: workspaces/list, first and deep pages"));
        rows.push(workspace_pages_row(options, name, addr, &test_db));
    }
    drop(ferry);
    rows
}

/// `destinations/get` and `health` under load, beside the empty handler measured just
/// before, and (on PostgreSQL) beside pgbench when `pgbench_url` is given.
fn http_rows(
    options: &Options,
    backend: TestBackend,
    ferry: &server::Ferry,
    setup: &Setup,
    ceiling: &ceiling::Ceiling,
    ceiling_request: &load::Request,
    pgbench_url: Option<&str>,
) -> Vec<Row> {
    let name = backend_name(backend);
    let addr = ferry.addr;
    let mut rows = Vec::new();
    progress(&format!("{name}: the empty-handler ceiling"));
    let top = load::run(
        ceiling.addr,
        ceiling_request,
        CLIENTS,
        THREADS,
        options.load,
    );
    progress(&format!("{name}: destinations/get"));
    let get_request = load::post(
        addr,
        "/api/v1/destinations/get",
        &json!({ "destinationId": setup.destination }).to_string(),
    );
    let get = ferry.observed(&format!("{name}-get"), || {
        load::run(addr, &get_request, CLIENTS, THREADS, options.load)
    });
    progress(&format!("{name}: health"));
    let health_request = load::get(addr, "/api/v1/health");
    let health = ferry.observed(&format!("{name}-health"), || {
        load::run(addr, &health_request, CLIENTS, THREADS, options.load)
    });
    let mut row = Row::new("empty actix-web handler (the ceiling)", name);
    row.measured = per_second(top.per_second(), "req/s");
    row.p50 = ms(top.p50());
    row.p99 = ms(top.p99());
    rows.push(row);
    let ceiling_figure = ("empty handler", top.per_second());
    rows.push(load_row(
        "destinations/get",
        name,
        &get,
        ceiling_figure,
        if backend == TestBackend::Sqlite {
            ">= 0.5"
        } else {
            ""
        },
    ));
    rows.push(p99_row("destinations/get", name, &get));
    rows.push(load_row("health", name, &health, ceiling_figure, ""));
    rows.push(p99_row("health", name, &health));

    if backend == TestBackend::Postgres {
        let mut row = Row::new("destinations/get vs pgbench -S -c 32 -j 2", name);
        row.goal = ">= 0.8";
        if let Some(url) = pgbench_url {
            progress(&format!("{name}: pgbench -S"));
            let pg = pgbench::run(url, CLIENTS, THREADS, options.load);
            row.measured = per_second(get.per_second(), "req/s");
            row.p50 = format!("{} (pgbench {})", ms(get.p50()), ms(pg.p50));
            row.p99 = format!("{} (pgbench {})", ms(get.p99()), ms(pg.p99));
            row.ceiling = format!("pgbench -S: {} tps", thousands(pg.tps.round() as u64));
            row.ratio = ratio(get.per_second() / pg.tps);
        } else {
            row.measured = "pgbench is not installed: no figure".into();
        }
        rows.push(row);
    }
    rows
}

fn backend_name(backend: TestBackend) -> &'static str {
    match backend {
        TestBackend::Sqlite => "sqlite",
        TestBackend::Postgres => "postgres",
    }
}

fn p99_row(figure: &str, backend: &'static str, load: &Load) -> Row {
    let mut row = Row::new(format!("{figure}: p99 / p50 under that load"), backend);
    row.measured = format!(
        "{:.1}x",
        load.p99().as_secs_f64() / load.p50().as_secs_f64()
    );
    row.goal = "<= 10x";
    row
}

/// What the loads work on: a workspace with the sample source and a local-json destination,
/// and the sample's discovered schema.
struct Setup {
    workspace: String,
    source: String,
    destination: String,
    schema: Value,
}

impl Setup {
    fn create(addr: std::net::SocketAddr, workspace: &str) -> Setup {
        let definition = |list: &str, key: &str, repository: &str| {
            let listed = call_ok(addr, &format!("/api/v1/{list}/list"), &json!({}));
            listed[key]
                .as_array()
                .and_then(|all| {
                    all.iter()
                        .find(|d| d["dockerRepository"] == repository)
                        .map(|d| d[format!("{}Id", &key[..key.len() - 1])].clone())
                })
                .unwrap_or_else(|| panic!("no {repository} definition"))
        };
        let sample = definition(
            "source_definitions",
            "sourceDefinitions",
            "ferry/source-sample",
        );
        let files = definition(
            "destination_definitions",
            "destinationDefinitions",
            "ferry/destination-local-json",
        );
        let workspace = call_ok(
            addr,
            "/api/v1/workspaces/create",
            &json!({ "name": workspace }),
        )["workspaceId"]
            .as_str()
            .expect("a workspace id")
            .to_string();
        let source = call_ok(
            addr,
            "/api/v1/sources/create",
            &json!({ "workspaceId": workspace, "sourceDefinitionId": sample, "name": "sample",
                     "connectionConfiguration": { "count": 1000, "seed": 1 } }),
        )["sourceId"]
            .as_str()
            .expect("a source id")
            .to_string();
        let destination = call_ok(
            addr,
            "/api/v1/destinations/create",
            &json!({ "workspaceId": workspace, "destinationDefinitionId": files, "name": "files",
                     "connectionConfiguration": { "destination_path": "bench" } }),
        )["destinationId"]
            .as_str()
            .expect("a destination id")
            .to_string();
        let schema = call_ok(
            addr,
            "/api/v1/sources/discover_schema",
            &json!({ "sourceId": source }),
        )["schema"]
            .clone();
        Setup {
            workspace,
            source,
            destination,
            schema,
        }
    }

    /// `n` connections from the source to the destination, every stream selected.
    fn connect(&self, addr: std::net::SocketAddr, n: usize) {
        let body = json!({ "sourceId": self.source, "destinationId": self.destination,
            "syncMode": "full_refresh", "syncSchema": self.schema, "status": "active" });
        for _ in 0..n {
            call_ok(addr, "/api/v1/connections/create", &body);
        }
    }
}

/// Statements sent on connections this process opens, while `COUNTING` is set.
static QUERIES: AtomicUsize = AtomicUsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

fn count_queries_of_new_connections() {
    fn counter() -> Option<Box<dyn diesel::connection::Instrumentation>> {
        Some(Box::new(
            |event: diesel::connection::InstrumentationEvent<'_>| {
                if COUNTING.load(Ordering::SeqCst)
                    && matches!(
                        event,
                        diesel::connection::InstrumentationEvent::StartQuery { .. }
                    )
                {
                    QUERIES.fetch_add(1, Ordering::SeqCst);
                }
            },
        ))
    }
    diesel::connection::set_default_instrumentation(counter).expect("instrumentation");
}

/// Statements Ferry's own code sends for one `web_backend/connections/list` of `workspace`
/// (the same rule the endpoint calls, on this process's pool of the same database).
fn list_queries(state: &ferry_api::AppState, workspace: &str) -> usize {
    // The 2020 body: the whole list, unpaged, as the load run asks for it.
    let request: ferry_domain::connection::ConnectionListRequestBody =
        serde_json::from_value(serde_json::json!({ "workspaceId": workspace })).expect("a body");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Once to open the pooled connection, whose set-up statements are not the list's.
        ferry_api::app::connections::web_list(state, request.clone())
            .await
            .expect("list");
        QUERIES.store(0, Ordering::SeqCst);
        COUNTING.store(true, Ordering::SeqCst);
        ferry_api::app::connections::web_list(state, request.clone())
            .await
            .expect("list");
        COUNTING.store(false, Ordering::SeqCst);
        QUERIES.load(Ordering::SeqCst)
    })
}

#[derive(diesel::QueryableByName)]
#[allow(dead_code)] // fetched, not read: the point is the fetch
struct RawRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    c_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    c_name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    c_mode: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    c_schema: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    c_status: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    c_created: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    c_updated: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    s_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    s_name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    s_configuration: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    s_definition: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    d_id: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    d_name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    d_configuration: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    d_definition: Option<String>,
}

/// The rows `web_backend/connections/list` answers from (each connection with its source,
/// destination and their definitions' names), fetched by one plain SQL statement through the
/// same driver, as text.
fn raw_list_sql(workspace: &str) -> String {
    format!(
        "SELECT CAST(c.id AS TEXT) AS c_id, c.name AS c_name, c.sync_mode AS c_mode,
                CAST(c.sync_schema AS TEXT) AS c_schema, c.status AS c_status,
                CAST(c.created_at AS TEXT) AS c_created, CAST(c.updated_at AS TEXT) AS c_updated,
                CAST(s.id AS TEXT) AS s_id, s.name AS s_name,
                CAST(s.configuration AS TEXT) AS s_configuration, sd.name AS s_definition,
                CAST(d.id AS TEXT) AS d_id, d.name AS d_name,
                CAST(d.configuration AS TEXT) AS d_configuration, dd.name AS d_definition
         FROM connections c
         JOIN actors s ON s.id = c.source_id
         JOIN actor_definitions sd ON sd.id = s.actor_definition_id
         JOIN actors d ON d.id = c.destination_id
         JOIN actor_definitions dd ON dd.id = d.actor_definition_id
         WHERE c.workspace_id = '{workspace}' AND c.status <> 'deprecated'
         ORDER BY c.created_at, c.id"
    )
}

fn connection_list_rows(
    options: &Options,
    backend: &'static str,
    addr: std::net::SocketAddr,
    setup: &Setup,
    test_db: &TestDatabase,
) -> Vec<Row> {
    let n = options.connections;
    let created = Instant::now();
    setup.connect(addr, n);
    progress(&format!(
        "{backend}: created {n} connections in {:.1?}",
        created.elapsed()
    ));
    let request = load::post(
        addr,
        "/api/v1/web_backend/connections/list",
        &json!({ "workspaceId": setup.workspace }).to_string(),
    );
    let answered = load::sequential(addr, &request, 1);
    assert_eq!(answered.failed, 0, "web_backend/connections/list failed");
    let body_bytes = {
        let (_, listed) = load::call(
            addr,
            "/api/v1/web_backend/connections/list",
            &json!({ "workspaceId": setup.workspace }),
        );
        let connections = listed["connections"].as_array().map_or(0, Vec::len);
        assert_eq!(connections, n, "the list holds every connection");
        listed.to_string().len()
    };
    let list = load::sequential(addr, &request, options.list_calls);

    let sql = raw_list_sql(&setup.workspace);
    let mut raw: Vec<Duration> = (0..=options.list_calls)
        .map(|_| {
            let sql = sql.clone();
            let started = Instant::now();
            let rows = test_db
                .db
                .run_blocking(move |conn| {
                    use diesel::RunQueryDsl;
                    diesel::sql_query(sql)
                        .load::<RawRow>(conn)
                        .map_err(ferry_domain::Error::internal)
                })
                .expect("the raw SQL");
            assert_eq!(rows.len(), n);
            started.elapsed()
        })
        .skip(1) // the first opened the connection
        .collect();
    raw.sort();
    let raw_p50 = raw[raw.len() / 2];

    let mut row = Row::new(
        format!(
            "web_backend/connections/list, {n} connections ({:.1} MB)",
            body_bytes as f64 / 1e6
        ),
        backend,
    );
    row.measured = format!("p50 {}", ms(list.p50()));
    row.p50 = ms(list.p50());
    row.p99 = ms(list.p99());
    row.ceiling = format!("raw SQL, same rows, same driver: p50 {}", ms(raw_p50));
    row.ratio = format!("{:.2}x", list.p50().as_secs_f64() / raw_p50.as_secs_f64());
    row.goal = "<= 1.5x";
    let mut rows = vec![row];

    // The same rule on a workspace of 10 connections, for the query count.
    let small = Setup::create(addr, "small");
    small.connect(addr, 10);
    let state = ferry_api::AppState::new(test_db.db.clone());
    let (at_10, at_n) = (
        list_queries(&state, &small.workspace),
        list_queries(&state, &setup.workspace),
    );
    let mut row = Row::new("web_backend/connections/list: statements per call", backend);
    row.measured = format!("{at_10} at 10 connections, {at_n} at {n}");
    row.ratio = if at_10 == at_n { "constant" } else { "GROWS" }.to_string();
    row.goal = "constant";
    rows.push(row);
    rows
}

/// `workspaces/list` over many workspaces: a page of 100 at the start, and one 90% deep by
/// its cursor (keyset pages should cost about the same at any depth).
fn workspace_pages_row(
    options: &Options,
    backend: &'static str,
    addr: std::net::SocketAddr,
    test_db: &TestDatabase,
) -> Row {
    let rows = options.workspaces;
    test_db
        .db
        .run_blocking(move |conn| {
            ferry_persistence::testing::insert_synthetic_workspaces(conn, rows)
        })
        .expect("insert the workspaces");
    if backend == "postgres" {
        test_db
            .db
            .run_blocking(|conn| {
                use diesel::connection::SimpleConnection;
                conn.batch_execute("ANALYZE workspaces")
                    .map_err(ferry_domain::Error::internal)
            })
            .expect("analyze");
    }
    let depth = (rows as usize) * 9 / 10;
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    while seen < depth {
        let mut body = json!({ "pageSize": (depth - seen).min(1000) });
        if let Some(cursor) = &cursor {
            body["cursor"] = json!(cursor);
        }
        let page = call_ok(addr, "/api/v1/workspaces/list", &body);
        seen += page["workspaces"].as_array().map_or(0, Vec::len);
        cursor = page["nextCursor"].as_str().map(str::to_string);
        assert!(cursor.is_some() || seen >= depth, "the pages ended early");
    }
    let first = load::post(addr, "/api/v1/workspaces/list", r#"{"pageSize":100}"#);
    let deep = load::post(
        addr,
        "/api/v1/workspaces/list",
        &json!({ "pageSize": 100, "cursor": cursor }).to_string(),
    );
    let first = load::sequential(addr, &first, options.list_calls);
    let deep = load::sequential(addr, &deep, options.list_calls);
    assert_eq!(first.failed + deep.failed, 0, "workspaces/list failed");
    let mut row = Row::new(
        format!(
            "workspaces/list: page of 100, {} rows deep of {} (keyset)",
            thousands(depth as u64),
            thousands(u64::from(rows))
        ),
        backend,
    );
    row.measured = format!("p50 {}", ms(deep.p50()));
    row.p50 = ms(deep.p50());
    row.p99 = ms(deep.p99());
    row.ceiling = format!("first page: p50 {}", ms(first.p50()));
    row.ratio = format!(
        "{:.2}x",
        deep.p50().as_secs_f64() / first.p50().as_secs_f64()
    );
    row.goal = "<= 2x";
    row
}

fn print_table(rows: &[Row], pgbench_installed: bool, options: &Options, out: &mut impl Write) {
    let _ = writeln!(
        out,
        "\nFerry speed (issue 14): {CLIENTS} connections over {THREADS} threads, {:.0} s per load \
         phase, auth off, `ferry serve` logging at info to /dev/null; {} cores, load average \
         now {}{}",
        options.load.as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        if pgbench_installed {
            ""
        } else {
            "; pgbench is not installed, so PostgreSQL has no pgbench ceiling"
        }
    );
    let header = [
        "figure",
        "backend",
        "measured",
        "p50",
        "p99",
        "ceiling (same run)",
        "ratio",
        "goal",
    ];
    let cells: Vec<[&str; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.figure.as_str(),
                r.backend,
                r.measured.as_str(),
                r.p50.as_str(),
                r.p99.as_str(),
                r.ceiling.as_str(),
                r.ratio.as_str(),
                r.goal,
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..8)
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    let _ = writeln!(out, "{}", line(&header));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for cells in &cells {
        let _ = writeln!(out, "{}", line(cells));
    }
}
