//! connections/* and web_backend/connections/*.

use crate::fixtures::{self, id, schema, DEFAULT_WORKSPACE, UNKNOWN_ID};
use crate::support::{assert_invalid, assert_not_found, TestApp};
use serde_json::{json, Value};

async fn list_ids(app: &TestApp, path: &str, workspace: &str) -> Vec<String> {
    let list = app.ok(path, json!({ "workspaceId": workspace })).await;
    list["connections"]
        .as_array()
        .expect("array")
        .iter()
        .map(|c| id(c, "connectionId"))
        .collect()
}

async fn status(app: &TestApp, connection: &str) -> Value {
    app.ok("connections/get", json!({ "connectionId": connection }))
        .await["status"]
        .clone()
}

fn update_body(connection: &str, status: &str) -> Value {
    json!({ "connectionId": connection, "syncSchema": schema(), "status": status })
}

on_both_backends! {
    async fn web_reads_say_whether_a_connection_syncs_and_when_it_last_did(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "syncing").await;
        let connection = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let web = || async {
            let list = app.ok("web_backend/connections/list", json!({ "workspaceId": workspace })).await;
            let read = app.ok("web_backend/connections/get", json!({ "connectionId": connection })).await;
            assert_eq!(list["connections"][0], read);
            read
        };
        let mut newest = None;
        for _ in 0..3 {
            // A queued sync (no worker runs here) is syncing, and is the last sync.
            let job = app.ok("connections/sync", json!({ "connectionId": connection })).await;
            let read = web().await;
            assert_eq!(read["isSyncing"], true, "{read}");
            assert_eq!(read["lastSync"], job["job"]["createdAt"], "{read}");
            app.ok("jobs/cancel", json!({ "id": job["job"]["id"] })).await;
            newest = Some(job["job"]["createdAt"].clone());
        }
        let read = web().await;
        assert_eq!(read["isSyncing"], false, "{read}");
        assert_eq!(Some(read["lastSync"].clone()), newest, "{read}");
        // A reset syncs (isSyncing) but is not a sync (lastSync stays).
        app.ok("connections/reset", json!({ "connectionId": connection })).await;
        let read = web().await;
        assert_eq!(read["isSyncing"], true, "{read}");
        assert_eq!(Some(read["lastSync"].clone()), newest, "{read}");
    }

    async fn create_get_list_update_delete(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "Team").await;
        let created = fixtures::connection(&app, &source, &destination).await;
        let connection = id(&created, "connectionId");
        assert_eq!(created["name"], "faker <> files");
        assert_eq!(created["sourceId"], source.as_str());
        assert_eq!(created["destinationId"], destination.as_str());
        assert_eq!(created["syncMode"], "full_refresh");
        assert_eq!(created["syncSchema"], schema());
        assert_eq!(created["schedule"], json!({ "units": 6, "timeUnit": "hours" }));
        assert_eq!(created["status"], "active");
        let read = app.ok("connections/get", json!({ "connectionId": connection })).await;
        assert_eq!(read, created);

        // Minimal create: a given name, an empty schema, no schedule (manual).
        let minimal = app
            .ok(
                "connections/create",
                json!({ "name": "nightly", "sourceId": source, "destinationId": destination,
                        "syncMode": "incremental", "status": "inactive" }),
            )
            .await;
        assert_eq!(minimal["name"], "nightly");
        assert_eq!(minimal["syncSchema"], json!({ "streams": [] }));
        assert!(minimal.get("schedule").is_none(), "{minimal}");
        let second = id(&minimal, "connectionId");
        assert_eq!(list_ids(&app, "connections/list", &workspace).await, [connection.clone(), second.clone()]);
        assert!(list_ids(&app, "connections/list", DEFAULT_WORKSPACE).await.is_empty());

        // Update replaces schema, schedule (absent: manual) and status.
        let mut new_schema = schema();
        new_schema["streams"][0]["selected"] = json!(false);
        let updated = app
            .ok(
                "connections/update",
                json!({ "connectionId": connection, "syncSchema": new_schema, "status": "inactive" }),
            )
            .await;
        assert_eq!(updated["syncSchema"], new_schema);
        assert_eq!(updated["status"], "inactive");
        assert!(updated.get("schedule").is_none());
        assert_eq!(updated["name"], "faker <> files");
        let with_schedule = json!({
            "connectionId": connection, "syncSchema": new_schema, "status": "active",
            "schedule": { "units": 15, "timeUnit": "minutes" }
        });
        let updated = app.ok("connections/update", with_schedule).await;
        assert_eq!(updated["schedule"], json!({ "units": 15, "timeUnit": "minutes" }));

        // Delete deprecates: get still answers, list does not show it.
        let reply = app.post("connections/delete", json!({ "connectionId": connection })).await;
        assert_eq!(reply.status, 204, "{}", reply.body);
        assert_eq!(status(&app, &connection).await, "deprecated");
        assert_eq!(list_ids(&app, "connections/list", &workspace).await, [second]);
        let again = app.post("connections/delete", json!({ "connectionId": connection })).await;
        assert_eq!(again.status, 204);

        // A deprecated connection cannot be re-activated, but may stay deprecated.
        for target in ["active", "inactive"] {
            let reply = app.post("connections/update", update_body(&connection, target)).await;
            assert_invalid(&reply, "status");
        }
        assert_eq!(status(&app, &connection).await, "deprecated");
        let stays = app.ok("connections/update", update_body(&connection, "deprecated")).await;
        assert_eq!(stays["status"], "deprecated");
    }

    async fn references_must_be_live_and_in_one_workspace(app: TestApp) {
        let (_, source, destination) = fixtures::pair(&app, "A").await;
        let (_, other_source, other_destination) = fixtures::pair(&app, "B").await;
        let create = |source: &str, destination: &str| {
            json!({ "sourceId": source, "destinationId": destination,
                    "syncMode": "full_refresh", "status": "active" })
        };
        assert_invalid(&app.post("connections/create", create(UNKNOWN_ID, &destination)).await, "sourceId");
        assert_invalid(&app.post("connections/create", create(&source, UNKNOWN_ID)).await, "destinationId");
        // A destination id where a source is expected names no source.
        assert_invalid(&app.post("connections/create", create(&destination, &destination)).await, "sourceId");
        let reply = app.post("connections/create", create(&source, &other_destination)).await;
        assert_invalid(&reply, "destinationId");
        assert!(reply.body["message"].as_str().unwrap_or_default().contains("workspace"));
        app.post("sources/delete", json!({ "sourceId": other_source })).await;
        let reply = app.post("connections/create", create(&other_source, &other_destination)).await;
        assert_invalid(&reply, "sourceId");
        let mut deprecated = create(&source, &destination);
        deprecated["status"] = json!("deprecated");
        assert_invalid(&app.post("connections/create", deprecated).await, "status");
    }

    async fn bad_enums_schedules_and_schemas_are_422s(app: TestApp) {
        let (_, source, destination) = fixtures::pair(&app, "A").await;
        let base = json!({ "sourceId": source, "destinationId": destination,
                           "syncMode": "full_refresh", "status": "active" });
        let cases = [
            ("syncMode", json!("sometimes"), "syncMode"),
            ("status", json!("paused"), "status"),
            ("schedule", json!({ "units": 0, "timeUnit": "hours" }), "schedule.units"),
            ("schedule", json!({ "units": -3, "timeUnit": "hours" }), "schedule.units"),
            ("schedule", json!({ "units": 1, "timeUnit": "years" }), "schedule.timeUnit"),
            ("schedule", json!({ "timeUnit": "hours" }), "schedule.units"),
            ("schedule", json!({ "units": "1", "timeUnit": "hours" }), "schedule.units"),
            ("syncSchema", json!({ "streams": [{ "name": "", "fields": [] }] }), "syncSchema.streams[0].name"),
            (
                "syncSchema",
                json!({ "streams": [{ "name": "a", "fields": [{ "name": "x", "dataType": "date", "selected": true }] }] }),
                "syncSchema.streams[0].fields[0].dataType",
            ),
            (
                "syncSchema",
                json!({ "streams": [{ "name": "a", "fields": [] }, { "name": "a", "fields": [] }] }),
                "syncSchema",
            ),
        ];
        for (field, value, path) in cases {
            let mut body = base.clone();
            body[field] = value;
            assert_invalid(&app.post("connections/create", body).await, path);
        }
        for field in ["sourceId", "destinationId", "syncMode", "status"] {
            let mut body = base.clone();
            body.as_object_mut().expect("object").remove(field);
            assert_invalid(&app.post("connections/create", body).await, field);
        }
        let created = app.ok("connections/create", base).await;
        let connection = id(&created, "connectionId");
        let mut update = update_body(&connection, "active");
        update["schedule"] = json!({ "units": 0, "timeUnit": "days" });
        assert_invalid(&app.post("connections/update", update).await, "schedule.units");
        let missing_schema = json!({ "connectionId": connection, "status": "active" });
        assert_invalid(&app.post("connections/update", missing_schema).await, "syncSchema");
        // Nothing above changed the connection.
        let read = app.ok("connections/get", json!({ "connectionId": connection })).await;
        assert_eq!(read, created);
    }

    async fn unknown_connections_and_workspaces_are_404s(app: TestApp) {
        for verb in ["connections/get", "connections/delete", "web_backend/connections/get"] {
            let reply = app.post(verb, json!({ "connectionId": UNKNOWN_ID })).await;
            assert_not_found(&reply, "Connection", UNKNOWN_ID);
        }
        let reply = app.post("connections/update", update_body(UNKNOWN_ID, "active")).await;
        assert_not_found(&reply, "Connection", UNKNOWN_ID);
        for list in ["connections/list", "web_backend/connections/list"] {
            let reply = app.post(list, json!({ "workspaceId": UNKNOWN_ID })).await;
            assert_not_found(&reply, "Workspace", UNKNOWN_ID);
        }
    }

    async fn deleting_a_source_deprecates_only_its_connections(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "A").await;
        let definition = fixtures::source_definition(&app, "Second").await;
        let other_source = id(&fixtures::source(&app, &workspace, &definition, "other").await, "sourceId");
        let doomed = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let inactive = app
            .ok("connections/create", json!({ "sourceId": source, "destinationId": destination,
                                               "syncMode": "full_refresh", "status": "inactive" }))
            .await;
        let kept = id(&fixtures::connection(&app, &other_source, &destination).await, "connectionId");
        let reply = app.post("sources/delete", json!({ "sourceId": source })).await;
        assert_eq!(reply.status, 204);
        assert_eq!(status(&app, &doomed).await, "deprecated");
        assert_eq!(status(&app, &id(&inactive, "connectionId")).await, "deprecated");
        assert_eq!(status(&app, &kept).await, "active");
        assert_eq!(list_ids(&app, "connections/list", &workspace).await, [kept.as_str()]);
        let reply = app.post("destinations/delete", json!({ "destinationId": destination })).await;
        assert_eq!(reply.status, 204);
        assert_eq!(status(&app, &kept).await, "deprecated");
    }

    async fn deleting_a_workspace_deletes_what_it_holds(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "Doomed").await;
        let connection = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let (other, other_source, other_destination) = fixtures::pair(&app, "Kept").await;
        let kept = id(&fixtures::connection(&app, &other_source, &other_destination).await, "connectionId");
        let reply = app.post("workspaces/delete", json!({ "workspaceId": workspace })).await;
        assert_eq!(reply.status, 204);
        assert_eq!(status(&app, &connection).await, "deprecated");
        assert_eq!(status(&app, &kept).await, "active");
        for list in ["sources/list", "destinations/list", "connections/list", "web_backend/connections/list"] {
            let reply = app.post(list, json!({ "workspaceId": workspace })).await;
            assert_not_found(&reply, "Workspace", &workspace);
        }
        // Its sources are deleted (get still reads them), so nothing new can use them.
        let reply = app
            .post("connections/create", json!({ "sourceId": source, "destinationId": destination,
                                                 "syncMode": "full_refresh", "status": "active" }))
            .await;
        assert_invalid(&reply, "sourceId");
        let sources = app.ok("sources/list", json!({ "workspaceId": other })).await;
        assert_eq!(sources["sources"].as_array().map(Vec::len), Some(1));
    }

    async fn web_backend_inlines_source_and_destination(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "Web").await;
        let first = fixtures::connection(&app, &source, &destination).await;
        let second = fixtures::connection(&app, &source, &destination).await;
        let deprecated = fixtures::connection(&app, &source, &destination).await;
        app.post("connections/delete", json!({ "connectionId": deprecated["connectionId"] })).await;
        let source_read = app.ok("sources/get", json!({ "sourceId": source })).await;
        let destination_read = app.ok("destinations/get", json!({ "destinationId": destination })).await;

        let web = app
            .ok("web_backend/connections/get", json!({ "connectionId": first["connectionId"] }))
            .await;
        for field in ["connectionId", "name", "sourceId", "destinationId", "syncMode", "syncSchema", "schedule", "status"] {
            assert_eq!(web[field], first[field], "{field}");
        }
        assert_eq!(web["source"], source_read);
        assert_eq!(web["destination"], destination_read);
        assert_eq!(web["isSyncing"], false);
        assert!(web.get("lastSync").is_none(), "{web}");

        let listed = list_ids(&app, "web_backend/connections/list", &workspace).await;
        assert_eq!(listed, [id(&first, "connectionId"), id(&second, "connectionId")]);
        let list = app.ok("web_backend/connections/list", json!({ "workspaceId": workspace })).await;
        assert_eq!(list["connections"][0], web);
        // A deprecated connection is still readable one by one.
        let read = app
            .ok("web_backend/connections/get", json!({ "connectionId": deprecated["connectionId"] }))
            .await;
        assert_eq!(read["status"], "deprecated");
    }

    async fn concurrent_updates_never_interleave(app: TestApp) {
        let (_, source, destination) = fixtures::pair(&app, "Race").await;
        let connection = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let requests: Vec<Value> = (1..=8)
            .map(|i| {
                let mut schema = schema();
                schema["streams"][0]["name"] = json!(format!("stream-{i}"));
                json!({
                    "connectionId": connection, "syncSchema": schema,
                    "schedule": { "units": i, "timeUnit": "hours" },
                    "status": if i % 2 == 0 { "active" } else { "inactive" }
                })
            })
            .collect();
        let replies = futures_util::future::join_all(
            requests.iter().map(|r| app.post("connections/update", r.clone())),
        )
        .await;
        assert!(replies.iter().all(|r| r.status == 200), "{replies:?}");
        let last = app.ok("connections/get", json!({ "connectionId": connection })).await;
        let matches = requests.iter().filter(|r| {
            r["syncSchema"] == last["syncSchema"]
                && r["schedule"] == last["schedule"]
                && r["status"] == last["status"]
        });
        assert_eq!(matches.count(), 1, "the stored state mixes requests: {last}");
    }
}
