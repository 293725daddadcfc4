//! The scale figures, printed as one table (a figure, its backend, the measured value, the
//! goal). Nothing is asserted: speed belongs in the output. Each part starts a release `ferry
//! serve` on a fresh database (the tests' process harness) and drives it through the API:
//!
//! - `syncs`: `FERRY_BENCH_SYNCS` (100) syncs triggered at once with as many slots, each of
//!   the sample source (`FERRY_BENCH_SYNC_RECORDS`, 10,000 per stream, 3 streams) into its own
//!   local-json path: peak attempts running, failures, wall time against one sync's time
//!   times the count, records a second, peak memory of Ferry and of its connector processes.
//! - `due`: `FERRY_BENCH_DUE` (10,000) connections of one workspace whose cron schedule fires
//!   at one moment, with the default slots, and a manual sync in another workspace five
//!   seconds later: the start lag of that sync, the lags of the scheduled ones (job queued,
//!   attempt started after the moment, p50/p99), then the scheduler's pass when nothing new is
//!   due.
//! - `cancel`: `jobs/cancel` of a running sync to no connector process left, ten times.
//! - `slow`: one connection at 1 record a second for `FERRY_BENCH_SLOW_SECS` (600) beside 20
//!   fast ones, with the default slots: how long the fast ones waited to start.
//! - `workers` (PostgreSQL only; SQLite is one process's embedded database): a `ferry serve`
//!   without a worker and `FERRY_BENCH_WORKERS` (4) `ferry worker` processes with the default
//!   slots, each in its own directory, on one database; `FERRY_BENCH_WORKER_SYNCS` (400) short
//!   syncs queued across four workspaces before the workers start: claims a second (attempts
//!   started over the span from the first to the last, from the database), how the attempts
//!   spread over the workers (counted in each worker's attempts directory), the jobs that ran
//!   more than once, wall time.
//! - `lists` (`lists.rs`): pages of 50 through the API as one workspace's connections and
//!   jobs grow to each of `FERRY_BENCH_LIST_SIZES` (1,000, 10,000, 100,000), and the unpaged
//!   `web_backend/connections/list` with Ferry's memory before and after it.

#[path = "lists.rs"]
mod lists;

use super::common::ferry::{Ferry, FerryBuilder};
use super::common::{http, wait_for, PATIENCE};
use ferry_persistence::testing::TestBackend;
use serde_json::{json, Value};
use std::io::Write;
use std::time::{Duration, Instant};

const DEFAULT_SLOTS: usize = 4;

pub struct Options {
    pub backends: Vec<TestBackend>,
    pub skip: Vec<String>,
    pub syncs: usize,
    pub sync_records: u64,
    pub due: usize,
    pub slow_secs: u64,
    pub cancels: usize,
    pub workers: usize,
    pub worker_syncs: usize,
    /// Rows the `lists` part grows its tables to, smallest first.
    pub list_sizes: Vec<usize>,
}

impl Options {
    /// `FERRY_BENCH_BACKENDS` (`sqlite,postgres`), `FERRY_BENCH_SKIP` (none; e.g.
    /// `due,slow`), and the sizes above.
    #[allow(dead_code)] // The test (tests/scale.rs) sets every size itself.
    pub fn from_env() -> Options {
        use super::common::bench_env::{backends, list, var};
        Options {
            backends: backends(),
            skip: list("FERRY_BENCH_SKIP", ""),
            syncs: var("FERRY_BENCH_SYNCS", 100),
            sync_records: var("FERRY_BENCH_SYNC_RECORDS", 10_000),
            due: var("FERRY_BENCH_DUE", 10_000),
            slow_secs: var("FERRY_BENCH_SLOW_SECS", 600),
            cancels: var("FERRY_BENCH_CANCELS", 10),
            workers: var("FERRY_BENCH_WORKERS", 4),
            worker_syncs: var("FERRY_BENCH_WORKER_SYNCS", 400),
            list_sizes: list("FERRY_BENCH_LIST_SIZES", "1000,10000,100000"),
        }
    }

