//! End to end with real connectors: the `ferry` server process, the real `source-faker`
//! (from PyPI; see `faker()`) and Ferry's own local-json destination, on SQLite and on
//! PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ferry::Ferry;
use ferry_persistence::testing::TestBackend;
use serde_json::{json, Value};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const SECRET: &str = "e2e-hunter2-secret";

/// The version the tests were written against.
const FAKER_PACKAGE: &str = "airbyte-source-faker==7.2.1";

/// The source-faker executable: FERRY_TEST_SOURCE_FAKER, or `source-faker` on PATH, or else
/// installed once from PyPI into a virtualenv under target/tmp (about a minute, first time).
fn faker() -> PathBuf {
    static FAKER: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    FAKER
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("FERRY_TEST_SOURCE_FAKER") {
                return PathBuf::from(path);
            }
            let on_path = std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths).map(|d| d.join("source-faker")).find(|p| p.is_file())
            });
            if let Some(path) = on_path {
                return path;
            }
            let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("connectors-venv");
            let executable = venv.join("bin/source-faker");
            if !executable.is_file() {
                let run = |program: &Path, args: &[&str]| {
                    let status = Command::new(program).args(args).status().unwrap_or_else(|e| {
                        panic!("{} could not run ({e}); install {FAKER_PACKAGE} and set FERRY_TEST_SOURCE_FAKER", program.display())
                    });
                    assert!(status.success(), "{} {args:?} failed", program.display());
                };
                run(Path::new("python3"), &["-m", "venv", venv.to_str().unwrap()]);
                run(&venv.join("bin/pip"), &["install", "--quiet", FAKER_PACKAGE]);
            }
            executable
        })
        .clone()
}

/// A `ferry serve` with the real source-faker and the fixture connector, retrying a failed
/// attempt after a second, logging at debug.
fn start(backend: TestBackend) -> Ferry {
    Ferry::builder(backend)
        .setting("worker", "stale_after_secs = 4")
        .setting("worker", "max_attempts = 3")
        .setting("worker", "retry_backoff_secs = 1")
        .setting("worker", "shutdown_grace_secs = 2")
        .setting("connectors", "timeout_secs = 120")
        .setting("log", "level = \"debug\"")
        .connector_command("airbyte/source-faker", &[faker().to_str().unwrap()])
        .fixture_connector()
        .start()
}

/// Kills the server with SIGKILL (no chance to clean up) and starts it again on the same
/// database.
fn crash_and_restart(server: &mut Ferry) {
    server.stop_with("KILL");
    server.serve();
}

/// Asserts that attempt `number` of `job` left no configuration file (they hold secrets) in
/// its directory, where they never go: they live in the configuration files' folder.
fn assert_no_configuration_files(server: &Ferry, job: &Value, number: i32) {
    let dir = server.dir.path().join(format!("data/jobs/{job}/{number}"));
    assert!(dir.is_dir(), "the attempt ran in {}", dir.display());
    for file in ["source_config.json", "destination_config.json"] {
        assert!(
            !dir.join(file).exists(),
            "{} survived",
            dir.join(file).display()
        );
    }
}

/// The configuration files a running process `pid` holds: its sync's, while it runs.
fn configuration_files_of(server: &Ferry, pid: u32) -> Vec<String> {
    let own = server.config_files_root().join(pid.to_string());
    server
        .config_files()
        .into_iter()
        .filter(|path| path.starts_with(&own))
        .filter_map(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect()
}

/// SIGTERM, then what the database and the attempt directory say once the process is
/// gone: no attempt running, the job pending again, no configuration file.
fn assert_no_configuration_files_after_stop(mut server: Ferry, job: &Value, asked: Instant) {
    use ferry_domain::job::{AttemptStatus, JobStatus};
    use ferry_persistence::store::jobs;
    let job_id = job.as_i64().unwrap();
    let dir = server.dir.path().to_path_buf();
    let log = terminate(&mut server);
    // That the shutdown did not wait for the sync shows in the attempt it handed back (the
    // job pending again, the attempt failed as interrupted), not in a clock: a loaded machine
    // may take long to stop.
    println!("SIGTERM to exit: {:?}", asked.elapsed());
    let mut conn = server.test_database().db.connection().unwrap();
    let (job_now, attempts) = jobs::get(&mut conn, job_id).unwrap();
    assert_eq!(job_now.status, JobStatus::Pending, "handed back: {log}");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, AttemptStatus::Failed);
    assert!(
        attempts[0]
            .log_lines
            .iter()
            .any(|l| l.contains("interrupted")),
        "{:?}",
        attempts[0].log_lines
    );
    for file in ["source_config.json", "destination_config.json"] {
        let path = dir.join(format!("data/jobs/{job_id}/0/{file}"));
        assert!(!path.exists(), "{} survived", path.display());
    }
    assert_eq!(
        server.config_files(),
        Vec::<std::path::PathBuf>::new(),
        "a stopped server leaves no configuration file"
    );
}

