//! Optimistic concurrency on every mutable object: reads carry `version` and an `ETag`,
//! every change adds one (cascades too), and an update or delete that names a version the
//! object has left (`expectedVersion` or `If-Match`) changes nothing and answers 409.

use crate::access::token_for;
use crate::fixtures::{self, id};
use crate::support::{assert_invalid, TestApp};
use serde_json::{json, Value};

/// Makes a valid update body for an object (without `expectedVersion`); `n` varies it.
type UpdateBody = Box<dyn Fn(&str, u32) -> Value>;

/// One versioned resource, as the generic checks below drive it.
struct Case {
    resource: &'static str,
    id_field: &'static str,
    id: String,
    /// A valid update body for the object (without `expectedVersion`); `n` varies it.
    update: UpdateBody,
}

impl Case {
    fn id_body(&self) -> Value {
        json!({ self.id_field: self.id })
    }

    async fn read(&self, app: &TestApp) -> Value {
        app.ok(&format!("{}/get", self.resource), self.id_body())
            .await
    }
}

async fn cases(app: &TestApp) -> Vec<Case> {
    let organization = app
        .ok(
            "organizations/create",
            json!({ "organizationName": "Acme" }),
        )
        .await;
    let workspace = fixtures::workspace(app, "versions").await;
    let source_definition = fixtures::source_definition(app, "Faker").await;
    let destination_definition = fixtures::destination_definition(app, "Local JSON").await;
    let source = fixtures::source(app, &workspace, &source_definition, "faker").await;
    let destination =
        fixtures::destination(app, &workspace, &destination_definition, "files").await;
    let connection = fixtures::connection(
        app,
        &id(&source, "sourceId"),
        &id(&destination, "destinationId"),
    )
    .await;
    let user = app
        .ok(
            "users/create",
            json!({ "name": "Ann", "email": "ann@ferry.test" }),
        )
        .await;
    let permission = app
        .ok(
            "permissions/create",
            json!({ "permissionType": "workspace_reader", "userId": user["userId"], "workspaceId": workspace }),
        )
        .await;
    let webhook = app
        .ok(
            "notification_webhooks/create",
            json!({ "workspaceId": workspace, "url": "https://hooks.example.com/ferry", "notificationTriggers": ["sync_failure"] }),
        )
        .await;
    // In an order where no delete takes a later case's object with it.
    vec![
        Case {
            resource: "notification_webhooks",
            id_field: "webhookId",
            id: id(&webhook, "webhookId"),
            update: Box::new(|id, n| json!({ "webhookId": id, "name": format!("hook {n}") })),
        },
        Case {
            resource: "connections",
            id_field: "connectionId",
            id: id(&connection, "connectionId"),
            update: Box::new(|id, n| {
                json!({
                    "connectionId": id, "syncSchema": fixtures::schema(), "status": "active",
                    "schedule": { "units": n, "timeUnit": "hours" }
                })
            }),
        },
        Case {
            resource: "sources",
            id_field: "sourceId",
            id: id(&source, "sourceId"),
            update: Box::new(|id, n| {
                json!({
                    "sourceId": id, "name": format!("faker {n}"),
                    "connectionConfiguration": { "count": n, "seed": 7 }
                })
            }),
        },
        Case {
            resource: "destinations",
            id_field: "destinationId",
            id: id(&destination, "destinationId"),
            update: Box::new(|id, n| {
                json!({
                    "destinationId": id, "name": format!("files {n}"),
                    "connectionConfiguration": { "destination_path": format!("out{n}") }
                })
            }),
        },
        Case {
            resource: "permissions",
            id_field: "permissionId",
            id: id(&permission, "permissionId"),
            update: Box::new(|id, n| {
                json!({
                    "permissionId": id,
                    "permissionType": if n % 2 == 0 { "workspace_reader" } else { "workspace_editor" }
                })
            }),
        },
        Case {
            resource: "users",
            id_field: "userId",
            id: id(&user, "userId"),
            update: Box::new(|id, n| json!({ "userId": id, "name": format!("Ann {n}") })),
        },
        Case {
            resource: "workspaces",
            id_field: "workspaceId",
            id: workspace.clone(),
            update: Box::new(|id, n| json!({ "workspaceId": id, "name": format!("versions {n}") })),
        },
        Case {
            resource: "organizations",
            id_field: "organizationId",
            id: id(&organization, "organizationId"),
            update: Box::new(
                |id, n| json!({ "organizationId": id, "organizationName": format!("Acme {n}") }),
            ),
        },
        Case {
            resource: "source_definitions",
            id_field: "sourceDefinitionId",
            id: source_definition,
            update: Box::new(
                |id, n| json!({ "sourceDefinitionId": id, "dockerImageTag": format!("0.1.{n}") }),
            ),
        },
        Case {
            resource: "destination_definitions",
            id_field: "destinationDefinitionId",
            id: destination_definition,
            update: Box::new(
                |id, n| json!({ "destinationDefinitionId": id, "dockerImageTag": format!("0.2.{n}") }),
            ),
        },
    ]
}

