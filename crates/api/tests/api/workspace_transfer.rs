//! `workspaces/export` and `workspaces/import`: the document, its secrets (left out, or
//! sealed under a passphrase), the round trip, and every refusal. Also the refusals of
//! `workspaces/sync_from_remote` (its success runs against a real `ferry serve` in
//! crates/server/tests/remote.rs).

use crate::access::token_for;
use crate::fixtures::{self, id, DEFAULT_WORKSPACE, UNKNOWN_ID};
use crate::support::{assert_invalid, TestApp, BASIC_PASSWORD, BASIC_USER};
use ferry_domain::secrets::MASK;
use serde_json::{json, Value};
use std::collections::HashMap;

const PASSPHRASE: &str = "correct horse battery staple";

/// A workspace holding a source with secrets at the top level, in a oneOf option and in an
/// array, a destination, and two connections (one cron, one basic and inactive).
async fn populated(app: &TestApp) -> (String, String, String) {
    let workspace = id(
        &app.ok(
            "workspaces/create",
            json!({
                "name": "Exported", "description": "to move", "tags": ["b", "a"],
                "domainName": "data.example.com", "workspaceType": "multi_user", "news": true
            }),
        )
        .await,
        "workspaceId",
    );
    let source_definition = fixtures::source_definition(app, "Fixture").await;
    let destination_definition = fixtures::destination_definition(app, "Fixture").await;
    let source = id(
        &app.ok(
            "sources/create",
            json!({
                "workspaceId": workspace, "sourceDefinitionId": source_definition, "name": "db",
                "connectionConfiguration": {
                    "host": "db-0", "password": "hunter2",
                    "tunnel": {"method": "key", "ssh_key": "BEGIN KEY"},
                    "tokens": [{"token": "t-1"}]
                }
            }),
        )
        .await,
        "sourceId",
    );
    let destination = id(
        &fixtures::destination(app, &workspace, &destination_definition, "files").await,
        "destinationId",
    );
    app.ok("connections/create", json!({
        "sourceId": source, "destinationId": destination, "syncMode": "full_refresh",
        "syncSchema": fixtures::schema(), "status": "active", "name": "nightly",
        "scheduleType": "cron",
        "scheduleData": { "cron": { "cronExpression": "0 0 2 * * ?", "cronTimeZone": "Europe/Berlin" } }
    })).await;
    app.ok(
        "connections/create",
        json!({
            "sourceId": source, "destinationId": destination, "syncMode": "incremental",
            "syncSchema": fixtures::schema(), "status": "inactive", "name": "hourly",
            "schedule": { "units": 1, "timeUnit": "hours" }
        }),
    )
    .await;
    (workspace, source, destination)
}

async fn export(app: &TestApp, workspace: &str) -> Value {
    app.ok("workspaces/export", json!({ "workspaceId": workspace }))
        .await
}

/// The document with its ids replaced by their order of appearance and its time removed:
/// what a round trip keeps.
fn without_ids_and_times(document: &Value) -> Value {
    fn walk(value: &Value, ids: &mut HashMap<String, usize>) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(key, _)| key.as_str() != "exportedAt")
                    .map(|(key, v)| {
                        let v = match (key.as_str(), v.as_str()) {
                            (
                                "workspaceId" | "actorId" | "connectionId" | "sourceId"
                                | "destinationId",
                                Some(id),
                            ) => {
                                let next = ids.len();
                                json!(format!("id-{}", ids.entry(id.to_string()).or_insert(next)))
                            }
                            _ => walk(v, ids),
                        };
                        (key.clone(), v)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(v, ids)).collect()),
            other => other.clone(),
        }
    }
    walk(document, &mut HashMap::new())
}

async fn import(app: &TestApp, body: Value) -> Value {
    app.ok("workspaces/import", body).await
}

