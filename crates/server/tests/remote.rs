//! `workspaces/sync_from_remote` between two real `ferry serve` processes: the remote one
//! with auth on (Basic administrator), listing its workspaces over several pages; the local
//! one, on SQLite and on PostgreSQL, copies those it does not know, keeping their ids, and a
//! second run copies nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ferry::Ferry;
use ferry_persistence::testing::{TestBackend, TestDatabase};
use serde_json::json;

const USER: &str = "remote-admin";
const PASSWORD: &str = "remote admin password";
const ORGANIZATION: &str = "00000000-0000-0000-0000-000000000000";

/// A `ferry serve` on `database`, without a worker, stopped when dropped.
fn start(database: &TestDatabase, auth: bool) -> Ferry {
    let ferry = Ferry::builder(TestBackend::Sqlite)
        .database(database)
        .setting("worker", "enabled = false");
    match auth {
        true => ferry
            .setting("auth", "enabled = true")
            .setting("auth", &format!("basic_username = \"{USER}\""))
            .setting("auth", &format!("basic_password = \"{PASSWORD}\"")),
        false => ferry,
    }
    .start()
}

fn basic() -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    format!("Basic {encoded}")
}

fn copies_the_remote_workspaces(backend: TestBackend) {
    let remote_db = TestDatabase::new(TestBackend::Sqlite);
    let local_db = TestDatabase::new(backend);
    let remote = start(&remote_db, true);
    let local = start(&local_db, false);
    let admin = basic();

    // More than one page (the client asks for 100 at a time).
    let mut made = Vec::new();
    for i in 0..150 {
        let (status, body) = remote.post_with(
            "workspaces/create",
            json!({ "name": format!("remote {i}"), "email": "ops@example.com" }),
            Some(&admin),
        );
        assert_eq!(status, 200, "{body}");
        made.push(body["workspaceId"].as_str().unwrap().to_string());
    }
    let (status, refused) = remote.post_with("workspaces/list", json!({}), None);
    assert_eq!(status, 401, "auth is on there: {refused}");

    let request = json!({
        "url": format!("http://127.0.0.1:{}/api", remote.port), "organizationId": ORGANIZATION,
        "authorization": { "type": "basic", "username": USER, "password": PASSWORD }
    });
    let (status, synced) = local.post_with("workspaces/sync_from_remote", request.clone(), None);
    assert_eq!(status, 200, "{synced}");
    // The remote's default workspace has the id of the local one: known, not copied.
    assert_eq!(synced["totalCount"], 151, "{synced}");
    assert_eq!(synced["createdCount"], 150);
    let mut created: Vec<String> = synced["createdWorkspaceIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_string())
        .collect();
    created.sort();
    made.sort();
    assert_eq!(created, made);
    let (_, copy) = local.post_with("workspaces/get", json!({ "workspaceId": made[0] }), None);
    assert!(
        copy["name"].as_str().unwrap().starts_with("remote "),
        "{copy}"
    );
    assert_eq!(copy["email"], "ops@example.com");
    assert_eq!(copy["organizationId"], ORGANIZATION);

    // Again: nothing new.
    let (status, again) = local.post_with("workspaces/sync_from_remote", request.clone(), None);
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["totalCount"], 151);
    assert_eq!(again["createdCount"], 0);
    assert_eq!(again["createdWorkspaceIds"], json!([]));
    let (_, listed) = local.post_with("workspaces/list", json!({}), None);
    assert_eq!(listed["total"], 151);

    // A token the remote does not know: a 502 naming its 401.
    let mut wrong = request.clone();
    wrong["authorization"] = json!({ "type": "bearer", "token": "not-a-token" });
    let (status, failed) = local.post_with("workspaces/sync_from_remote", wrong, None);
    assert_eq!(status, 502, "{failed}");
    assert_eq!(failed["error"], "UPSTREAM_FAILED");
    assert!(
        failed["message"].as_str().unwrap().contains("401"),
        "{failed}"
    );
    assert!(!failed.to_string().contains("not-a-token"), "{failed}");
    // The remote stopped: no answer is a 502 too.
    drop(remote);
    let (status, failed) = local.post_with("workspaces/sync_from_remote", request, None);
    assert_eq!(status, 502, "{failed}");
}

#[test]
fn sync_from_remote_copies_unknown_workspaces_on_sqlite() {
    copies_the_remote_workspaces(TestBackend::Sqlite);
}

#[test]
fn sync_from_remote_copies_unknown_workspaces_on_postgres() {
    copies_the_remote_workspaces(TestBackend::Postgres);
}