    fn runs(&self, part: &str) -> bool {
        !self.skip.iter().any(|s| s == part)
    }
}

/// One row of the table.
pub struct Row {
    pub figure: String,
    pub backend: &'static str,
    pub value: String,
    pub goal: String,
}

fn row(
    figure: impl Into<String>,
    backend: &'static str,
    value: impl Into<String>,
    goal: &str,
) -> Row {
    let row = Row {
        figure: figure.into(),
        backend,
        value: value.into(),
        goal: goal.to_string(),
    };
    eprintln!("scale: {} ({}): {}", row.figure, row.backend, row.value);
    row
}

fn backend_name(backend: TestBackend) -> &'static str {
    match backend {
        TestBackend::Sqlite => "sqlite",
        TestBackend::Postgres => "postgres",
    }
}

pub fn run(options: &Options, out: &mut impl Write) -> Vec<Row> {
    let mut rows = Vec::new();
    for &backend in &options.backends {
        let name = backend_name(backend);
        if options.runs("syncs") {
            rows.extend(syncs_at_once(options, backend, name));
        }
        if options.runs("cancel") {
            rows.extend(cancels(options, backend, name));
        }
        if options.runs("due") {
            rows.extend(due_at_once(options, backend, name));
        }
        if options.runs("slow") {
            rows.extend(slow_beside_fast(options, backend, name));
        }
        if options.runs("workers") {
            rows.extend(workers_on_one_database(options, backend, name));
        }
        if options.runs("lists") {
            rows.extend(lists::pages_as_tables_grow(options, backend));
        }
    }
    writeln!(out, "| figure | backend | measured | goal |").unwrap();
    writeln!(out, "| --- | --- | --- | --- |").unwrap();
    for r in &rows {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.figure, r.backend, r.value, r.goal
        )
        .unwrap();
    }
    rows
}

/// A release `ferry serve` configured as a user would run it, with `slots` attempt slots.
fn ferry(backend: TestBackend, slots: usize) -> FerryBuilder {
    Ferry::builder(backend)
        .setting("worker", &format!("max_concurrent_attempts = {slots}"))
        .setting("worker", "poll_interval_ms = 1000")
        .setting("worker", "heartbeat_secs = 2")
        .setting("database", "max_connections = 20")
        .setting("log", "level = \"warn\"")
}

/// The built-in sample source and local-json destination definitions' ids.
fn definitions(ferry: &Ferry) -> (Value, Value) {
    (
        ferry.builtin("source", "ferry/source-sample"),
        ferry.builtin("destination", "ferry/destination-local-json"),
    )
}

/// A workspace (the default one when `name` is None) with a sample source of `config`.
/// Returns (workspace, source, schema).
fn workspace_with_source(
    ferry: &Ferry,
    name: Option<&str>,
    config: Value,
) -> (Value, Value, Value) {
    let workspace = match name {
        Some(name) => ferry.ok("workspaces/create", json!({ "name": name }))["workspaceId"].clone(),
        None => json!("5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6"),
    };
    let (sample, _) = definitions(ferry);
    let source = ferry.ok(
        "sources/create",
        json!({ "workspaceId": workspace, "sourceDefinitionId": sample, "name": "sample",
                "connectionConfiguration": config }),
    )["sourceId"]
        .clone();
    let schema =
        ferry.ok("sources/discover_schema", json!({ "sourceId": source }))["schema"].clone();
    (workspace, source, schema)
}

/// A connection from `source` to a new local-json destination at `path`.
fn connection(
    ferry: &Ferry,
    workspace: &Value,
    source: &Value,
    schema: &Value,
    path: &str,
    extra: Value,
) -> Value {
    let (_, files) = definitions(ferry);
    let destination = ferry.ok(
        "destinations/create",
        json!({ "workspaceId": workspace, "destinationDefinitionId": files, "name": path,
                "connectionConfiguration": { "destination_path": path } }),
    )["destinationId"]
        .clone();
    let mut body = json!({ "sourceId": source, "destinationId": destination, "name": path,
        "syncMode": "full_refresh", "syncSchema": schema, "status": "active" });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    ferry.ok("connections/create", body)["connectionId"].clone()
}

