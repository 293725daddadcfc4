//! workspaces/create|get|get_by_slug|list|update|delete.

use crate::support::{assert_invalid, assert_not_found, TestApp};
use serde_json::{json, Value};

const DEFAULT_ID: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";
const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000001";

fn names(list: &Value) -> Vec<String> {
    list["workspaces"]
        .as_array()
        .expect("workspaces array")
        .iter()
        .map(|w| w["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn create(app: &TestApp, name: &str) -> Value {
    app.ok("workspaces/create", json!({ "name": name })).await
}

on_both_backends! {
    async fn the_default_workspace_exists_from_the_first_start(app: TestApp) {
        let workspace = app.ok("workspaces/get", json!({ "workspaceId": DEFAULT_ID })).await;
        assert_eq!(workspace["name"], "default");
        assert_eq!(workspace["slug"], "default");
        assert_eq!(workspace["initialSetupComplete"], false);
        assert_eq!(workspace["onboardingComplete"], false);
        assert_eq!(workspace["tombstone"], false);
        let customer_id = workspace["customerId"].as_str().expect("customerId");
        assert!(uuid::Uuid::parse_str(customer_id).is_ok());
        assert_ne!(customer_id, DEFAULT_ID);
        let by_slug = app.ok("workspaces/get_by_slug", json!({ "slug": "default" })).await;
        assert_eq!(by_slug, workspace);
    }

    async fn create_derives_a_unique_slug_and_reads_back(app: TestApp) {
        let first = app
            .ok(
                "workspaces/create",
                json!({ "name": "  Marketing Team ", "email": "ops@example.com", "news": true }),
            )
            .await;
        assert_eq!(first["name"], "Marketing Team");
        assert_eq!(first["slug"], "marketing-team");
        assert_eq!(first["email"], "ops@example.com");
        assert_eq!(first["news"], true);
        assert_eq!(first["securityUpdates"], false);
        let second = create(&app, "Marketing  team!").await;
        let third = create(&app, "marketing-team").await;
        assert_eq!(second["slug"], "marketing-team-2");
        assert_eq!(third["slug"], "marketing-team-3");
        let id = first["workspaceId"].as_str().expect("id");
        let read = app.ok("workspaces/get", json!({ "workspaceId": id })).await;
        assert_eq!(read, first);
        let by_slug = app.ok("workspaces/get_by_slug", json!({ "slug": "marketing-team-2" })).await;
        assert_eq!(by_slug, second);
    }

    async fn concurrent_creates_with_one_name_get_distinct_slugs(app: TestApp) {
        let creates = (0..6).map(|_| app.post("workspaces/create", json!({ "name": "Race" })));
        let replies = futures_util::future::join_all(creates).await;
        let mut slugs: Vec<String> = replies
            .iter()
            .map(|r| {
                assert_eq!(r.status, 200, "{}", r.body);
                r.body["slug"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        slugs.sort();
        assert_eq!(slugs, ["race", "race-2", "race-3", "race-4", "race-5", "race-6"]);
    }

    async fn list_shows_live_workspaces_oldest_first(app: TestApp) {
        for name in ["b", "a", "c"] {
            create(&app, name).await;
        }
        let list = app.ok("workspaces/list", json!({})).await;
        assert_eq!(names(&list), ["default", "b", "a", "c"]);
        // No body at all works too, as the contract has no request body here.
        let bare = app.post_raw("workspaces/list", None, Vec::new()).await;
        assert_eq!(bare.status, 200);
        assert_eq!(names(&bare.body), ["default", "b", "a", "c"]);
    }

    async fn update_sets_flags_and_keeps_an_absent_email(app: TestApp) {
        let created = app
            .ok("workspaces/create", json!({ "name": "Ops", "email": "a@example.com" }))
            .await;
        let id = created["workspaceId"].clone();
        let update = json!({
            "workspaceId": id,
            "initialSetupComplete": true,
            "onboardingComplete": true,
            "anonymousDataCollection": true,
            "news": false,
            "securityUpdates": true
        });
        let updated = app.ok("workspaces/update", update.clone()).await;
        assert_eq!(updated["initialSetupComplete"], true);
        assert_eq!(updated["onboardingComplete"], true);
        assert_eq!(updated["anonymousDataCollection"], true);
        assert_eq!(updated["securityUpdates"], true);
        assert_eq!(updated["email"], "a@example.com");
        assert_eq!(updated["name"], "Ops");
        assert_eq!(updated["slug"], "ops");
        let mut with_email = update;
        with_email["email"] = json!("b@example.com");
        let updated = app.ok("workspaces/update", with_email).await;
        assert_eq!(updated["email"], "b@example.com");
        let read = app.ok("workspaces/get", json!({ "workspaceId": id })).await;
        assert_eq!(read, updated);
    }

    async fn update_rejects_bad_emails_and_unknown_ids(app: TestApp) {
        let flags = json!({
            "initialSetupComplete": true, "onboardingComplete": true,
            "anonymousDataCollection": true, "news": true, "securityUpdates": true
        });
        let mut bad_email = flags.clone();
        bad_email["workspaceId"] = json!(DEFAULT_ID);
        bad_email["email"] = json!("not-an-email");
        let reply = app.post("workspaces/update", bad_email).await;
        assert_invalid(&reply, "email");
        assert_eq!(reply.body["validationErrors"][0]["invalidValue"], "not-an-email");
        let mut unknown = flags;
        unknown["workspaceId"] = json!(UNKNOWN_ID);
        assert_not_found(&app.post("workspaces/update", unknown).await, "Workspace", UNKNOWN_ID);
        assert_invalid(&app.post("workspaces/update", json!({ "news": true })).await, "workspaceId");
    }

    async fn delete_is_soft_and_idempotent(app: TestApp) {
        let created = create(&app, "Temp").await;
        let id = created["workspaceId"].as_str().expect("id").to_string();
        let deleted = app.post("workspaces/delete", json!({ "workspaceId": id })).await;
        assert_eq!(deleted.status, 204, "{}", deleted.body);
        assert_eq!(deleted.body, Value::Null);
        let read = app.ok("workspaces/get", json!({ "workspaceId": id })).await;
        assert_eq!(read["tombstone"], true);
        assert_eq!(names(&app.ok("workspaces/list", json!({})).await), ["default"]);
        let again = app.post("workspaces/delete", json!({ "workspaceId": id })).await;
        assert_eq!(again.status, 204);
        let update = app
            .post(
                "workspaces/update",
                json!({
                    "workspaceId": id, "initialSetupComplete": true, "onboardingComplete": true,
                    "anonymousDataCollection": true, "news": true, "securityUpdates": true
                }),
            )
            .await;
        assert_not_found(&update, "Workspace", &id);
        // The slug stays taken, so get_by_slug never becomes ambiguous.
        let successor = create(&app, "Temp").await;
        assert_eq!(successor["slug"], "temp-2");
        let unknown = app.post("workspaces/delete", json!({ "workspaceId": UNKNOWN_ID })).await;
        assert_not_found(&unknown, "Workspace", UNKNOWN_ID);
    }

    async fn unknown_workspaces_are_404s(app: TestApp) {
        let reply = app.post("workspaces/get", json!({ "workspaceId": UNKNOWN_ID })).await;
        assert_not_found(&reply, "Workspace", UNKNOWN_ID);
        let reply = app.post("workspaces/get_by_slug", json!({ "slug": "nobody" })).await;
        assert_not_found(&reply, "Workspace", "nobody");
    }

    async fn create_rejects_invalid_input_naming_the_field(app: TestApp) {
        assert_invalid(&app.post("workspaces/create", json!({})).await, "name");
        assert_invalid(&app.post("workspaces/create", json!({ "name": "   " })).await, "name");
        assert_invalid(&app.post("workspaces/create", json!({ "name": 7 })).await, "name");
        let long = "x".repeat(257);
        assert_invalid(&app.post("workspaces/create", json!({ "name": long })).await, "name");
        let reply = app
            .post("workspaces/create", json!({ "name": "ok", "email": "nope" }))
            .await;
        assert_invalid(&reply, "email");
        let reply = app
            .post("workspaces/create", json!({ "name": "ok", "news": "yes" }))
            .await;
        assert_invalid(&reply, "news");
        assert_invalid(&app.post("workspaces/get", json!({ "workspaceId": "x" })).await, "workspaceId");
        assert_invalid(&app.post("workspaces/get_by_slug", json!({ "slug": "" })).await, "slug");
        // Nothing was created by the failures.
        assert_eq!(names(&app.ok("workspaces/list", json!({})).await), ["default"]);
    }
}
