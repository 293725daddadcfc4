//! Connector secrets at rest, as an operator meets them with the `ferry` binary: the key
//! generated on SQLite (mode 0600) or refused without one on PostgreSQL, a sync whose
//! connector still gets the clear secret, nothing in clear in the database's bytes, a wrong
//! key refused at start naming `secrets.key`, and `ferry secrets rotate --new-key`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ferry::Ferry;
use ferry_persistence::secrets::{SecretKey, PREFIX};
use ferry_persistence::testing::TestBackend;
use serde_json::{json, Value};

use std::path::PathBuf;
use std::process::{Command, Output};

const WORKSPACE: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";
const SECRET: &str = "hunter2";
const OTHER_SECRET: &str = "-----BEGIN KEY at rest";

/// A `ferry` with no `secrets.key` configured: on SQLite its own file in its directory
/// (`data/ferry.sqlite3`), on PostgreSQL a fresh database. Not started.
fn instance(backend: TestBackend) -> Ferry {
    let ferry = Ferry::builder(backend)
        .setting("server", "workers = 1")
        .fixture_connector()
        .env_remove("FERRY_SECRETS__KEY")
        .env_remove("FERRY_SECRETS_NEW_KEY");
    match backend {
        TestBackend::Sqlite => ferry.sqlite_file("data/ferry.sqlite3"),
        TestBackend::Postgres => ferry.without_secrets_key(),
    }
    .configure()
}

/// `ferry ARGS`, with `key` as secrets.key (none: unset).
fn command(ferry: &mut Ferry, key: Option<&str>, args: &[&str]) -> Command {
    ferry.set_env("FERRY_SECRETS__KEY", key);
    ferry.command(args)
}

/// `ferry serve` with `key` as secrets.key (none: unset), waited for.
fn serve(ferry: &mut Ferry, key: Option<&str>) {
    ferry.set_env("FERRY_SECRETS__KEY", key);
    ferry.serve();
}

/// `ferry serve` with `key` that must refuse to start: everything it printed.
fn refused(ferry: &mut Ferry, key: Option<&str>) -> String {
    ferry.set_env("FERRY_SECRETS__KEY", key);
    let output = ferry.serve_refused();
    let mut printed = output.stdout;
    printed.extend(output.stderr);
    String::from_utf8_lossy(&printed).into_owned()
}

/// Everything the database holds, as bytes: the SQLite file and its WAL, or a pg_dump.
fn database_bytes(ferry: &Ferry) -> Vec<u8> {
    let url = ferry.database_url();
    match url.strip_prefix("sqlite://") {
        Some(path) => {
            let mut bytes = std::fs::read(path).unwrap();
            if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                bytes.extend(wal);
            }
            bytes
        }
        None => {
            let dump = Command::new("pg_dump")
                .args(["--no-owner", "--dbname", url])
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

fn records(ferry: &Ferry) -> String {
    let dir = ferry.local_json("accounts-out");
    let mut all = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    all
}

fn check(ferry: &Ferry, source: &Value) -> Value {
    ferry.ok("sources/check_connection", json!({ "sourceId": source }))
}

/// Syncs and waits for the job to end; returns its status.
fn sync(ferry: &Ferry, connection: &Value) -> String {
    let job =
        ferry.ok("connections/sync", json!({ "connectionId": connection }))["job"]["id"].clone();
    let info = common::wait_for_job(ferry.port, &job);
    info["job"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
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
fn source_and_connection(ferry: &Ferry) -> (Value, Value) {
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
    let mut ferry = instance(backend);
    // SQLite generates its key beside the database; PostgreSQL refuses to start without one.
    let first_key = match backend {
        TestBackend::Sqlite => None,
        TestBackend::Postgres => {
            let refusal = refused(&mut ferry, None);
            assert!(refusal.contains("secrets.key"), "{refusal}");
            assert!(refusal.contains("FERRY_SECRETS__KEY"), "{refusal}");
            Some(new_key())
        }
    };
    serve(&mut ferry, first_key.as_deref());
    if backend == TestBackend::Sqlite {
        use std::os::unix::fs::PermissionsExt;
        let file: PathBuf = ferry.dir.path().join("data/secrets.key");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        SecretKey::from_base64(&std::fs::read_to_string(&file).unwrap()).unwrap();
    }
    let (source, connection) = source_and_connection(&ferry);
    let hunter2 = json!({ "status": "succeeded", "message": "the stored password is hunter2" });
    assert_eq!(check(&ferry, &source), hunter2);
    assert_eq!(sync(&ferry, &connection), "succeeded", "{}", ferry.log());
    assert!(
        records(&ferry).contains("password ok"),
        "{}",
        records(&ferry)
    );
    ferry.stop_with("TERM");

    let bytes = database_bytes(&ferry);
    for secret in [SECRET, OTHER_SECRET] {
        assert!(!contains(&bytes, secret), "{secret} is stored in clear");
    }
    assert!(contains(&bytes, PREFIX) && contains(&bytes, "db.internal"));
    assert!(!ferry.log().contains(SECRET), "a secret reached the log");

    // A wrong key is refused at start, naming the key.
    let refusal = refused(&mut ferry, Some(&new_key()));
    assert!(refusal.contains("secrets.key"), "{refusal}");

    // Rotation to a new key, with the old one configured.
    let rotated_to = new_key();
    let output: Output = command(&mut ferry, first_key.as_deref(), &["secrets", "rotate"])
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
    let again = command(
        &mut ferry,
        first_key.as_deref(),
        &["secrets", "rotate", "--new-key", &rotated_to],
    )
    .output()
    .unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["rewritten"], 0, "{again}");

    // The old key alone no longer reads the database; the new one does, and syncs.
    let refusal = refused(&mut ferry, first_key.as_deref());
    assert!(refusal.contains("secrets.key"), "{refusal}");
    serve(&mut ferry, Some(&rotated_to));
    assert_eq!(check(&ferry, &source), hunter2);
    assert_eq!(sync(&ferry, &connection), "succeeded", "{}", ferry.log());
    ferry.stop_with("TERM");
    let bytes = database_bytes(&ferry);
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
