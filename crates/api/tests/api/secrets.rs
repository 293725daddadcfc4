//! Connector secrets at rest: created through the API, they are nowhere in the database's
//! bytes (the SQLite file and its WAL, or a `pg_dump`), connectors still get them in clear,
//! and a rotation to a new key keeps every source usable.

use crate::fixtures::{self, id, DEFAULT_WORKSPACE};
use crate::support::TestApp;
use ferry_domain::secrets::MASK;
use ferry_persistence::secrets::{self, SecretBox, SecretKey, PREFIX};
use ferry_persistence::testing::TestDatabase;
use serde_json::{json, Value};

const SECRETS: [&str; 3] = ["hunter2", "BEGIN KEY", "t-1-token"];

fn config(host: &str) -> Value {
    json!({
        "host": host, "password": "hunter2",
        "tunnel": {"method": "key", "ssh_key": "-----BEGIN KEY"},
        "tokens": [{"token": "t-1-token"}]
    })
}

/// Everything the database holds, as bytes: the SQLite file and its WAL, or a `pg_dump`.
fn database_bytes(database: &TestDatabase) -> Vec<u8> {
    if database.url.starts_with("postgres") {
        let dump = std::process::Command::new("pg_dump")
            .args(["--no-owner", "--dbname", &database.url])
            .output()
            .expect("pg_dump runs (it comes with PostgreSQL)");
        assert!(
            dump.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&dump.stderr)
        );
        return dump.stdout;
    }
    let path = database
        .url
        .strip_prefix("sqlite://")
        .expect("an SQLite URL")
        .to_string();
    let mut bytes = std::fs::read(&path).expect("the SQLite file");
    for suffix in ["-wal", "-journal"] {
        if let Ok(more) = std::fs::read(format!("{path}{suffix}")) {
            bytes.extend(more);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

fn assert_encrypted_at_rest(database: &TestDatabase) {
    let bytes = database_bytes(database);
    for secret in SECRETS {
        assert!(!contains(&bytes, secret), "{secret} is stored in clear");
    }
    assert!(
        contains(&bytes, PREFIX),
        "the secrets are in the database, encrypted"
    );
    assert!(
        contains(&bytes, "db-0"),
        "the rest of the configuration is plain"
    );
}

async fn check(app: &TestApp, source: &str) -> Value {
    app.ok("sources/check_connection", json!({ "sourceId": source }))
        .await
}

on_both_backends! {
    async fn secrets_are_encrypted_at_rest_and_survive_a_rotation(app: TestApp) {
        let definition = fixtures::source_definition(&app, "Fixture").await;
        let mut sources = Vec::new();
        for n in 0..3 {
            let source = app
                .ok("sources/create", json!({ "workspaceId": DEFAULT_WORKSPACE,
                     "sourceDefinitionId": definition, "name": format!("s{n}"),
                     "connectionConfiguration": config(&format!("db-{n}")) }))
                .await;
            sources.push(id(&source, "sourceId"));
        }
        let destination = app
            .ok("destinations/create", json!({ "workspaceId": DEFAULT_WORKSPACE, "name": "d",
                 "destinationDefinitionId": fixtures::destination_definition(&app, "D").await,
                 "connectionConfiguration": { "password": "hunter2" } }))
            .await;
        // An update that sends the masks back keeps the (encrypted) secrets.
        let read = app.ok("sources/get", json!({ "sourceId": sources[0] })).await;
        assert_eq!(read["connectionConfiguration"]["password"], MASK);
        app.ok("sources/update", json!({ "sourceId": sources[0], "name": "renamed",
                "connectionConfiguration": read["connectionConfiguration"] }))
            .await;
        // A duplicated workspace copies the ciphertexts, which still decrypt.
        let copy = app
            .ok("workspaces/duplicate", json!({ "workspaceId": DEFAULT_WORKSPACE, "name": "Copy" }))
            .await;
        let copied = app
            .ok("sources/list", json!({ "workspaceId": copy["workspaceId"] }))
            .await["sources"][0]["sourceId"]
            .as_str()
            .unwrap()
            .to_string();
        sources.push(copied);

        assert_encrypted_at_rest(&app.database);
        let stored_password = json!({ "status": "succeeded", "message": "the stored password is hunter2" });
        for source in &sources {
            assert_eq!(check(&app, source).await, stored_password, "{source}");
        }
        let check_destination = app
            .ok("destinations/check_connection", json!({ "destinationId": destination["destinationId"] }))
            .await;
        assert_eq!(check_destination, stored_password);

        // Rotation: the new key encrypts while the old one still decrypts; afterwards the
        // new key alone reads every source.
        let TestApp { server, database, .. } = app;
        drop(server);
        let old_id = database.key().id().to_string();
        let (new, new_text) = SecretKey::generate().unwrap();
        let new_id = new.id().to_string();
        let old = database.key();
        let database = database.with_secrets(SecretBox::new(new, vec![old]));
        let rotated = secrets::rotate(&database.db).unwrap();
        // Three sources and a destination, and their copies.
        assert_eq!(rotated.rewritten, 8, "{rotated:?}");
        assert_eq!(secrets::rotate(&database.db).unwrap().rewritten, 0, "idempotent");
        let bytes = database_bytes(&database);
        assert!(contains(&bytes, &format!("{PREFIX}{new_id}:")));
        assert!(!contains(&bytes, &format!("{PREFIX}{old_id}:")), "nothing left under the old key");
        let only_new = SecretBox::new(SecretKey::from_base64(&new_text).unwrap(), vec![]);
        let app = TestApp::serve(database.with_secrets(only_new));
        for source in &sources {
            assert_eq!(check(&app, source).await, stored_password, "{source} after the rotation");
        }
        assert_encrypted_at_rest(&app.database);
        let keys = app.database.db.secrets().unwrap();
        let checked = app.database.db.run_blocking(|conn| secrets::check_key(conn, &keys)).unwrap();
        assert_eq!(checked, secrets::KeyCheck::Current, "the rotation recorded the new key");
    }
}