fn sync(ferry: &Ferry, connection: &Value) -> i64 {
    ferry.ok("connections/sync", json!({ "connectionId": connection }))["job"]["id"]
        .as_i64()
        .unwrap()
}

/// A Prometheus sample's value in `metrics` (the first line starting with `name`).
fn metric(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn metrics(ferry: &Ferry) -> String {
    let (_, body) = http(ferry.port, "GET", "/api/metrics", None).unwrap();
    body.as_str().unwrap_or_default().to_string()
}

/// Resident memory of `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

/// The connector processes `ferry connector ...` whose parent is `parent`: their pids.
fn connectors_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: the comm may hold spaces, so read after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(parent) {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains("connector") {
                found.push(pid);
            }
        }
    }
    found
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The `p`-th percentile (0-100) of `values` (sorted here).
fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values[rank.min(values.len() - 1)]
}

fn syncs_at_once(options: &Options, backend: TestBackend, name: &'static str) -> Vec<Row> {
    let n = options.syncs;
    let ferry = ferry(backend, n).start();
    let (workspace, source, schema) =
        workspace_with_source(&ferry, None, json!({ "count": options.sync_records }));
    let connections: Vec<Value> = (0..n)
        .map(|i| {
            connection(
                &ferry,
                &workspace,
                &source,
                &schema,
                &format!("s{i}"),
                json!({}),
            )
        })
        .collect();
    // One sync alone, for "one after another".
    let started = Instant::now();
    let job = sync(&ferry, &connections[0]);
    let info = super::common::wait_for_job(ferry.port, &json!(job));
    assert_eq!(info["job"]["status"], "succeeded", "{info}");
    let one = started.elapsed();

    let succeeded_before = metric(
        &metrics(&ferry),
        "ferry_job_attempts_total{config_type=\"sync\",outcome=\"succeeded\"}",
    );
    let started = Instant::now();
    for c in &connections {
        sync(&ferry, c);
    }
    let (mut peak_running, mut peak_ferry, mut peak_connectors) = (0.0f64, 0u64, 0u64);
    let (succeeded, failed) = wait_for(&format!("{n} syncs to end"), PATIENCE * 4, || {
        let text = metrics(&ferry);
        peak_running = peak_running.max(metric(&text, "ferry_attempts_running"));
        peak_ferry = peak_ferry.max(rss(ferry.pid()));
        peak_connectors =
            peak_connectors.max(connectors_of(ferry.pid()).into_iter().map(rss).sum());
        let succeeded = metric(
            &text,
            "ferry_job_attempts_total{config_type=\"sync\",outcome=\"succeeded\"}",
        ) - succeeded_before;
        let failed = metric(
            &text,
            "ferry_job_attempts_total{config_type=\"sync\",outcome=\"failed\"}",
        );
        match succeeded + failed >= n as f64 {
            true => Ok((succeeded, failed)),
            false => Err(format!("{succeeded} succeeded, {failed} failed")),
        }
    });
    let wall = started.elapsed();
    let records = n as u64 * 3 * options.sync_records;
    let label = format!(
        "{n} syncs at once ({} records each)",
        3 * options.sync_records
    );
    vec![
        row(
            format!("{label}: peak attempts running"),
            name,
            format!("{peak_running}"),
            &format!("{n}"),
        ),
        row(
            format!("{label}: failures"),
            name,
            format!("{failed} ({succeeded} succeeded)"),
            "0",
        ),
        row(
            format!("{label}: wall time"),
            name,
            format!(
                "{} ({:.2}x one after another: {} x {n})",
                secs(wall),
                wall.as_secs_f64() / (one.as_secs_f64() * n as f64),
                secs(one)
            ),
            "<= 1x one after another",
        ),
        row(
            format!("{label}: records/s"),
            name,
            format!("{:.0}", records as f64 / wall.as_secs_f64()),
            "-",
        ),
        row(
            format!("{label}: Ferry's peak RSS"),
            name,
            mb(peak_ferry),
            "<= 150 MB",
        ),
        row(
            format!("{label}: connector processes' peak RSS, all together"),
            name,
            mb(peak_connectors),
            "-",
        ),
    ]
}