fn with_expected(mut body: Value, version: i64) -> Value {
    body["expectedVersion"] = json!(version);
    body
}

fn assert_version_conflict(reply: &crate::support::Reply, current: i64, expected: i64) {
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.body["error"], "CONFLICT");
    assert_eq!(
        reply.body["details"]["currentVersion"], current,
        "{}",
        reply.body
    );
    assert_eq!(
        reply.body["details"]["expectedVersion"], expected,
        "{}",
        reply.body
    );
}

on_both_backends! {
    async fn every_object_refuses_changes_computed_from_an_old_version(app: TestApp) {
        for case in cases(&app).await {
            let what = case.resource;
            let first = case.read(&app).await;
            let v1 = first["version"].as_i64().unwrap_or_else(|| panic!("{what}: no version in {first}"));

            // Without a version, a change applies (2020 clients) and adds one.
            let updated = app.ok(&format!("{what}/update"), (case.update)(&case.id, 1)).await;
            assert_eq!(updated["version"], v1 + 1, "{what}: {updated}");

            // The old version in the body or in If-Match: 409, nothing changes.
            let stale = app.post(&format!("{what}/update"), with_expected((case.update)(&case.id, 2), v1)).await;
            assert_version_conflict(&stale, v1 + 1, v1);
            let stale = app
                .post_if_match(&format!("{what}/update"), (case.update)(&case.id, 2), &format!("\"{v1}\""))
                .await;
            assert_version_conflict(&stale, v1 + 1, v1);
            assert_eq!(case.read(&app).await, updated, "{what}: a refused change changed it");

            // The current version, from the ETag: applied.
            let reply = app.post(&format!("{what}/get"), case.id_body()).await;
            let etag = reply.headers.get("etag").and_then(|v| v.to_str().ok()).unwrap().to_string();
            assert_eq!(etag, format!("\"{}\"", v1 + 1), "{what}");
            let applied = app.post_if_match(&format!("{what}/update"), (case.update)(&case.id, 3), &etag).await;
            assert_eq!(applied.status, 200, "{what}: {}", applied.body);
            assert_eq!(applied.body["version"], v1 + 2);
            let applied = app
                .ok(&format!("{what}/update"), with_expected((case.update)(&case.id, 4), v1 + 2))
                .await;
            assert_eq!(applied["version"], v1 + 3);

            // Malformed or disagreeing preconditions are a 422 naming them.
            let reply = app.post_if_match(&format!("{what}/update"), (case.update)(&case.id, 5), "3").await;
            assert_invalid(&reply, "If-Match");
            let reply = app
                .post_if_match(&format!("{what}/update"), with_expected((case.update)(&case.id, 5), v1 + 3), "\"1\"")
                .await;
            assert_invalid(&reply, "expectedVersion");
            let reply = app.post(&format!("{what}/update"), with_expected((case.update)(&case.id, 5), 0)).await;
            assert_invalid(&reply, "expectedVersion");

            // Delete: a stale version is refused and the object stays; the current one deletes.
            let mut delete = case.id_body();
            delete["expectedVersion"] = json!(v1);
            let reply = app.post(&format!("{what}/delete"), delete).await;
            assert_version_conflict(&reply, v1 + 3, v1);
            let reply = app.post_if_match(&format!("{what}/delete"), case.id_body(), &format!("\"{}\"", v1 + 3)).await;
            assert_eq!(reply.status, 204, "{what}: {}", reply.body);
        }
    }

    async fn cascades_give_what_they_change_a_new_version(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "cascades").await;
        let connection = fixtures::connection(&app, &source, &destination).await;
        let connection_id = id(&connection, "connectionId");
        assert_eq!(connection["version"], 1);
        let get = json!({ "connectionId": connection_id });
        app.ok("workspaces/update", json!({ "workspaceId": workspace, "status": "inactive" })).await;
        let deactivated = app.ok("connections/get", get.clone()).await;
        assert_eq!(deactivated["status"], "inactive");
        assert_eq!(deactivated["version"], 2, "deactivating it is a change");

        let reply = app.post("sources/delete", json!({ "sourceId": source })).await;
        assert_eq!(reply.status, 204);
        let deprecated = app.ok("connections/get", get.clone()).await;
        assert_eq!(deprecated["status"], "deprecated");
        assert_eq!(deprecated["version"], 3, "deprecating it is a change");
        let source_read = app.ok("sources/get", json!({ "sourceId": source })).await;
        assert_eq!(source_read["version"], 2);

        // Deleting again changes nothing, so the version stays.
        assert_eq!(app.post("connections/delete", get.clone()).await.status, 204);
        assert_eq!(app.ok("connections/get", get).await["version"], 3);
        let _ = destination;
    }

    async fn versions_of_unknown_objects_are_not_found(app: TestApp) {
        let reply = app
            .post("connections/delete", json!({ "connectionId": fixtures::UNKNOWN_ID, "expectedVersion": 1 }))
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        let reply = app
            .post_if_match("workspaces/delete", json!({ "workspaceId": fixtures::UNKNOWN_ID }), "\"1\"")
            .await;
        assert_eq!(reply.status, 404, "{}", reply.body);
    }

    // 50 clients read, change and write one connection, several rounds each, always with
    // the version they read: each write is applied exactly once or refused with 409, the
    // version counts the applied ones, and the object is the last applied write.
    async fn concurrent_read_modify_write_loses_no_update(app: TestApp) {
        let (_, source, destination) = fixtures::pair(&app, "race").await;
        let connection = fixtures::connection(&app, &source, &destination).await;
        let connection_id = id(&connection, "connectionId");
        let app = &app;
        let writers = (0..50u32).map(|client| {
            let connection_id = connection_id.clone();
            async move {
                let mut applied = Vec::new();
                let mut refused = 0;
                for round in 0..3u32 {
                    let read = app.ok("connections/get", json!({ "connectionId": connection_id })).await;
                    let units = 1 + client * 10 + round;
                    let body = json!({
                        "connectionId": connection_id, "syncSchema": fixtures::schema(),
                        "status": "active", "schedule": { "units": units, "timeUnit": "hours" },
                        "expectedVersion": read["version"]
                    });
                    let reply = app.post("connections/update", body).await;
                    match reply.status {
                        200 => applied.push((reply.body["version"].as_i64().unwrap(), units)),
                        409 => refused += 1,
                        other => panic!("a racing update answered {other}: {}", reply.body),
                    }
                }
                (applied, refused)
            }
        });
        let results = futures_util::future::join_all(writers).await;
        let mut applied: Vec<(i64, u32)> = results.iter().flat_map(|(a, _)| a.clone()).collect();
        let refused: usize = results.iter().map(|(_, r)| r).sum();
        assert_eq!(applied.len() + refused, 150);
        assert!(!applied.is_empty());
        applied.sort();
        // Every applied write got its own version: none was applied twice or lost.
        let versions: Vec<i64> = applied.iter().map(|(v, _)| *v).collect();
        let expected: Vec<i64> = (2..2 + applied.len() as i64).collect();
        assert_eq!(versions, expected, "applied writes must have consecutive versions");
        let last = applied.last().unwrap();
        let final_read = app.ok("connections/get", json!({ "connectionId": connection_id })).await;
        assert_eq!(final_read["version"], last.0);
        assert_eq!(final_read["schedule"]["units"], last.1, "the object is the last applied write");
    }
}

mod with_auth {
    use super::*;

    on_both_backends_with_auth! {
        async fn applications_are_deleted_only_at_the_version_named(app: TestApp) {
            let user = id(&app.ok("users/create", json!({ "name": "Bo", "email": "bo@ferry.test" })).await, "userId");
            let header = format!("Bearer {}", token_for(&app, &user).await);
            let created = app.post_as("applications/create", json!({ "name": "ci" }), Some(&header)).await;
            assert_eq!(created.status, 200, "{}", created.body);
            assert_eq!(created.body["version"], 1);
            let application = id(&created.body, "id");
            let reply = app
                .post_as("applications/delete", json!({ "applicationId": application, "expectedVersion": 2 }), Some(&header))
                .await;
            assert_version_conflict(&reply, 1, 2);
            let reply = app
                .post_as("applications/delete", json!({ "applicationId": application, "expectedVersion": 1 }), Some(&header))
                .await;
            assert_eq!(reply.status, 204, "{}", reply.body);
        }
    }
}