on_both_backends! {
    async fn an_export_leaves_secrets_out_and_a_round_trip_keeps_everything_else(app: TestApp) {
        let (workspace, _, _) = populated(&app).await;
        let document = export(&app, &workspace).await;
        assert_eq!(document["ferryExportVersion"], 1);
        assert_eq!(document["workspace"]["name"], "Exported");
        assert_eq!(document["workspace"]["tags"], json!(["a", "b"]));
        assert_eq!(document["workspace"]["domainName"], "data.example.com");
        assert!(document.get("secretsEncryption").is_none());
        let source = &document["sources"][0];
        assert_eq!(source["definition"], json!({
            "dockerRepository": crate::support::FIXTURE_SOURCE, "dockerImageTag": "0.1.0"
        }));
        let config = &source["connectionConfiguration"];
        assert_eq!(config["host"], "db-0");
        assert_eq!(config["password"], MASK);
        assert_eq!(config["tunnel"]["ssh_key"], MASK);
        assert_eq!(config["tokens"][0]["token"], MASK);
        assert_eq!(source["secretPaths"].as_array().unwrap().len(), 3, "{source}");
        assert!(!document.to_string().contains("hunter2"));
        let connections = document["connections"].as_array().unwrap();
        assert_eq!(connections.len(), 2);
        assert_eq!(connections[0]["name"], "hourly");
        assert_eq!(connections[0]["status"], "inactive");
        assert_eq!(connections[1]["scheduleData"]["cron"]["cronTimeZone"], "Europe/Berlin");
        assert_eq!(connections[1]["sourceId"], source["actorId"]);

        // Imported without the secrets: made without them, and said so.
        let imported = import(&app, json!({
            "document": document, "organizationId": "00000000-0000-0000-0000-000000000000"
        })).await;
        assert_eq!(imported["workspace"]["name"], "Exported");
        assert_ne!(imported["workspace"]["workspaceId"], workspace.as_str());
        assert_eq!((imported["sourceCount"].as_i64(), imported["destinationCount"].as_i64(),
            imported["connectionCount"].as_i64()), (Some(1), Some(1), Some(2)));
        let missing = imported["missingSecrets"].as_array().unwrap();
        assert_eq!(missing.len(), 3, "{imported}");
        assert_eq!(missing[0]["documentActorId"], source["actorId"]);
        assert_eq!(missing[0]["actorType"], "source");
        let copy = imported["workspace"]["workspaceId"].as_str().unwrap().to_string();
        let stored = app.ok("sources/get", json!({ "sourceId": missing[0]["actorId"] })).await;
        assert!(stored["connectionConfiguration"].get("password").is_none(), "{stored}");
        assert_eq!(stored["workspaceId"], copy.as_str());

        let again = export(&app, &copy).await;
        assert_eq!(without_ids_and_times(&again), without_ids_and_times(&document));
    }

    async fn secrets_travel_sealed_under_a_passphrase(app: TestApp) {
        let (workspace, _, _) = populated(&app).await;
        let plain = export(&app, &workspace).await;
        let sealed = app.ok("workspaces/export", json!({
            "workspaceId": workspace, "includeSecrets": true, "passphrase": PASSPHRASE
        })).await;
        let encryption = &sealed["secretsEncryption"];
        assert_eq!(encryption["kdf"], "argon2id");
        assert_eq!(encryption["cipher"], "aes-256-gcm");
        assert!(encryption["salt"].as_str().unwrap().len() >= 22);
        let text = sealed.to_string();
        assert!(!text.contains("hunter2") && !text.contains("BEGIN KEY"), "{text}");
        let password = sealed["sources"][0]["connectionConfiguration"]["password"].as_str().unwrap();
        assert!(password.starts_with("ferry:enc:v1:"), "{password}");

        let wrong = app.post("workspaces/import", json!({
            "document": sealed, "organizationId": "00000000-0000-0000-0000-000000000000",
            "passphrase": "not the passphrase"
        })).await;
        assert_invalid(&wrong, "passphrase");
        let none = app.post("workspaces/import", json!({
            "document": sealed, "organizationId": "00000000-0000-0000-0000-000000000000"
        })).await;
        assert_invalid(&none, "passphrase");

        let imported = import(&app, json!({
            "document": sealed, "organizationId": "00000000-0000-0000-0000-000000000000",
            "passphrase": PASSPHRASE, "name": "Moved"
        })).await;
        assert_eq!(imported["missingSecrets"], json!([]));
        assert_eq!(imported["workspace"]["name"], "Moved");
        let copy = imported["workspace"]["workspaceId"].as_str().unwrap().to_string();
        // The connector gets the clear secret back.
        let sources = app.ok("sources/list", json!({ "workspaceId": copy })).await;
        let source = sources["sources"][0]["sourceId"].as_str().unwrap().to_string();
        let checked = app.ok("sources/check_connection", json!({ "sourceId": source })).await;
        assert_eq!(checked["message"], "the stored password is hunter2");
        let mut again = export(&app, &copy).await;
        again["workspace"]["name"] = json!("Exported");
        assert_eq!(without_ids_and_times(&again), without_ids_and_times(&plain));
    }

    async fn left_out_secrets_can_be_given_to_the_import(app: TestApp) {
        let (workspace, _, _) = populated(&app).await;
        let document = export(&app, &workspace).await;
        let source = document["sources"][0]["actorId"].clone();
        let imported = import(&app, json!({
            "document": document, "organizationId": "00000000-0000-0000-0000-000000000000",
            "secrets": [{ "actorId": source, "secretPath": ["password"], "value": "hunter2" }]
        })).await;
        let missing = imported["missingSecrets"].as_array().unwrap();
        assert_eq!(missing.len(), 2, "the two not given: {imported}");
        let new_source = missing[0]["actorId"].as_str().unwrap();
        let checked = app.ok("sources/check_connection", json!({ "sourceId": new_source })).await;
        assert_eq!(checked["message"], "the stored password is hunter2");

        let body = |secrets: Value| json!({
            "document": document, "organizationId": "00000000-0000-0000-0000-000000000000",
            "secrets": secrets
        });
        let unknown = app.post("workspaces/import",
            body(json!([{ "actorId": UNKNOWN_ID, "secretPath": ["password"], "value": "x" }]))).await;
        assert_invalid(&unknown, "secrets[0].actorId");
        let not_secret = app.post("workspaces/import",
            body(json!([{ "actorId": source, "secretPath": ["host"], "value": "x" }]))).await;
        assert_invalid(&not_secret, "secrets[0].secretPath");
    }

    async fn an_import_refuses_what_it_cannot_honour(app: TestApp) {
        let (workspace, _, _) = populated(&app).await;
        let document = export(&app, &workspace).await;
        let org = "00000000-0000-0000-0000-000000000000";
        let count = || async { app.ok("workspaces/list", json!({})).await["total"].as_i64().unwrap() };
        let before = count().await;

        let mut future = document.clone();
        future["ferryExportVersion"] = json!(2);
        let reply = app.post("workspaces/import", json!({ "document": future, "organizationId": org })).await;
        assert_invalid(&reply, "document.ferryExportVersion");
        assert!(reply.body["message"].as_str().unwrap().contains("version"), "{}", reply.body);
        let reply = app.post("workspaces/import", json!({ "document": {}, "organizationId": org })).await;
        assert_invalid(&reply, "document.ferryExportVersion");

        let mut unknown_image = document.clone();
        unknown_image["destinations"][0]["definition"]["dockerImageTag"] = json!("9.9.9");
        let reply = app.post("workspaces/import", json!({ "document": unknown_image, "organizationId": org })).await;
        assert_invalid(&reply, "document.destinations[0].definition");
        let message = reply.body["message"].as_str().unwrap();
        assert!(message.contains("destination-fixture:9.9.9"), "{message}");

        let mut dangling = document.clone();
        dangling["connections"][0]["sourceId"] = json!(UNKNOWN_ID);
        let reply = app.post("workspaces/import", json!({ "document": dangling, "organizationId": org })).await;
        assert_invalid(&reply, "document.connections[0].sourceId");

        let mut malformed = document.clone();
        malformed["sources"][0]["name"] = json!(" ");
        let reply = app.post("workspaces/import", json!({ "document": malformed, "organizationId": org })).await;
        assert_invalid(&reply, "document.sources[0].name");

        let mut elsewhere = document.clone();
        elsewhere["workspace"]["region"] = json!("mars");
        let reply = app.post("workspaces/import", json!({ "document": elsewhere, "organizationId": org })).await;
        assert_invalid(&reply, "document.workspace.region");

        // Key derivation costs beyond what this server spends.
        let mut greedy = document.clone();
        greedy["secretsEncryption"] = json!({
            "kdf": "argon2id", "salt": "AAAAAAAAAAAAAAAAAAAAAA==", "memoryKib": 4_000_000,
            "iterations": 2, "parallelism": 1, "cipher": "aes-256-gcm", "keyId": "00000000"
        });
        let reply = app.post("workspaces/import", json!({
            "document": greedy, "organizationId": org, "passphrase": PASSPHRASE
        })).await;
        assert_invalid(&reply, "document.secretsEncryption.memoryKib");

        let reply = app.post("workspaces/import", json!({ "document": document, "organizationId": UNKNOWN_ID })).await;
        assert_eq!(reply.status, 404, "{}", reply.body);

        // A definition whose connector cannot run to give its specification: a 502 the
        // document declares (the conformance check fails the call otherwise).
        app.ok("source_definitions/create", json!({
            "name": "Nowhere", "dockerRepository": "nobody/nothing", "dockerImageTag": "1.0",
            "documentationUrl": "https://example.com"
        })).await;
        let mut unrunnable = document.clone();
        unrunnable["sources"][0]["definition"] = json!({
            "dockerRepository": "nobody/nothing", "dockerImageTag": "1.0"
        });
        let reply = app.post("workspaces/import", json!({ "document": unrunnable, "organizationId": org })).await;
        assert_eq!(reply.status, 502, "{}", reply.body);
        assert_eq!(reply.body["error"], "CONNECTOR_FAILED");
        assert_eq!(count().await, before, "no refused import left a workspace behind");

        let reply = app.post("workspaces/export", json!({ "workspaceId": UNKNOWN_ID })).await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        let reply = app.post("workspaces/export", json!({ "workspaceId": workspace, "includeSecrets": true })).await;
        assert_invalid(&reply, "passphrase");
        let reply = app.post("workspaces/export", json!({
            "workspaceId": workspace, "includeSecrets": true, "passphrase": "short"
        })).await;
        assert_invalid(&reply, "passphrase");
        assert_eq!(app.post("workspaces/export", json!({ "workspaceId": DEFAULT_WORKSPACE })).await.status, 200);
    }

    async fn sync_from_remote_refuses_bad_urls_and_reports_remote_failures(app: TestApp) {
        let org = "00000000-0000-0000-0000-000000000000";
        let basic = json!({ "type": "basic", "username": "u", "password": "p" });
        let reply = app.post("workspaces/sync_from_remote", json!({
            "url": "ftp://127.0.0.1/api", "authorization": basic, "organizationId": org
        })).await;
        assert_invalid(&reply, "url");
        let reply = app.post("workspaces/sync_from_remote", json!({
            "url": "http://127.0.0.1/api", "authorization": { "type": "digest" }, "organizationId": org
        })).await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        let reply = app.post("workspaces/sync_from_remote", json!({
            "url": "http://127.0.0.1/api", "authorization": { "type": "bearer", "token": "" },
            "organizationId": org
        })).await;
        assert_invalid(&reply, "authorization.token");
        // Nothing listens on port 9: no answer is a 502.
        let reply = app.post("workspaces/sync_from_remote", json!({
            "url": "http://127.0.0.1:9/api", "authorization": basic, "organizationId": org
        })).await;
        assert_eq!(reply.status, 502, "{}", reply.body);
        assert_eq!(reply.body["error"], "UPSTREAM_FAILED");
        // A remote that refuses the credentials: a 502 naming its status.
        let remote = TestApp::start_with_auth(crate::support::TestBackend::Sqlite).await;
        let url = remote.server.url("/api");
        let reply = app.post("workspaces/sync_from_remote", json!({
            "url": url, "authorization": { "type": "bearer", "token": "not-a-token" }, "organizationId": org
        })).await;
        assert_eq!(reply.status, 502, "{}", reply.body);
        assert!(reply.body["message"].as_str().unwrap().contains("401"), "{}", reply.body);
        // A URL where no Configuration API answers: a 502 naming the status.
        let reply = app.post("workspaces/sync_from_remote", json!({
            "url": remote.server.url("/elsewhere"), "organizationId": org,
            "authorization": { "type": "basic", "username": BASIC_USER, "password": BASIC_PASSWORD }
        })).await;
        assert_eq!(reply.status, 502, "{}", reply.body);
        assert!(reply.body["message"].as_str().unwrap().contains("404"), "{}", reply.body);
        // An unknown organization: 404, before anything is made.
        let made = fixtures::workspace(&remote, "remote one").await;
        let reply = app.post("workspaces/sync_from_remote", json!({
            "url": url, "organizationId": UNKNOWN_ID,
            "authorization": { "type": "basic", "username": BASIC_USER, "password": BASIC_PASSWORD }
        })).await;
        assert_eq!(reply.status, 404, "{}", reply.body);
        let synced = app.ok("workspaces/sync_from_remote", json!({
            "url": url, "organizationId": org,
            "authorization": { "type": "basic", "username": BASIC_USER, "password": BASIC_PASSWORD }
        })).await;
        assert_eq!(synced["createdWorkspaceIds"], json!([made]));
        assert_eq!(synced["totalCount"], 2, "the remote's default workspace is known here");
    }
}

