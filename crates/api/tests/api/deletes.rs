//! Deletes stop the work they orphan (issue 19): deleting a connection, its source, its
//! destination or its workspace cancels the connection's pending job in the same
//! transaction, with the reason in `jobs/get`. (The suite's apps run no worker, so a queued
//! sync stays pending until something ends it; running syncs are covered end to end in
//! crates/server/tests/connectors.rs.)

use crate::fixtures::{self, id};
use crate::support::TestApp;
use serde_json::{json, Value};

/// A connection with a queued sync: (workspace, source, destination, connection, job id).
async fn queued(app: &TestApp, name: &str) -> (String, String, String, String, Value) {
    let (workspace, source, destination) = fixtures::pair(app, name).await;
    let connection = id(
        &fixtures::connection(app, &source, &destination).await,
        "connectionId",
    );
    let job = app
        .ok("connections/sync", json!({ "connectionId": connection }))
        .await;
    assert_eq!(job["job"]["status"], "pending");
    (
        workspace,
        source,
        destination,
        connection,
        job["job"]["id"].clone(),
    )
}

async fn assert_cancelled(app: &TestApp, job: &Value, reason: &str) {
    let info = app.ok("jobs/get", json!({ "id": job })).await;
    assert_eq!(info["job"]["status"], "cancelled", "{info}");
    assert_eq!(info["job"]["cancelReason"], reason, "{info}");
}

on_both_backends! {
    async fn each_delete_cancels_the_jobs_it_orphans(app: TestApp) {
        let (_, _, _, connection, job) = queued(&app, "By connection").await;
        app.post("connections/delete", json!({ "connectionId": connection })).await;
        assert_cancelled(&app, &job, "connection deleted").await;

        let (_, source, _, _, job) = queued(&app, "By source").await;
        app.post("sources/delete", json!({ "sourceId": source })).await;
        assert_cancelled(&app, &job, "source deleted").await;

        let (_, _, destination, _, job) = queued(&app, "By destination").await;
        app.post("destinations/delete", json!({ "destinationId": destination })).await;
        assert_cancelled(&app, &job, "destination deleted").await;

        let (workspace, _, _, _, job) = queued(&app, "By workspace").await;
        app.post("workspaces/delete", json!({ "workspaceId": workspace })).await;
        assert_cancelled(&app, &job, "workspace deleted").await;

        // jobs/cancel records its own reason; an untouched job has none.
        let (_, _, _, connection, job) = queued(&app, "Manual").await;
        app.ok("jobs/cancel", json!({ "id": job })).await;
        assert_cancelled(&app, &job, "cancelled through jobs/cancel").await;
        let again = app.ok("connections/sync", json!({ "connectionId": connection })).await;
        assert!(again["job"].get("cancelReason").is_none(), "{again}");
    }

    async fn making_things_inactive_cancels_nothing(app: TestApp) {
        let (workspace, _, _, connection, job) = queued(&app, "Inactive").await;
        let schema = app.ok("connections/get", json!({ "connectionId": connection })).await["syncSchema"].clone();
        app.ok("connections/update", json!({ "connectionId": connection, "syncSchema": schema, "status": "inactive" })).await;
        app.ok("workspaces/update", json!({ "workspaceId": workspace, "status": "inactive" })).await;
        let info = app.ok("jobs/get", json!({ "id": job })).await;
        assert_eq!(info["job"]["status"], "pending", "inactive stops scheduling, not work: {info}");
    }
}
