//! End to end with nothing but the `ferry` binary: the built-in sample source syncs into the
//! built-in local-json destination through a real `ferry serve`, in full refresh and
//! incrementally, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ferry::Ferry;
use ferry_persistence::testing::TestBackend;
use serde_json::{json, Value};

const WORKSPACE: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";

/// Syncs `connection` and waits for the job to succeed; returns its records synced.
fn sync(server: &Ferry, connection: &Value) -> i64 {
    let job =
        server.ok("connections/sync", json!({ "connectionId": connection }))["job"]["id"].clone();
    let info = common::wait_for_job(server.port, &job);
    assert_eq!(info["job"]["status"], "succeeded", "{info}");
    info["attempts"][0]["attempt"]["recordsSynced"]
        .as_i64()
        .unwrap()
}

fn scenario(backend: TestBackend) {
    // No connector configured: only what ships inside the binary.
    let server = Ferry::builder(backend).start();
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
    assert_eq!(sync(&server, &connection), 2000);
    assert_eq!(common::ids_on_disk(&out, "users"), all(1000));
    assert_eq!(common::ids_on_disk(&out, "orders"), all(1000));
    assert!(
        !out.join("events.jsonl").exists(),
        "events was not selected"
    );

    // Again with the same count: users has nothing after its state; orders is rewritten.
    assert_eq!(sync(&server, &connection), 1000);
    assert_eq!(common::ids_on_disk(&out, "users"), all(1000));
    assert_eq!(common::ids_on_disk(&out, "orders"), all(1000));

    // A larger count: users gets only the new records, appended without duplicates.
    server.ok(
        "sources/update",
        json!({ "sourceId": source["sourceId"], "name": "sample",
                "connectionConfiguration": { "count": 2500, "seed": 42 } }),
    );
    assert_eq!(sync(&server, &connection), 1500 + 2500);
    assert_eq!(common::ids_on_disk(&out, "users"), all(2500));
    assert_eq!(common::ids_on_disk(&out, "orders"), all(2500));

    // A reset forgets the state: the next sync reads users from the start.
    let reset = server.ok("connections/reset", json!({ "connectionId": connection }));
    let info = common::wait_for_job(server.port, &reset["job"]["id"]);
    assert_eq!(info["job"]["status"], "succeeded", "the reset: {info}");
    assert!(common::ids_on_disk(&out, "users").is_empty());
    assert_eq!(sync(&server, &connection), 5000);
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