fn cancels(options: &Options, backend: TestBackend, name: &'static str) -> Vec<Row> {
    let ferry = ferry(backend, DEFAULT_SLOTS).start();
    let (workspace, source, schema) = workspace_with_source(
        &ferry,
        None,
        json!({ "count": 1_000_000_000u64, "records_per_second": 1000 }),
    );
    let c = connection(&ferry, &workspace, &source, &schema, "cancelled", json!({}));
    let mut times = Vec::new();
    for _ in 0..options.cancels {
        let job = sync(&ferry, &c);
        wait_for(
            "the sync's connectors to start",
            PATIENCE,
            || match connectors_of(ferry.pid()).len() {
                2 => Ok(()),
                n => Err(format!("{n} connector processes")),
            },
        );
        let asked = Instant::now();
        ferry.ok("jobs/cancel", json!({ "id": job }));
        wait_for("no connector process", PATIENCE, || {
            match connectors_of(ferry.pid()).len() {
                0 => Ok(()),
                n => Err(format!("{n} connector processes")),
            }
        });
        times.push(asked.elapsed().as_secs_f64() * 1000.0);
        super::common::wait_for_job(ferry.port, &json!(job));
    }
    let max = times.iter().copied().fold(0.0, f64::max);
    vec![row(
        format!("cancel to no connector process ({} cancels)", times.len()),
        name,
        format!(
            "p50 {:.0} ms, max {max:.0} ms",
            percentile(&mut times, 50.0)
        ),
        "<= 1000 ms",
    )]
}

/// The Quartz expression that fires once, at `at` (UTC, whole seconds).
fn cron_at(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{} {} {} {} {} ? {}",
        at.second(),
        at.minute(),
        at.hour(),
        at.day(),
        at.month(),
        at.year()
    )
}

