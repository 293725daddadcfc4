//! Endpoints that run connectors: specs (cached), validation against them, secret masking,
//! checks, discover, and web_backend create/recreate. The connector is a real process that
//! speaks the protocol (tests/connectors/fixture-connector.sh).

use crate::fixtures::{self, id, DEFAULT_WORKSPACE, UNKNOWN_ID};
use crate::support::{assert_invalid, assert_not_found, TestApp};
use ferry_domain::secrets::MASK;
use serde_json::{json, Value};

fn secret_config() -> Value {
    json!({
        "host": "db", "password": "hunter2",
        "tunnel": {"method": "key", "ssh_key": "-----BEGIN KEY"},
        "tokens": [{"token": "t-1"}]
    })
}

async fn source_with(app: &TestApp, config: Value) -> Value {
    let definition = fixtures::source_definition(app, "Fixture").await;
    app.ok(
        "sources/create",
        json!({ "workspaceId": DEFAULT_WORKSPACE, "sourceDefinitionId": definition,
                "name": "s", "connectionConfiguration": config }),
    )
    .await
}

fn assert_masked(config: &Value) {
    assert_eq!(config["password"], MASK, "{config}");
    assert_eq!(config["tunnel"]["ssh_key"], MASK, "{config}");
    assert_eq!(config["tokens"][0]["token"], MASK, "{config}");
    assert_eq!(config["host"], "db");
    let text = config.to_string();
    for secret in ["hunter2", "BEGIN KEY", "t-1"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

on_both_backends! {
    async fn specs_come_from_the_connector_and_are_cached(app: TestApp) {
        let definition = fixtures::source_definition(&app, "Fixture").await;
        let spec = app
            .ok("source_definition_specifications/get", json!({ "sourceDefinitionId": definition }))
            .await;
        assert_eq!(spec["sourceDefinitionId"], definition.as_str());
        assert_eq!(spec["documentationUrl"], "https://docs.ferry.invalid/fixture");
        assert_eq!(spec["connectionSpecification"]["properties"]["password"]["airbyte_secret"], true);
        let cached = |app: &TestApp| {
            let db = app.database.db.clone();
            async move {
                db.run(|c| ferry_persistence::store::specs::get(c, crate::support::FIXTURE_SOURCE, "0.1.0"))
                    .await
                    .expect("read")
            }
        };
        assert!(cached(&app).await.is_some(), "spec cached after the first run");
        app.ok("source_definitions/update", json!({ "sourceDefinitionId": definition, "dockerImageTag": "0.2.0" }))
            .await;
        assert!(cached(&app).await.is_none(), "a definition update forgets the cached spec");

        let destination = fixtures::destination_definition(&app, "Fixture").await;
        let spec = app
            .ok("destination_definition_specifications/get", json!({ "destinationDefinitionId": destination }))
            .await;
        assert_eq!(spec["destinationDefinitionId"], destination.as_str());
        let reply = app
            .post("source_definition_specifications/get", json!({ "sourceDefinitionId": UNKNOWN_ID }))
            .await;
        assert_not_found(&reply, "SourceDefinition", UNKNOWN_ID);
    }

    async fn an_image_nothing_can_run_is_a_502(app: TestApp) {
        let body = json!({
            "name": "Nowhere", "dockerRepository": "nobody/nothing", "dockerImageTag": "1.0",
            "documentationUrl": "https://example.com"
        });
        let definition = id(&app.ok("source_definitions/create", body).await, "sourceDefinitionId");
        let reply = app
            .post("source_definition_specifications/get", json!({ "sourceDefinitionId": definition }))
            .await;
        assert_eq!(reply.status, 502, "{}", reply.body);
        assert_eq!(reply.body["error"], "CONNECTOR_FAILED");
        assert!(reply.body["message"].as_str().unwrap_or_default().contains("connectors.commands"));
    }

    async fn configurations_are_validated_against_the_spec(app: TestApp) {
        let definition = fixtures::source_definition(&app, "Fixture").await;
        let create = |config: Value| {
            json!({ "workspaceId": DEFAULT_WORKSPACE, "sourceDefinitionId": definition,
                    "name": "s", "connectionConfiguration": config })
        };
        let reply = app.post("sources/create", create(json!({ "count": 0 }))).await;
        assert_invalid(&reply, "connectionConfiguration.count");
        let reply = app.post("sources/create", create(json!({ "count": "many", "tokens": [{"token": 5}] }))).await;
        assert_invalid(&reply, "connectionConfiguration.count");
        assert_invalid(&reply, "connectionConfiguration.tokens[0].token");
        let source = app.ok("sources/create", create(json!({ "count": 3 }))).await;
        let update = json!({ "sourceId": source["sourceId"], "name": "s", "connectionConfiguration": { "count": -1 } });
        assert_invalid(&app.post("sources/update", update).await, "connectionConfiguration.count");
    }

    async fn secrets_are_masked_in_every_read_and_kept_on_update(app: TestApp) {
        let created = source_with(&app, secret_config()).await;
        assert_masked(&created["connectionConfiguration"]);
        let source = id(&created, "sourceId");
        let read = app.ok("sources/get", json!({ "sourceId": source })).await;
        assert_masked(&read["connectionConfiguration"]);
        let list = app.ok("sources/list", json!({ "workspaceId": DEFAULT_WORKSPACE })).await;
        assert_masked(&list["sources"][0]["connectionConfiguration"]);
        let destination = app
            .ok("destinations/create", json!({ "workspaceId": DEFAULT_WORKSPACE, "name": "d",
                 "destinationDefinitionId": fixtures::destination_definition(&app, "D").await,
                 "connectionConfiguration": { "password": "hunter2" } }))
            .await;
        assert_eq!(destination["connectionConfiguration"]["password"], MASK);
        let connection = fixtures::connection(&app, &source, &id(&destination, "destinationId")).await;
        let web = app.ok("web_backend/connections/get", json!({ "connectionId": connection["connectionId"] })).await;
        assert_masked(&web["source"]["connectionConfiguration"]);
        assert_eq!(web["destination"]["connectionConfiguration"]["password"], MASK);

        // Sending the masked configuration back keeps every stored secret: the fixture's
        // check sees the real password.
        let mut config = read["connectionConfiguration"].clone();
        config["host"] = json!("db2");
        let updated = app
            .ok("sources/update", json!({ "sourceId": source, "name": "renamed", "connectionConfiguration": config }))
            .await;
        assert_masked_host(&updated, "db2");
        let check = app.ok("sources/check_connection", json!({ "sourceId": source })).await;
        assert_eq!(check, json!({ "status": "succeeded", "message": "the stored password is hunter2" }));
        // A new value replaces the secret.
        let mut config = updated["connectionConfiguration"].clone();
        config["password"] = json!("other");
        app.ok("sources/update", json!({ "sourceId": source, "name": "renamed", "connectionConfiguration": config }))
            .await;
        let check = app.ok("sources/check_connection", json!({ "sourceId": source })).await;
        assert_eq!(check, json!({ "status": "failed", "message": "wrong password" }));
        // A mask with no stored secret behind it cannot stand for one.
        let fresh = source_with(&app, json!({ "host": "x" })).await;
        let reply = app
            .post("sources/update", json!({ "sourceId": fresh["sourceId"], "name": "s",
                                            "connectionConfiguration": { "password": MASK } }))
            .await;
        assert_invalid(&reply, "connectionConfiguration.password");
    }

    async fn checks_report_what_the_connector_said(app: TestApp) {
        let good = source_with(&app, json!({ "count": 1 })).await;
        let check = app.ok("sources/check_connection", json!({ "sourceId": good["sourceId"] })).await;
        assert_eq!(check, json!({ "status": "succeeded" }));
        let failing = source_with(&app, json!({ "fail_check": true })).await;
        let check = app.ok("sources/check_connection", json!({ "sourceId": failing["sourceId"] })).await;
        assert_eq!(check, json!({ "status": "failed", "message": "the fixture was told to fail" }));
        let crashing = source_with(&app, json!({ "crash": true })).await;
        let check = app.ok("sources/check_connection", json!({ "sourceId": crashing["sourceId"] })).await;
        assert_eq!(check, json!({ "status": "failed", "message": "the fixture crashed" }));
        let destination = fixtures::destination(&app, DEFAULT_WORKSPACE, &fixtures::destination_definition(&app, "D").await, "d").await;
        let check = app
            .ok("destinations/check_connection", json!({ "destinationId": destination["destinationId"] }))
            .await;
        assert_eq!(check["status"], "succeeded");
        for (path, field) in [("sources/check_connection", "sourceId"), ("destinations/check_connection", "destinationId")] {
            let reply = app.post(path, json!({ field: UNKNOWN_ID })).await;
            assert_eq!(reply.status, 404, "{}", reply.body);
        }
    }

    async fn discover_returns_the_catalog_as_a_source_schema(app: TestApp) {
        let source = source_with(&app, json!({ "count": 1 })).await;
        let discovered = app.ok("sources/discover_schema", json!({ "sourceId": source["sourceId"] })).await;
        let stream = &discovered["schema"]["streams"][0];
        assert_eq!(stream["name"], "accounts");
        assert_eq!(stream["selected"], true);
        assert_eq!(stream["supportedSyncModes"], json!(["full_refresh", "incremental"]));
        assert_eq!(stream["defaultCursorField"], json!(["id"]));
        let fields: Vec<(Value, Value, Value)> = stream["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| (f["name"].clone(), f["dataType"].clone(), f["selected"].clone()))
            .collect();
        assert!(fields.contains(&(json!("id"), json!("number"), json!(true))));
        assert!(fields.contains(&(json!("email"), json!("string"), json!(true))));
        assert!(fields.contains(&(json!("active"), json!("boolean"), json!(true))));
        // The discovered schema is a valid syncSchema for a connection.
        let destination = fixtures::destination(&app, DEFAULT_WORKSPACE, &fixtures::destination_definition(&app, "D").await, "d").await;
        let connection = app
            .ok("connections/create", json!({ "sourceId": source["sourceId"], "destinationId": destination["destinationId"],
                 "syncMode": "full_refresh", "status": "active", "syncSchema": discovered["schema"] }))
            .await;
        assert_eq!(connection["syncSchema"], discovered["schema"]);
    }

    async fn web_backend_create_keeps_only_what_checks(app: TestApp) {
        let definition = fixtures::source_definition(&app, "Fixture").await;
        let body = |config: Value| {
            json!({ "workspaceId": DEFAULT_WORKSPACE, "sourceDefinitionId": definition,
                    "name": "wb", "connectionConfiguration": config })
        };
        let created = app.ok("web_backend/sources/create", body(json!({ "count": 1 }))).await;
        assert_eq!(created["name"], "wb");
        let reply = app.post("web_backend/sources/create", body(json!({ "fail_check": true }))).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(reply.body["error"], "CONNECTION_CHECK_FAILED");
        assert_eq!(reply.body["message"], "the fixture was told to fail");
        let listed = app.ok("sources/list", json!({ "workspaceId": DEFAULT_WORKSPACE })).await;
        assert_eq!(listed["sources"].as_array().map(Vec::len), Some(1), "the failed one is gone: {listed}");

        let destination_definition = fixtures::destination_definition(&app, "D").await;
        let reply = app
            .post("web_backend/destinations/create", json!({ "workspaceId": DEFAULT_WORKSPACE, "name": "d",
                  "destinationDefinitionId": destination_definition, "connectionConfiguration": { "fail_check": true } }))
            .await;
        assert_eq!(reply.status, 400);
        let listed = app.ok("destinations/list", json!({ "workspaceId": DEFAULT_WORKSPACE })).await;
        assert_eq!(listed["destinations"].as_array().map(Vec::len), Some(0));
    }

    async fn web_backend_recreate_replaces_only_after_a_good_check(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "Recreate").await;
        let connection = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let definition = app.ok("sources/get", json!({ "sourceId": source })).await["sourceDefinitionId"].clone();
        let recreate = |config: Value| {
            json!({ "workspaceId": workspace, "sourceDefinitionId": definition, "sourceId": source,
                    "name": "replacement", "connectionConfiguration": config })
        };
        let reply = app.post("web_backend/sources/recreate", recreate(json!({ "fail_check": true }))).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        let listed = app.ok("sources/list", json!({ "workspaceId": workspace })).await;
        let names: Vec<&str> = listed["sources"].as_array().expect("array").iter().filter_map(|s| s["name"].as_str()).collect();
        assert_eq!(names, ["faker"], "the old source stays and the failed one is gone");
        let replacement = app.ok("web_backend/sources/recreate", recreate(json!({ "count": 2 }))).await;
        assert_ne!(replacement["sourceId"], source.as_str());
        let listed = app.ok("sources/list", json!({ "workspaceId": workspace })).await;
        let names: Vec<&str> = listed["sources"].as_array().expect("array").iter().filter_map(|s| s["name"].as_str()).collect();
        assert_eq!(names, ["replacement"]);
        let old = app.ok("connections/get", json!({ "connectionId": connection })).await;
        assert_eq!(old["status"], "deprecated", "the replaced source's connections are deprecated");
        let reply = app.post("web_backend/sources/recreate", {
            let mut body = recreate(json!({}));
            body["sourceId"] = json!(UNKNOWN_ID);
            body
        }).await;
        assert_not_found(&reply, "Source", UNKNOWN_ID);
    }
}

fn assert_masked_host(read: &Value, host: &str) {
    assert_masked(&{
        let mut config = read["connectionConfiguration"].clone();
        config["host"] = json!("db");
        config
    });
    assert_eq!(read["connectionConfiguration"]["host"], host);
}
