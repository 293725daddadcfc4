//! Connector secrets at rest, as an operator meets them with the `ferry` binary: the key
//! generated on SQLite (mode 0600) or refused without one on PostgreSQL, a sync whose
//! connector still gets the clear secret, nothing in clear in the database's bytes, a wrong
//! key refused at start naming `secrets.key`, and `ferry secrets rotate --new-key`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ferry_persistence::secrets::{SecretKey, PREFIX};
use ferry_persistence::testing::{TestBackend, TestDatabase};
use serde_json::{json, Value};

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const WORKSPACE: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";
const SECRET: &str = "hunter2";
const OTHER_SECRET: &str = "-----BEGIN KEY at rest";

struct Instance {
    dir: tempfile::TempDir,
    url: String,
    port: u16,
    _database: Option<TestDatabase>,
}

struct Running {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Instance {
    fn new(backend: TestBackend) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let (url, database) = match backend {
            TestBackend::Sqlite => (
                format!(
                    "sqlite://{}",
                    dir.path().join("data/ferry.sqlite3").display()
                ),
                None,
            ),
            TestBackend::Postgres => {
                let database = TestDatabase::empty(TestBackend::Postgres);
                (database.url.clone(), Some(database))
            }
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../api/tests/connectors/fixture-connector.sh");
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\nworkers = 1\n\
             [database]\nurl = \"{url}\"\n\
             [worker]\npoll_interval_ms = 200\nheartbeat_secs = 1\n\
             [connectors]\ndocker = false\n\
             [connectors.commands]\n\"ferry-test/source-fixture\" = [\"sh\", \"{fixture}\"]\n",
            fixture = fixture.display(),
        );
        std::fs::write(dir.path().join("ferry.toml"), config).unwrap();
        Instance {
            dir,
            url,
            port,
            _database: database,
        }
    }

    /// `ferry --config ferry.toml ARGS`, with `key` as secrets.key (none: unset).
    fn command(&self, key: Option<&str>, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
        command
            .args(["--config", "ferry.toml"])
            .args(args)
            .env_remove("RUST_LOG")
            .env_remove("FERRY_SECRETS__KEY")
            .env_remove("FERRY_SECRETS_NEW_KEY")
            .current_dir(self.dir.path());
        if let Some(key) = key {
            command.env("FERRY_SECRETS__KEY", key);
        }
        command
    }

    fn serve(&self, key: Option<&str>) -> Running {
        let log = std::fs::File::create(self.dir.path().join("ferry.log")).unwrap();
        let child = self
            .command(key, &["serve"])
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let mut running = Running {
            child,
            port: self.port,
            log: self.dir.path().join("ferry.log"),
        };
        common::wait_until_healthy(running.port, &mut running.child, &running.log);
        running
    }

    /// `ferry serve` that must refuse to start: its exit and everything it printed.
    fn refused(&self, key: Option<&str>) -> String {
        use std::io::Read;
        // A `Running`, so that a ferry that started after all is killed when the test fails.
        let mut refusing = Running {
            child: self
                .command(key, &["serve"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
            port: self.port,
            log: self.dir.path().join("ferry.log"),
        };
        let status = common::wait_for(
            "ferry serve to refuse to start and exit",
            common::PATIENCE,
            || {
                refusing.child.try_wait().unwrap().ok_or_else(|| {
                    match refusing.request("/api/v1/health", None) {
                        Ok(answer) => format!("it runs, and answers health: {answer:?}"),
                        Err(_) => "it runs".to_string(),
                    }
                })
            },
        );
        let mut printed = Vec::new();
        let child = &mut refusing.child;
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut printed)
            .unwrap();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_end(&mut printed)
            .unwrap();
        let printed = String::from_utf8_lossy(&printed).into_owned();
        assert!(!status.success(), "ferry exited 0: {printed}");
        printed
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("ferry.log")).unwrap_or_default()
    }

    /// Everything the database holds, as bytes: the SQLite file and its WAL, or a pg_dump.
    fn database_bytes(&self) -> Vec<u8> {
        match self.url.strip_prefix("sqlite://") {
            Some(path) => {
                let mut bytes = std::fs::read(path).unwrap();
                if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                    bytes.extend(wal);
                }
                bytes
            }
            None => {
                let dump = Command::new("pg_dump")
                    .args(["--no-owner", "--dbname", &self.url])
                    .output()
                    .expect("pg_dump runs (it comes with PostgreSQL)");
                assert!(
                    dump.status.success(),
                    "{}",
                    String::from_utf8_lossy(&dump.stderr)
                );
                dump.stdout
            }
        }
    }

    fn records(&self) -> String {
        let dir = self.dir.path().join("data/local-json/accounts-out");
        let mut all = String::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        all
    }
}

impl Running {
    fn request(&self, path: &str, body: Option<&Value>) -> std::io::Result<(u16, Value)> {
        let method = if body.is_some() { "POST" } else { "GET" };
        common::http(self.port, method, path, body)
    }

    fn ok(&self, path: &str, body: Value) -> Value {
        let (status, reply) = self
            .request(&format!("/api/v1/{path}"), Some(&body))
            .unwrap();
        assert_eq!(status, 200, "{path}: {reply}");
        reply
    }

    fn check(&self, source: &Value) -> Value {
        self.ok("sources/check_connection", json!({ "sourceId": source }))
    }