fn due_at_once(options: &Options, backend: TestBackend, name: &'static str) -> Vec<Row> {
    let n = options.due;
    let ferry = ferry(backend, DEFAULT_SLOTS).start();
    let (busy, source, schema) = workspace_with_source(&ferry, Some("busy"), json!({ "count": 1 }));
    let (quiet, quiet_source, quiet_schema) =
        workspace_with_source(&ferry, Some("quiet"), json!({ "count": 1 }));
    let one_connection = Instant::now();
    let manual = connection(
        &ferry,
        &quiet,
        &quiet_source,
        &quiet_schema,
        "manual",
        json!({}),
    );
    // Creating them takes a while: they fire at a moment after the time that should take
    // (twice the pace of the first connection, plus 5 s); any created after it never fires
    // and is left out of the figures.
    let (_, files) = definitions(&ferry);
    let destination = ferry.ok(
        "destinations/create",
        json!({ "workspaceId": busy, "destinationDefinitionId": files, "name": "due",
                "connectionConfiguration": { "destination_path": "due" } }),
    )["destinationId"]
        .clone();
    let estimate = one_connection.elapsed() * 2 * n as u32 + Duration::from_secs(5);
    let moment = chrono::Utc::now() + chrono::Duration::from_std(estimate).unwrap();
    let moment =
        moment - chrono::Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&moment)));
    let created = Instant::now();
    let mut in_time = 0;
    for i in 0..n {
        ferry.ok(
            "connections/create",
            json!({ "sourceId": source, "destinationId": destination, "name": format!("due {i}"),
                    "syncMode": "full_refresh", "syncSchema": schema, "status": "active",
                    "scheduleType": "cron", "scheduleData": { "cron": { "cronExpression": cron_at(moment), "cronTimeZone": "UTC" } } }),
        );
        if chrono::Utc::now() < moment {
            in_time += 1;
        }
    }
    eprintln!(
        "scale: {n} connections created in {}; {in_time} before they fire",
        secs(created.elapsed())
    );
    let n = in_time;
    let until = (moment - chrono::Utc::now()).to_std().unwrap_or_default();
    std::thread::sleep(until + Duration::from_secs(5));
    // The manual sync, while the busy workspace's jobs wait.
    let asked = Instant::now();
    let job = sync(&ferry, &manual);
    wait_for("the manual sync to start", PATIENCE, || {
        let info = ferry.ok("jobs/get", json!({ "id": job }));
        match info["job"]["status"].as_str() {
            Some("pending") => Err("pending".to_string()),
            _ => Ok(()),
        }
    });
    let manual_lag = asked.elapsed();
    let pending = metric(&metrics(&ferry), "ferry_jobs_pending");
    // Every scheduled sync started at least once: their lags, from the database.
    let db =
        ferry_persistence::connection::Database::open(ferry.database_url(), &Default::default())
            .unwrap();
    let lags = wait_for(
        &format!("{n} scheduled syncs to start"),
        PATIENCE * 10,
        || {
            let lags = db
                .run_blocking(|conn| {
                    use diesel::prelude::*;
                    use ferry_persistence::schema::{attempts, jobs};
                    use ferry_persistence::sql_types::DbTime;
                    let rows: Vec<(DbTime, DbTime)> = jobs::table
                        .inner_join(attempts::table)
                        .filter(attempts::attempt_number.eq(0))
                        .filter(jobs::priority.eq(1))
                        .select((jobs::created_at, attempts::created_at))
                        .load(conn)
                        .map_err(ferry_persistence::error::from_diesel)?;
                    Ok(rows)
                })
                .unwrap();
            match lags.len() >= n {
                true => Ok(lags),
                false => Err(format!("{} of {n} started", lags.len())),
            }
        },
    );
    let after = |t: chrono::DateTime<chrono::Utc>| (t - moment).as_seconds_f64();
    let mut queued: Vec<f64> = lags.iter().map(|(j, _)| after(j.0)).collect();
    let mut started: Vec<f64> = lags.iter().map(|(_, a)| after(a.0)).collect();
    // Nothing new is due now: the scheduler's passes at n connections.
    std::thread::sleep(Duration::from_secs(3));
    let pass = (0..5)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(1100));
            let (_, debug) = http(ferry.port, "GET", "/api/v1/debug", None).unwrap();
            debug["tasks"]["scheduler"]["lastDurationMs"]
                .as_f64()
                .unwrap_or(f64::NAN)
        })
        .fold(0.0, f64::max);
    let rss_before = rss(ferry.pid());
    for _ in 0..3 {
        ferry.ok(
            "web_backend/connections/list",
            json!({ "workspaceId": busy }),
        );
    }
    let rss_after = rss(ferry.pid());
    vec![
        row(format!("manual sync in another workspace, {n} queued ({pending} pending then): start lag"), name, secs(manual_lag), "<= 5 s"),
        row(format!("{n} connections due at once: job queued after due, p50 / p99"), name,
            format!("{:.1} s / {:.1} s", percentile(&mut queued, 50.0), percentile(&mut queued, 99.0)), "-"),
        row(format!("{n} connections due at once: attempt started after due, p50 / p99 ({DEFAULT_SLOTS} slots)"), name,
            format!("{:.1} s / {:.1} s", percentile(&mut started, 50.0), percentile(&mut started, 99.0)), "-"),
        row(format!("scheduler pass at {n} connections, nothing new due (slowest of 5)"), name, format!("{pass:.0} ms"), "<= 50 ms"),
        row(format!("RSS after 3 unpaged web_backend/connections/list of {n}"), name,
            format!("{} (before {})", mb(rss_after), mb(rss_before)), "within 20 MB of before"),
    ]
}