/// Stops the server and returns everything it logged.
fn stop(mut server: Ferry) -> String {
    terminate(&mut server)
}

/// Sends SIGTERM and waits for the process to end; returns everything it logged.
fn terminate(server: &mut Ferry) -> String {
    server.stop_with("TERM");
    std::fs::read_to_string(server.log_path()).unwrap()
}

const WORKSPACE: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";

/// Registers the real source-faker as a source definition; returns its id.
fn faker_definition(server: &Ferry) -> Value {
    server.ok(
        "source_definitions/create",
        json!({ "name": "Faker", "dockerRepository": "airbyte/source-faker", "dockerImageTag": "latest",
                "documentationUrl": "https://docs.airbyte.com/integrations/sources/faker" }),
    )["sourceDefinitionId"]
        .clone()
}

/// The id of Ferry's own local-json destination, registered from the first start.
fn local_json_definition(server: &Ferry) -> Value {
    server.ok("destination_definitions/list", json!({}))["destinationDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dockerRepository"] == "ferry/destination-local-json")
        .expect("local-json registered")["destinationDefinitionId"]
        .clone()
}

fn scenario(backend: TestBackend) {
    let server = start(backend);
    let faker_definition = faker_definition(&server);
    let spec = server.ok(
        "source_definition_specifications/get",
        json!({ "sourceDefinitionId": faker_definition }),
    );
    assert_eq!(
        spec["connectionSpecification"]["properties"]["count"]["type"], "integer",
        "{spec}"
    );

    // Faker validates against its own spec: count must be at least 1.
    let (status, body) = server.post(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": faker_definition, "name": "faker",
                "connectionConfiguration": { "count": 0 } }),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["validationErrors"][0]["propertyPath"],
        "connectionConfiguration.count"
    );
    let source = server.ok(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": faker_definition, "name": "faker",
                "connectionConfiguration": { "count": 10, "seed": 1 } }),
    );
    let check = server.ok(
        "sources/check_connection",
        json!({ "sourceId": source["sourceId"] }),
    );
    assert_eq!(check["status"], "succeeded", "{check}");
    let discovered = server.ok(
        "sources/discover_schema",
        json!({ "sourceId": source["sourceId"] }),
    );
    let streams: Vec<&str> = discovered["schema"]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    for stream in ["users", "products", "purchases"] {
        assert!(streams.contains(&stream), "{streams:?}");
    }

    // Ferry's own destination is registered from the first start and really writes files.
    let local_json = local_json_definition(&server);
    let destination = server.ok(
        "destinations/create",
        json!({ "workspaceId": WORKSPACE, "destinationDefinitionId": local_json, "name": "local",
                "connectionConfiguration": { "destination_path": "records" } }),
    );
    let check = server.ok(
        "destinations/check_connection",
        json!({ "destinationId": destination["destinationId"] }),
    );
    assert_eq!(check, json!({ "status": "succeeded" }));
    assert!(server.local_json("records").is_dir());
    std::fs::write(server.local_json("a-file"), "x").unwrap();
    let bad_path = json!({ "destination_path": "a-file/sub" });
    let (status, body) = server.post(
        "web_backend/destinations/create",
        json!({ "workspaceId": WORKSPACE, "destinationDefinitionId": local_json, "name": "local", "connectionConfiguration": bad_path }),
    );
    assert_eq!(status, 400, "{body}");
    // An editor cannot point the destination outside its root (issue 11, case 4).
    for escape in ["/tmp/x", "../../x", "/proc/self/x", "a/../../x"] {
        let (status, body) = server.post(
            "destinations/create",
            json!({ "workspaceId": WORKSPACE, "destinationDefinitionId": local_json, "name": "escape",
                    "connectionConfiguration": { "destination_path": escape } }),
        );
        assert_eq!(status, 422, "{escape}: {body}");
        assert_eq!(
            body["validationErrors"][0]["propertyPath"], "connectionConfiguration.destination_path",
            "{body}"
        );
    }
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot create"),
        "{body}"
    );
    let listed = server.ok("destinations/list", json!({ "workspaceId": WORKSPACE }));
    assert_eq!(listed["destinations"].as_array().map(Vec::len), Some(1));

    // A secret goes in, is used by the connector, and appears in no response and no log line.
    let fixture_definition = server.ok(
        "source_definitions/create",
        json!({ "name": "Fixture", "dockerRepository": "ferry-test/source-fixture", "dockerImageTag": "1",
                "documentationUrl": "https://docs.ferry.invalid/fixture" }),
    )["sourceDefinitionId"]
        .clone();
    let with_secret = server.ok(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": fixture_definition, "name": "secret",
                "connectionConfiguration": { "password": SECRET } }),
    );
    let read = server.ok(
        "sources/get",
        json!({ "sourceId": with_secret["sourceId"] }),
    );
    let check = server.ok(
        "sources/check_connection",
        json!({ "sourceId": with_secret["sourceId"] }),
    );
    assert_eq!(
        check["status"], "failed",
        "the fixture only accepts hunter2"
    );
    for response in [&with_secret, &read, &check] {
        assert!(!response.to_string().contains(SECRET), "{response}");
    }
    let logs = stop(server);
    assert!(
        logs.contains("connector started"),
        "the log shows connector runs"
    );
    assert!(!logs.contains(SECRET), "a secret reached the log");
}

