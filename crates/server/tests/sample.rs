//! End to end with nothing but the `ferry` binary: the built-in sample source syncs into the
//! built-in local-json destination through a real `ferry serve`, in full refresh and
//! incrementally, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ferry_persistence::testing::{TestBackend, TestDatabase};
use serde_json::{json, Value};

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const WORKSPACE: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";

/// A `ferry serve` on a fresh database, in a temporary directory, with no connector
/// configured: only what ships inside the binary.
struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    _database: TestDatabase,
}

impl Server {
    fn start(backend: TestBackend) -> Server {
        let database = TestDatabase::empty(backend);
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\nworkers = 2\n\
             [database]\nurl = \"{url}\"\n\
             [secrets]\nkey = \"{key}\"\n\
             [worker]\npoll_interval_ms = 200\nheartbeat_secs = 1\n\
             [connectors]\ndocker = false\n",
            url = database.url,
            key = database.secrets_key,
        );
        let config_path = dir.path().join("ferry.toml");
        std::fs::write(&config_path, config).unwrap();
        // Logs go to a file: a pipe nobody drains would block the server once it fills.
        let log = std::fs::File::create(dir.path().join("ferry.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(["--config", config_path.to_str().unwrap(), "serve"])
            .env_remove("RUST_LOG")
            .current_dir(dir.path())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            port,
            dir,
            _database: database,
        };
        let log = server.dir.path().join("ferry.log");
        common::wait_until_healthy(server.port, &mut server.child, &log);
        server
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> std::io::Result<(u16, Value)> {
        common::http(self.port, method, path, body)
    }

    fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.request("POST", &format!("/api/v1/{path}"), Some(&body))
            .unwrap()
    }

    fn ok(&self, path: &str, body: Value) -> Value {
        let (status, body) = self.post(path, body);
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// Where the local-json destination writes `relative` (its root is `data/local-json` in
    /// the server's working directory).
    fn local_json(&self, relative: &str) -> PathBuf {
        self.dir.path().join("data/local-json").join(relative)
    }

    /// The id of the built-in definition of `repository` in `family` (`source` or
    /// `destination`).
    fn builtin(&self, family: &str, repository: &str) -> Value {
        let list = self.ok(&format!("{family}_definitions/list"), json!({}));
        let key = format!("{family}Definitions");
        let found: Vec<&Value> = list[&key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["dockerRepository"] == repository)
            .collect();
        assert_eq!(found.len(), 1, "{repository} registered once: {list}");
        found[0][format!("{family}DefinitionId")].clone()
    }

    /// Syncs `connection` and waits for the job to succeed; returns its records synced.
    fn sync(&self, connection: &Value) -> i64 {
        let job =
            self.ok("connections/sync", json!({ "connectionId": connection }))["job"]["id"].clone();
        let info = common::wait_for_job(self.port, &job);
        assert_eq!(info["job"]["status"], "succeeded", "{info}");
        info["attempts"][0]["attempt"]["recordsSynced"]
            .as_i64()
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scenario(backend: TestBackend) {
    let server = Server::start(backend);
    let sample = server.builtin("source", "ferry/source-sample");
    let local_json = server.builtin("destination", "ferry/destination-local-json");
    let spec = server.ok(
        "source_definition_specifications/get",
        json!({ "sourceDefinitionId": sample }),
    );
    let properties = &spec["connectionSpecification"]["properties"];
    assert_eq!(properties["count"]["type"], "integer", "{spec}");
    assert_eq!(properties["seed"]["type"], "integer", "{spec}");

    // The spec refuses a bad configuration before any source exists.
    let (status, body) = server.post(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": sample, "name": "sample",
                "connectionConfiguration": { "count": -1 } }),
    );
    assert_eq!(status, 422, "{body}");
    let source = server.ok(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": sample, "name": "sample",
                "connectionConfiguration": { "count": 1000, "seed": 42 } }),
    );
    let check = server.ok(
        "sources/check_connection",
        json!({ "sourceId": source["sourceId"] }),
    );
    assert_eq!(check["status"], "succeeded", "{check}");
    let destination = server.ok(
        "destinations/create",
        json!({ "workspaceId": WORKSPACE, "destinationDefinitionId": local_json, "name": "files",
                "connectionConfiguration": { "destination_path": "sample" } }),
    );

    // users incrementally on the source's cursor, orders in full refresh, events not at all.
    let mut schema = server.ok(
        "sources/discover_schema",
        json!({ "sourceId": source["sourceId"] }),
    )["schema"]
        .clone();
    for stream in schema["streams"].as_array_mut().unwrap() {
        assert_eq!(
            stream["defaultCursorField"],
            json!(["updated_at"]),
            "{stream}"
        );
        assert_eq!(stream["sourceDefinedCursor"], true, "{stream}");
        match stream["name"].as_str().unwrap() {
            "users" => stream["syncMode"] = json!("incremental"),
            "orders" => stream["syncMode"] = json!("full_refresh"),
            "events" => stream["selected"] = json!(false),
            other => panic!("unexpected stream {other}"),
        }
    }
    let connection = server.ok(
        "connections/create",
        json!({ "sourceId": source["sourceId"], "destinationId": destination["destinationId"],
                "syncMode": "incremental", "syncSchema": schema, "status": "active" }),
    )["connectionId"]
        .clone();
    let out = server.local_json("sample");
    let all = |n: u64| (1..=n).collect::<Vec<u64>>();

    // First sync: count records of each selected stream.
    assert_eq!(server.sync(&connection), 2000);
    assert_eq!(common::ids_on_disk(&out, "users"), all(1000));
    assert_eq!(common::ids_on_disk(&out, "orders"), all(1000));
    assert!(
        !out.join("events.jsonl").exists(),
        "events was not selected"
    );

    // Again with the same count: users has nothing after its state; orders is rewritten.
    assert_eq!(server.sync(&connection), 1000);
    assert_eq!(common::ids_on_disk(&out, "users"), all(1000));
    assert_eq!(common::ids_on_disk(&out, "orders"), all(1000));

    // A larger count: users gets only the new records, appended without duplicates.
    server.ok(
        "sources/update",
        json!({ "sourceId": source["sourceId"], "name": "sample",
                "connectionConfiguration": { "count": 2500, "seed": 42 } }),
    );
    assert_eq!(server.sync(&connection), 1500 + 2500);
    assert_eq!(common::ids_on_disk(&out, "users"), all(2500));
    assert_eq!(common::ids_on_disk(&out, "orders"), all(2500));

    // A reset forgets the state: the next sync reads users from the start.
    let reset = server.ok("connections/reset", json!({ "connectionId": connection }));
    let info = common::wait_for_job(server.port, &reset["job"]["id"]);
    assert_eq!(info["job"]["status"], "succeeded", "the reset: {info}");
    assert!(common::ids_on_disk(&out, "users").is_empty());
    assert_eq!(server.sync(&connection), 5000);
    assert_eq!(common::ids_on_disk(&out, "users"), all(2500));
}

#[test]
fn sample_source_syncs_on_sqlite() {
    scenario(TestBackend::Sqlite);
}

#[test]
fn sample_source_syncs_on_postgres() {
    scenario(TestBackend::Postgres);
}