mod with_auth {
    use super::*;

    on_both_backends_with_auth! {
        async fn only_a_workspace_admin_exports_secrets(app: TestApp) {
            let (workspace, _, _) = populated(&app).await;
            let reader = id(&app.ok("users/create", json!({ "name": "r", "email": "r@ferry.test" })).await, "userId");
            app.ok("permissions/create", json!({
                "userId": reader, "permissionType": "workspace_reader", "workspaceId": workspace
            })).await;
            let bearer = format!("Bearer {}", token_for(&app, &reader).await);
            let plain = app.post_as("workspaces/export", json!({ "workspaceId": workspace }), Some(&bearer)).await;
            assert_eq!(plain.status, 200, "{}", plain.body);
            let sealed = app.post_as("workspaces/export", json!({
                "workspaceId": workspace, "includeSecrets": true, "passphrase": PASSPHRASE
            }), Some(&bearer)).await;
            assert_eq!(sealed.status, 403, "{}", sealed.body);
            assert_eq!(sealed.body["details"]["requiredPermission"], "workspace_admin");
            // A reader (a member of the organization) cannot import into it either.
            let imported = app.post_as("workspaces/import", json!({
                "document": plain.body, "organizationId": "00000000-0000-0000-0000-000000000000"
            }), Some(&bearer)).await;
            assert_eq!(imported.status, 403, "{}", imported.body);
            // Nor synchronise from another server.
            let synced = app.post_as("workspaces/sync_from_remote", json!({
                "url": "http://127.0.0.1:9/api", "organizationId": "00000000-0000-0000-0000-000000000000",
                "authorization": { "type": "bearer", "token": "t" }
            }), Some(&bearer)).await;
            assert_eq!(synced.status, 403, "{}", synced.body);
        }
    }
}
