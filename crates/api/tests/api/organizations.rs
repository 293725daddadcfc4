//! organizations/* and how workspaces belong to them.

use crate::fixtures::{id, DEFAULT_WORKSPACE, UNKNOWN_ID};
use crate::support::{assert_invalid, assert_not_found};
use serde_json::json;

const DEFAULT_ORGANIZATION: &str = "00000000-0000-0000-0000-000000000000";

on_both_backends! {
    async fn the_default_organization_holds_the_default_workspace(app: TestApp) {
        let organization = app
            .ok("organizations/get", json!({ "organizationId": DEFAULT_ORGANIZATION }))
            .await;
        assert_eq!(organization["organizationName"], "Default Organization");
        let workspace = app.ok("workspaces/get", json!({ "workspaceId": DEFAULT_WORKSPACE })).await;
        assert_eq!(workspace["organizationId"], DEFAULT_ORGANIZATION);
        let created = app.ok("workspaces/create", json!({ "name": "No org given" })).await;
        assert_eq!(created["organizationId"], DEFAULT_ORGANIZATION);
        let reply = app
            .post("organizations/delete", json!({ "organizationId": DEFAULT_ORGANIZATION }))
            .await;
        assert_eq!(reply.status, 409, "{}", reply.body);
    }

    async fn organizations_lifecycle(app: TestApp) {
        let created = app
            .ok("organizations/create", json!({ "organizationName": "Acme", "email": "it@acme.test" }))
            .await;
        let organization = id(&created, "organizationId");
        assert_eq!(created["organizationName"], "Acme");
        assert_eq!(created["email"], "it@acme.test");
        assert!(created["createdAt"].as_str().is_some() && created["updatedAt"].as_str().is_some());
        let read = app.ok("organizations/get", json!({ "organizationId": organization })).await;
        assert_eq!(read, created);
        let list = app.ok("organizations/list", json!({})).await;
        let names: Vec<&str> = list["organizations"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|o| o["organizationName"].as_str())
            .collect();
        assert_eq!(names, ["Default Organization", "Acme"]);

        let renamed = app
            .ok("organizations/update", json!({ "organizationId": organization, "organizationName": "Acme Inc" }))
            .await;
        assert_eq!(renamed["organizationName"], "Acme Inc");
        assert_eq!(renamed["email"], "it@acme.test", "a partial update keeps the email");

        // A workspace in it blocks its deletion, with the count.
        let workspace = app
            .ok("workspaces/create", json!({ "name": "W", "organizationId": organization }))
            .await;
        assert_eq!(workspace["organizationId"], organization.as_str());
        let reply = app.post("organizations/delete", json!({ "organizationId": organization })).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        assert!(reply.body["message"].as_str().unwrap_or_default().contains("1 live workspace"));
        app.post("workspaces/delete", json!({ "workspaceId": workspace["workspaceId"] })).await;
        let reply = app.post("organizations/delete", json!({ "organizationId": organization })).await;
        assert_eq!(reply.status, 204, "{}", reply.body);
        let list = app.ok("organizations/list", json!({})).await;
        assert_eq!(list["organizations"].as_array().map(Vec::len), Some(1));
        // Deleted: still readable, no longer a home for workspaces.
        app.ok("organizations/get", json!({ "organizationId": organization })).await;
        let reply = app
            .post("workspaces/create", json!({ "name": "Late", "organizationId": organization }))
            .await;
        assert_not_found(&reply, "Organization", &organization);
    }

    async fn organization_errors(app: TestApp) {
        for verb in ["get", "delete"] {
            let reply = app.post(&format!("organizations/{verb}"), json!({ "organizationId": UNKNOWN_ID })).await;
            assert_not_found(&reply, "Organization", UNKNOWN_ID);
        }
        let reply = app
            .post("organizations/update", json!({ "organizationId": UNKNOWN_ID, "organizationName": "x" }))
            .await;
        assert_not_found(&reply, "Organization", UNKNOWN_ID);
        assert_invalid(&app.post("organizations/create", json!({})).await, "organizationName");
        let reply = app
            .post("organizations/create", json!({ "organizationName": "x", "email": "nope" }))
            .await;
        assert_invalid(&reply, "email");
        let reply = app
            .post("workspaces/create", json!({ "name": "W", "organizationId": UNKNOWN_ID }))
            .await;
        assert_not_found(&reply, "Organization", UNKNOWN_ID);
    }
}