    /// Syncs and waits for the job to end; returns its status.
    fn sync(&self, connection: &Value) -> String {
        let job =
            self.ok("connections/sync", json!({ "connectionId": connection }))["job"]["id"].clone();
        let info = common::wait_for_job(self.port, &job);
        info["job"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn stop(mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        common::wait_for_exit(&mut self.child, "ferry, after SIGTERM,", &self.log);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn new_key() -> String {
    SecretKey::generate().unwrap().1
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A fixture source holding secrets, Ferry's local-json destination and a connection of the
/// fixture's one stream; returns (source id, connection id).
fn source_and_connection(ferry: &Running) -> (Value, Value) {
    let definition = ferry.ok(
        "source_definitions/create",
        json!({ "name": "Fixture", "dockerRepository": "ferry-test/source-fixture", "dockerImageTag": "1",
                "documentationUrl": "https://docs.ferry.invalid/fixture" }),
    )["sourceDefinitionId"]
        .clone();
    let source = ferry.ok(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": definition, "name": "secret",
                "connectionConfiguration": { "host": "db.internal", "password": SECRET,
                    "tunnel": { "method": "key", "ssh_key": OTHER_SECRET } } }),
    )["sourceId"]
        .clone();
    let local_json = ferry.ok("destination_definitions/list", json!({}))["destinationDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dockerRepository"] == "ferry/destination-local-json")
        .unwrap()["destinationDefinitionId"]
        .clone();
    let destination = ferry.ok(
        "destinations/create",
        json!({ "workspaceId": WORKSPACE, "destinationDefinitionId": local_json, "name": "out",
                "connectionConfiguration": { "destination_path": "accounts-out" } }),
    )["destinationId"]
        .clone();
    let accounts = json!({ "streams": [{ "name": "accounts", "fields": [], "selected": true,
                                         "syncMode": "full_refresh" }] });
    let connection = ferry.ok(
        "connections/create",
        json!({ "sourceId": source, "destinationId": destination, "syncMode": "full_refresh",
                "syncSchema": accounts, "status": "active" }),
    )["connectionId"]
        .clone();
    (source, connection)
}

fn scenario(backend: TestBackend) {
    let instance = Instance::new(backend);
    // SQLite generates its key beside the database; PostgreSQL refuses to start without one.
    let first_key = match backend {
        TestBackend::Sqlite => None,
        TestBackend::Postgres => {
            let refusal = instance.refused(None);
            assert!(refusal.contains("secrets.key"), "{refusal}");
            assert!(refusal.contains("FERRY_SECRETS__KEY"), "{refusal}");
            Some(new_key())
        }
    };
    let ferry = instance.serve(first_key.as_deref());
    if backend == TestBackend::Sqlite {
        use std::os::unix::fs::PermissionsExt;
        let file: PathBuf = instance.dir.path().join("data/secrets.key");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        SecretKey::from_base64(&std::fs::read_to_string(&file).unwrap()).unwrap();
    }
    let (source, connection) = source_and_connection(&ferry);
    let hunter2 = json!({ "status": "succeeded", "message": "the stored password is hunter2" });
    assert_eq!(ferry.check(&source), hunter2);
    assert_eq!(ferry.sync(&connection), "succeeded", "{}", instance.log());
    assert!(
        instance.records().contains("password ok"),
        "{}",
        instance.records()
    );
    ferry.stop();

    let bytes = instance.database_bytes();
    for secret in [SECRET, OTHER_SECRET] {
        assert!(!contains(&bytes, secret), "{secret} is stored in clear");
    }
    assert!(contains(&bytes, PREFIX) && contains(&bytes, "db.internal"));
    assert!(!instance.log().contains(SECRET), "a secret reached the log");

    // A wrong key is refused at start, naming the key.
    let refusal = instance.refused(Some(&new_key()));
    assert!(refusal.contains("secrets.key"), "{refusal}");

    // Rotation to a new key, with the old one configured.
    let rotated_to = new_key();
    let output: Output = instance
        .command(first_key.as_deref(), &["secrets", "rotate"])
        .env("FERRY_SECRETS_NEW_KEY", &rotated_to)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let done: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(done["rewritten"], 1, "{done}");
    assert_eq!(
        done["keyId"],
        SecretKey::from_base64(&rotated_to).unwrap().id()
    );
    // Again: nothing left to do.
    let again = instance
        .command(
            first_key.as_deref(),
            &["secrets", "rotate", "--new-key", &rotated_to],
        )
        .output()
        .unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["rewritten"], 0, "{again}");

    // The old key alone no longer reads the database; the new one does, and syncs.
    let refusal = instance.refused(first_key.as_deref());
    assert!(refusal.contains("secrets.key"), "{refusal}");
    let ferry = instance.serve(Some(&rotated_to));
    assert_eq!(ferry.check(&source), hunter2);
    assert_eq!(ferry.sync(&connection), "succeeded", "{}", instance.log());
    ferry.stop();
    let bytes = instance.database_bytes();
    assert!(!contains(&bytes, SECRET));
}

#[test]
fn secrets_at_rest_on_sqlite() {
    scenario(TestBackend::Sqlite);
}

#[test]
fn secrets_at_rest_on_postgres() {
    scenario(TestBackend::Postgres);
}