#[test]
fn real_connectors_on_sqlite() {
    scenario(TestBackend::Sqlite);
}

#[test]
fn real_connectors_on_postgres() {
    scenario(TestBackend::Postgres);
}

/// Polls a job until it ends; returns its JobInfoRead.
fn wait_for_job(server: &Ferry, id: &Value) -> Value {
    common::wait_for_job(server.port, id)
}

fn records_on_disk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
                .map(|e| {
                    std::fs::read_to_string(e.path())
                        .unwrap_or_default()
                        .lines()
                        .count()
                })
                .sum()
        })
        .unwrap_or(0)
}

fn sync_scenario(backend: TestBackend) {
    let server = start(backend);
    let faker_definition = faker_definition(&server);
    let local_json = local_json_definition(&server);
    let source = server.ok(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": faker_definition, "name": "faker",
                "connectionConfiguration": { "count": 40, "seed": 7, "always_updated": false, "parallelism": 1 } }),
    );
    let out = server.local_json("synced");
    let destination = server.ok(
        "destinations/create",
        json!({ "workspaceId": WORKSPACE, "destinationDefinitionId": local_json, "name": "local",
                "connectionConfiguration": { "destination_path": "synced" } }),
    );
    let mut schema = server.ok(
        "sources/discover_schema",
        json!({ "sourceId": source["sourceId"] }),
    )["schema"]
        .clone();
    // Only the users stream, incrementally on its cursor.
    let streams: Vec<Value> = schema["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "users")
        .cloned()
        .collect();
    schema["streams"] = Value::Array(streams);
    let connection = server.ok(
        "connections/create",
        json!({ "sourceId": source["sourceId"], "destinationId": destination["destinationId"],
                "syncMode": "incremental", "syncSchema": schema, "status": "active" }),
    );
    let connection_id = connection["connectionId"].clone();

    // The sync answers at once (the job not ended yet); asking again answers with the same
    // job.
    let first = server.ok("connections/sync", json!({ "connectionId": connection_id }));
    assert!(
        ["pending", "running"].contains(&first["job"]["status"].as_str().unwrap()),
        "{first}"
    );
    assert_eq!(first["job"]["configType"], "sync");
    let again = server.ok("connections/sync", json!({ "connectionId": connection_id }));
    assert_eq!(again["job"]["id"], first["job"]["id"]);
    let web = server.ok(
        "web_backend/connections/get",
        json!({ "connectionId": connection_id }),
    );
    let info = wait_for_job(&server, &first["job"]["id"]);
    assert_eq!(info["job"]["status"], "succeeded", "{info}");
    let synced = info["attempts"][0]["attempt"]["recordsSynced"]
        .as_i64()
        .unwrap();
    assert_eq!(synced, 40, "{info}");
    assert!(
        info["attempts"][0]["attempt"]["bytesSynced"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert_eq!(
        records_on_disk(&out),
        40,
        "the files hold what recordsSynced reports"
    );
    let logs = info["attempts"][0]["logs"]["logLines"].as_array().unwrap();
    assert!(
        logs.iter().any(|l| l
            .as_str()
            .unwrap_or_default()
            .starts_with("sync ended: 40 records")),
        "{logs:?}"
    );
    assert!(
        web["isSyncing"] == true || web.get("lastSync").is_some(),
        "{web}"
    );
    // The attempt kept its directory: catalog and log stay, configurations (secrets) do not.
    let attempt_dir = server
        .dir
        .path()
        .join("data/jobs")
        .join(first["job"]["id"].to_string())
        .join("0");
    assert!(
        attempt_dir.join("catalog.json").is_file(),
        "{}",
        attempt_dir.display()
    );
    let log = std::fs::read_to_string(attempt_dir.join("logs.log")).unwrap();
    assert!(log.contains("sync ended: 40 records"), "{log}");
    for secret_file in ["source_config.json", "destination_config.json"] {
        assert!(
            !attempt_dir.join(secret_file).exists(),
            "{secret_file} was left behind"
        );
    }
    assert_eq!(
        configuration_files_of(&server, server.pid()),
        Vec::<String>::new(),
        "an ended sync's configuration files are gone"
    );
    let web = server.ok(
        "web_backend/connections/get",
        json!({ "connectionId": connection_id }),
    );
    assert_eq!(web["isSyncing"], false);
    assert!(web["lastSync"].as_i64().is_some(), "{web}");

    // The second incremental sync starts from the state: nothing new to read.
    let second = server.ok("connections/sync", json!({ "connectionId": connection_id }));
    assert_ne!(second["job"]["id"], first["job"]["id"]);
    let info = wait_for_job(&server, &second["job"]["id"]);
    assert_eq!(info["job"]["status"], "succeeded", "{info}");
    assert_eq!(
        info["attempts"][0]["attempt"]["recordsSynced"], 0,
        "the state was not used: {info}"
    );
    assert_eq!(records_on_disk(&out), 40);

    // A reset empties the destination and forgets the state; the next sync reads everything.
    let reset = server.ok(
        "connections/reset",
        json!({ "connectionId": connection_id }),
    );
    assert_eq!(reset["job"]["configType"], "reset_connection");
    let info = wait_for_job(&server, &reset["job"]["id"]);
    assert_eq!(info["job"]["status"], "succeeded", "{info}");
    assert_eq!(records_on_disk(&out), 0);
    let third = server.ok("connections/sync", json!({ "connectionId": connection_id }));
    let info = wait_for_job(&server, &third["job"]["id"]);
    assert_eq!(
        info["attempts"][0]["attempt"]["recordsSynced"], 40,
        "{info}"
    );

    let list = server.ok(
        "jobs/list",
        json!({ "configType": "sync", "configId": connection_id }),
    );
    let ids: Vec<i64> = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job"]["id"].as_i64().unwrap())
        .collect();
    let mut newest_first = ids.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, newest_first);
    assert_eq!(ids.len(), 3);
    let (status, body) = server.post("jobs/get", json!({ "id": 999_999 }));
    assert_eq!(status, 404, "{body}");

    // Cancel a long sync: the connectors are stopped and the job ends cancelled.
    server.ok(
        "sources/update",
        json!({ "sourceId": source["sourceId"], "name": "faker",
                "connectionConfiguration": { "count": 5_000_000, "seed": 7, "parallelism": 1 } }),
    );
    let long = server.ok(
        "connections/reset",
        json!({ "connectionId": connection_id }),
    );
    wait_for_job(&server, &long["job"]["id"]);
    let long = server.ok("connections/sync", json!({ "connectionId": connection_id }));
    common::wait_for(
        "the long sync to run and move records",
        common::PATIENCE,
        || {
            let info = server.ok("jobs/get", json!({ "id": long["job"]["id"] }));
            let moved = info["attempts"][0]["attempt"]["recordsSynced"]
                .as_i64()
                .unwrap_or(0);
            match info["job"]["status"] == "running" && moved > 0 {
                true => Ok(()),
                false => Err(common::job_summary(&info)),
            }
        },
    );
    let cancelled = server.ok("jobs/cancel", json!({ "id": long["job"]["id"] }));
    assert_eq!(cancelled["job"]["status"], "cancelled");
    // Its status is final at once; the wait is for its attempt to end.
    let info = wait_for_job(&server, &long["job"]["id"]);
    assert!(info["attempts"][0]["attempt"]["endedAt"].is_i64(), "{info}");
    assert_eq!(info["job"]["status"], "cancelled", "{info}");
    assert!(
        info["attempts"][0]["attempt"]["recordsSynced"]
            .as_i64()
            .unwrap()
            < 5_000_000
    );
    let (status, body) = server.post("jobs/cancel", json!({ "id": first["job"]["id"] }));
    assert_eq!(status, 409, "a finished job cannot be cancelled: {body}");
    // The worker's counters moved with the syncs above (parsed as Prometheus parses them).
    let (status, text) = common::http(server.port, "GET", "/api/metrics", None).unwrap();
    assert_eq!(status, 200);
    let text = text.as_str().unwrap_or_default().to_string();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let sample = |name: &str, label: Option<(&str, &str)>| -> f64 {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
            .map(|s| match &s.value {
                prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Gauge(v) => *v,
                prometheus_parse::Value::Untyped(v) => *v,
                _ => 0.0,
            })
            .sum()
    };
    assert!(
        sample("ferry_job_attempts_total", Some(("outcome", "succeeded"))) >= 2.0,
        "{text}"
    );
    assert!(
        sample("ferry_job_attempts_total", Some(("outcome", "cancelled"))) >= 1.0,
        "{text}"
    );
    assert!(sample("ferry_synced_records_total", None) >= 40.0, "{text}");
    assert!(sample("ferry_synced_bytes_total", None) > 0.0, "{text}");
    assert!(
        sample(
            "ferry_job_attempt_duration_seconds_count",
            Some(("config_type", "sync"))
        ) >= 2.0,
        "{text}"
    );
    assert!(
        sample("ferry_job_start_lag_seconds_count", None) >= 2.0,
        "{text}"
    );
    // Each background task reports its runs in debug.
    let (status, debug) = common::http(server.port, "GET", "/api/v1/debug", None).unwrap();
    assert_eq!(status, 200, "{debug}");
    for task in ["job_runner", "orphan_recovery", "scheduler"] {
        let runs = debug["info"]["tasks"][task]["runs"].as_u64().unwrap_or(0);
        assert!(runs >= 1, "{task} never ran: {debug}");
        assert!(
            debug["info"]["tasks"][task]["lastStartedAt"].is_string(),
            "{debug}"
        );
    }
    assert!(
        debug["info"]["tasks"]["job_runner"]["lastSummary"]
            .as_str()
            .is_some_and(|s| s.starts_with("job ") || s.starts_with("no job was due")),
        "{debug}"
    );
    stop(server);
}

#[test]
fn syncs_on_sqlite() {
    sync_scenario(TestBackend::Sqlite);
}

#[test]
fn syncs_on_postgres() {
    sync_scenario(TestBackend::Postgres);
}

/// The faker source, the local-json destination and a full-refresh connection of the users
/// stream between them.
fn users_connection(server: &Ferry, count: u64, destination_path: &str) -> Value {
    users_connection_in(server, WORKSPACE, count, destination_path)
}

fn users_connection_in(
    server: &Ferry,
    workspace: &str,
    count: u64,
    destination_path: &str,
) -> Value {
    let faker_definition = faker_definition(server);
    let local_json = local_json_definition(server);
    let source = server.ok(
        "sources/create",
        json!({ "workspaceId": workspace, "sourceDefinitionId": faker_definition, "name": "faker",
                "connectionConfiguration": { "count": count, "seed": 3, "parallelism": 1 } }),
    );
    let destination = server.ok(
        "destinations/create",
        json!({ "workspaceId": workspace, "destinationDefinitionId": local_json, "name": "local",
                "connectionConfiguration": { "destination_path": destination_path } }),
    );
    let users = json!({ "streams": [{ "name": "users", "fields": [], "selected": true, "syncMode": "full_refresh" }] });
    server.ok(
        "connections/create",
        json!({ "sourceId": source["sourceId"], "destinationId": destination["destinationId"],
                "syncMode": "full_refresh", "syncSchema": users, "status": "active" }),
    )
}

/// Starts a sync of five million users into `destination_path` and waits until records
/// flow; returns the job id.
fn start_long_sync(server: &Ferry, destination_path: &str) -> Value {
    let connection = users_connection(server, 5_000_000, destination_path);
    start_sync_of(server, &connection)
}

/// Starts a sync of `connection` and waits until records flow; returns the job id.
fn start_sync_of(server: &Ferry, connection: &Value) -> Value {
    let job = server.ok(
        "connections/sync",
        json!({ "connectionId": connection["connectionId"] }),
    )["job"]["id"]
        .clone();
    server.wait_for_records(&job);
    job
}

/// Every process below `pid` (children, grandchildren, ...).
fn descendants(pid: u32) -> Vec<u32> {
    let output = Command::new("pgrep")
        .args(["-P", &pid.to_string()])
        .output()
        .unwrap();
    let children: Vec<u32> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    children
        .iter()
        .flat_map(|child| std::iter::once(*child).chain(descendants(*child)))
        .collect()
}

/// Deleting a connection, its source, its destination or its workspace while its sync runs
/// stops the sync within two heartbeats: the job ends cancelled with the reason, no
/// connector process is left, and no record arrives after.
fn deletes_stop_running_syncs(backend: TestBackend) {
    let server = start(backend);
    let ways = ["connection", "source", "destination", "workspace"];
    let mut stopped = Vec::new();
    for how in ways {
        let workspace = server.ok(
            "workspaces/create",
            json!({ "name": format!("delete {how}") }),
        )["workspaceId"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("deleted-{how}");
        let connection = users_connection_in(&server, &workspace, 5_000_000, &path);
        let job = start_sync_of(&server, &connection);
        assert!(!descendants(server.pid()).is_empty(), "connectors run");
        let (endpoint, body) = match how {
            "connection" => (
                "connections/delete",
                json!({ "connectionId": connection["connectionId"] }),
            ),
            "source" => (
                "sources/delete",
                json!({ "sourceId": connection["sourceId"] }),
            ),
            "destination" => (
                "destinations/delete",
                json!({ "destinationId": connection["destinationId"] }),
            ),
            _ => ("workspaces/delete", json!({ "workspaceId": workspace })),
        };
        let (status, reply) = server.post(endpoint, body);
        assert_eq!(status, 204, "{endpoint}: {reply}");
        // The delete stops the sync: its connectors gone, the attempt over. How fast (within
        // a quarter second and the kill, by the cancel watch) is the scale benchmark's
        // figure, not a bound here: a loaded machine may take longer.
        let deleted = Instant::now();
        let info = common::wait_for(
            &format!("the sync to stop after the {how}'s delete"),
            common::PATIENCE,
            || {
                let info = server.ok("jobs/get", json!({ "id": job }));
                let attempt_over = info["attempts"][0]["attempt"]["status"] != "running";
                let left = descendants(server.pid());
                match attempt_over && left.is_empty() {
                    true => Ok(info),
                    false => Err(format!(
                        "connector processes {left:?}; {}",
                        common::job_summary(&info)
                    )),
                }
            },
        );
        println!("{how} delete to a stopped sync: {:?}", deleted.elapsed());
        assert_eq!(info["job"]["status"], "cancelled", "{how}: {info}");
        assert_eq!(
            info["job"]["cancelReason"],
            format!("{how} deleted"),
            "{info}"
        );
        let written = records_on_disk(&server.local_json(&path));
        assert!(written < 5_000_000);
        stopped.push((how, path, written));
    }
    // No record arrives after the stop. No connector process is left to write one; the
    // proof that none did is a later event: the syncs of the next cases, then one more sync
    // run to its end, all came and went while the files of the stopped ones stayed as they
    // were.
    let after = users_connection(&server, 10, "after-the-deletes");
    let job = server.ok(
        "connections/sync",
        json!({ "connectionId": after["connectionId"] }),
    )["job"]["id"]
        .clone();
    let info = wait_for_job(&server, &job);
    assert_eq!(info["job"]["status"], "succeeded", "{info}");
    for (how, path, written) in stopped {
        assert_eq!(
            records_on_disk(&server.local_json(&path)),
            written,
            "{how}: records kept arriving"
        );
    }
    stop(server);
}

#[test]
fn deletes_stop_running_syncs_on_sqlite() {
    deletes_stop_running_syncs(TestBackend::Sqlite);
}

#[test]
fn deletes_stop_running_syncs_on_postgres() {
    deletes_stop_running_syncs(TestBackend::Postgres);
}

fn crash_scenario(backend: TestBackend) {
    let mut server = start(backend);
    let job = start_long_sync(&server, "crash");
    // While the sync runs its configurations are in the configuration files' folder, under
    // the server's process id (not in the attempt's directory, which outlives it).
    let killed = server.pid();
    let mut held = common::wait_for("the sync's configuration files", common::PATIENCE, || {
        let held = configuration_files_of(&server, killed);
        match held.len() >= 2 {
            true => Ok(held),
            false => Err(format!("{held:?}")),
        }
    });
    held.sort();
    assert_eq!(held, ["destination_config.json", "source_config.json"]);
    crash_and_restart(&mut server);
    // The restarted process removes what the killed one left as it starts.
    common::wait_for(
        "the killed process's configuration files to be swept",
        common::PATIENCE,
        || match configuration_files_of(&server, killed) {
            left if left.is_empty() => Ok(()),
            left => Err(format!("{left:?}")),
        },
    );
    assert!(
        server.log().contains("swept_config_files=1"),
        "{}",
        server.log()
    );
    // After the restart the orphaned attempt fails (no heartbeat) and the job is retried.
    let info = common::wait_for(
        "the orphaned attempt to be retried (a second attempt)",
        common::PATIENCE,
        || {
            let info = server.ok("jobs/get", json!({ "id": job }));
            match info["attempts"].as_array().map_or(0, Vec::len) >= 2 {
                true => Ok(info),
                false => Err(common::job_summary(&info)),
            }
        },
    );
    assert_eq!(info["attempts"][0]["attempt"]["status"], "failed", "{info}");
    let lines = info["attempts"][0]["logs"]["logLines"].to_string();
    assert!(lines.contains("stopped sending heartbeats"), "{lines}");
    // The killed attempt's configuration files (the secrets) went with its recovery.
    assert_no_configuration_files(&server, &job, 0);
    assert_ne!(info["job"]["status"], "failed");
    server.ok("jobs/cancel", json!({ "id": job }));
    stop(server);
}

#[test]
fn a_killed_server_leaves_no_job_running_on_sqlite() {
    crash_scenario(TestBackend::Sqlite);
}

#[test]
fn a_killed_server_leaves_no_job_running_on_postgres() {
    crash_scenario(TestBackend::Postgres);
}

/// SIGTERM mid-sync: the attempt gets the grace period (2 s here), is then stopped and
/// handed back: failed as interrupted, its job pending again at once, no secret file left.
fn sigterm_scenario(backend: TestBackend) {
    let server = start(backend);
    let job = start_long_sync(&server, "sigterm");
    let asked = Instant::now();
    assert_no_configuration_files_after_stop(server, &job, asked);
}

#[test]
fn sigterm_hands_the_running_attempt_back_on_sqlite() {
    sigterm_scenario(TestBackend::Sqlite);
}

#[test]
fn sigterm_hands_the_running_attempt_back_on_postgres() {
    sigterm_scenario(TestBackend::Postgres);
}

#[test]
fn failed_attempts_are_retried_then_the_job_fails() {
    let server = start(TestBackend::Sqlite);
    std::fs::create_dir_all(server.local_json("")).unwrap();
    std::fs::write(server.local_json("a-file"), "x").unwrap();
    let connection = users_connection(&server, 10, "a-file/sub");
    let job = server.ok(
        "connections/sync",
        json!({ "connectionId": connection["connectionId"] }),
    )["job"]["id"]
        .clone();
    let info = wait_for_job(&server, &job);
    assert_eq!(info["job"]["status"], "failed", "{info}");
    let attempts = info["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "max_attempts = 3: {info}");
    for attempt in attempts {
        assert_eq!(attempt["attempt"]["status"], "failed");
        assert!(
            attempt["logs"]["logLines"]
                .to_string()
                .contains("cannot create"),
            "{attempt}"
        );
    }
    stop(server);
}