fn slow_beside_fast(options: &Options, backend: TestBackend, name: &'static str) -> Vec<Row> {
    let ferry = ferry(backend, DEFAULT_SLOTS).start();
    let (workspace, slow_source, slow_schema) = workspace_with_source(
        &ferry,
        Some("slow"),
        json!({ "count": options.slow_secs, "records_per_second": 1 }),
    );
    let slow_schema = only_stream(&slow_schema, "users");
    let slow = connection(
        &ferry,
        &workspace,
        &slow_source,
        &slow_schema,
        "slow",
        json!({}),
    );
    let (fast_workspace, fast_source, fast_schema) =
        workspace_with_source(&ferry, Some("fast"), json!({ "count": 1000 }));
    let fast: Vec<Value> = (0..20)
        .map(|i| {
            connection(
                &ferry,
                &fast_workspace,
                &fast_source,
                &fast_schema,
                &format!("f{i}"),
                json!({}),
            )
        })
        .collect();
    let slow_job = sync(&ferry, &slow);
    wait_for("the slow sync to run", PATIENCE, || {
        match ferry.ok("jobs/get", json!({ "id": slow_job }))["job"]["status"].as_str() {
            Some("running") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
    let asked = Instant::now();
    let jobs: Vec<i64> = fast.iter().map(|c| sync(&ferry, c)).collect();
    let mut started = Vec::new();
    let mut waiting: Vec<i64> = jobs.clone();
    wait_for("the fast syncs to start", PATIENCE, || {
        waiting.retain(|job| {
            let info = ferry.ok("jobs/get", json!({ "id": job }));
            let running = info["job"]["status"] != "pending";
            if running {
                started.push(asked.elapsed().as_secs_f64());
            }
            !running
        });
        match waiting.is_empty() {
            true => Ok(()),
            false => Err(format!("{} waiting", waiting.len())),
        }
    });
    for job in &jobs {
        super::common::wait_for_job(ferry.port, &json!(job));
    }
    let all_done = asked.elapsed();
    let slow_status = ferry.ok("jobs/get", json!({ "id": slow_job }))["job"]["status"].clone();
    // It may have ended already (a short run): a 409 then.
    ferry.post("jobs/cancel", json!({ "id": slow_job }));
    vec![row(
        format!("20 fast syncs beside a slow one ({} s at 1 record/s, {slow_status} meanwhile): start after the call, p50 / max; all done", options.slow_secs),
        name,
        format!("{:.1} s / {:.1} s; {}", percentile(&mut started, 50.0), started.iter().copied().fold(0.0, f64::max), secs(all_done)),
        "the slow one holds one slot only",
    )]
}

/// Workspaces the `workers` part spreads its syncs over.
const WORKER_WORKSPACES: usize = 4;

fn workers_on_one_database(
    options: &Options,
    backend: TestBackend,
    name: &'static str,
) -> Vec<Row> {
    let (w, n) = (options.workers, options.worker_syncs);
    let label = format!("{n} short syncs on {w} `ferry worker` x {DEFAULT_SLOTS} slots");
    if backend == TestBackend::Sqlite {
        return vec![row(
            format!("{w} `ferry worker` on one database"),
            name,
            "not run: PostgreSQL only (SQLite is one process's embedded database)",
            "-",
        )];
    }
    // The API alone; the workers share its database, each in a directory of its own.
    let api = ferry(backend, DEFAULT_SLOTS)
        .setting("worker", "enabled = false")
        .start();
    let sources: Vec<(Value, Value, Value)> = (0..WORKER_WORKSPACES)
        .map(|i| workspace_with_source(&api, Some(&format!("w{i}")), json!({ "count": 10 })))
        .collect();
    let connections: Vec<Value> = (0..n)
        .map(|i| {
            let (workspace, source, schema) = &sources[i % WORKER_WORKSPACES];
            connection(&api, workspace, source, schema, &format!("c{i}"), json!({}))
        })
        .collect();
    let job_ids: Vec<i64> = connections.iter().map(|c| sync(&api, c)).collect();
    let started = Instant::now();
    let workers: Vec<Ferry> = (0..w)
        .map(|_| {
            let mut worker = ferry(backend, DEFAULT_SLOTS)
                .database(api.test_database())
                .setting("database", "max_connections = 10")
                .configure();
            worker.spawn(&["worker"]);
            worker
        })
        .collect();
    let db = ferry_persistence::connection::Database::open(api.database_url(), &Default::default())
        .unwrap();
    let (statuses, attempts) = wait_for(&format!("{n} syncs to end"), PATIENCE * 4, || {
        let (statuses, attempts) = db
            .run_blocking(|conn| {
                use diesel::prelude::*;
                use ferry_persistence::schema::{attempts, jobs};
                use ferry_persistence::sql_types::DbTime;
                let statuses: Vec<String> = jobs::table
                    .filter(jobs::id.eq_any(&job_ids))
                    .select(jobs::status)
                    .load(conn)
                    .map_err(ferry_persistence::error::from_diesel)?;
                let attempts: Vec<(i64, i32, DbTime)> = attempts::table
                    .filter(attempts::job_id.eq_any(&job_ids))
                    .select((
                        attempts::job_id,
                        attempts::attempt_number,
                        attempts::created_at,
                    ))
                    .load(conn)
                    .map_err(ferry_persistence::error::from_diesel)?;
                Ok((statuses, attempts))
            })
            .unwrap();
        let ended = statuses
            .iter()
            .filter(|s| ["succeeded", "failed", "cancelled"].contains(&s.as_str()))
            .count();
        match ended == n {
            true => Ok((statuses, attempts)),
            false => Err(format!("{ended} of {n} ended, {} attempts", attempts.len())),
        }
    });
    let wall = started.elapsed();
    // Claims a second: attempts started over the span from the first start to the last.
    let first = attempts.iter().map(|a| a.2 .0).min().unwrap();
    let last = attempts.iter().map(|a| a.2 .0).max().unwrap();
    let span = (last - first).as_seconds_f64();
    // Which worker ran each attempt: the one whose attempts directory holds `<job>/<number>`.
    let mut per_worker = vec![0usize; w];
    let mut in_two = 0;
    for (job, number, _) in &attempts {
        let holders: Vec<usize> = (0..w)
            .filter(|i| {
                workers[*i]
                    .dir
                    .path()
                    .join("data/jobs")
                    .join(job.to_string())
                    .join(number.to_string())
                    .is_dir()
            })
            .collect();
        for i in &holders {
            per_worker[*i] += 1;
        }
        in_two += usize::from(holders.len() > 1);
    }
    let mut by_job = std::collections::BTreeMap::<i64, usize>::new();
    for (job, _, _) in &attempts {
        *by_job.entry(*job).or_default() += 1;
    }
    let more_than_once = by_job.values().filter(|c| **c > 1).count();
    let succeeded = statuses.iter().filter(|s| *s == "succeeded").count();
    let (min, max) = (
        per_worker.iter().copied().min().unwrap_or(0),
        per_worker.iter().copied().max().unwrap_or(0),
    );
    let spread: Vec<String> = per_worker.iter().map(ToString::to_string).collect();
    drop(workers);
    vec![
        row(
            format!("{label}: claims/s"),
            name,
            format!(
                "{:.1} attempts started/s ({} attempts in {span:.2} s, first to last)",
                attempts.len() as f64 / span.max(f64::EPSILON),
                attempts.len()
            ),
            "-",
        ),
        row(
            format!("{label}: attempts per worker"),
            name,
            format!("{} (min {min}, max {max})", spread.join(" / ")),
            "even",
        ),
        row(
            format!("{label}: jobs run more than once"),
            name,
            format!(
                "{more_than_once} ({in_two} attempts in two workers' directories; {succeeded} of {n} succeeded)"
            ),
            "0",
        ),
        row(
            format!("{label}: wall time"),
            name,
            format!(
                "{} from the workers' start ({:.1} syncs/s)",
                secs(wall),
                n as f64 / wall.as_secs_f64()
            ),
            "-",
        ),
    ]
}

/// `schema` with only `stream` selected.
fn only_stream(schema: &Value, stream: &str) -> Value {
    let mut schema = schema.clone();
    for s in schema["streams"].as_array_mut().unwrap() {
        let selected = s["name"] == stream;
        s["selected"] = json!(selected);
    }
    schema
}
