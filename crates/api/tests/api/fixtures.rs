//! Objects most tests need: definitions, sources, destinations, connections.

use crate::support::TestApp;
use serde_json::{json, Value};

pub const DEFAULT_WORKSPACE: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";
pub const UNKNOWN_ID: &str = "00000000-0000-4000-8000-00000000000f";

pub fn id(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {value}"))
        .to_string()
}

pub async fn workspace(app: &TestApp, name: &str) -> String {
    id(
        &app.ok("workspaces/create", json!({ "name": name })).await,
        "workspaceId",
    )
}

pub async fn source_definition(app: &TestApp, name: &str) -> String {
    let body = json!({
        "name": name, "dockerRepository": crate::support::FIXTURE_SOURCE, "dockerImageTag": "0.1.0",
        "documentationUrl": "https://docs.airbyte.io/integrations/sources/faker"
    });
    id(
        &app.ok("source_definitions/create", body).await,
        "sourceDefinitionId",
    )
}

pub async fn destination_definition(app: &TestApp, name: &str) -> String {
    let body = json!({
        "name": name, "dockerRepository": crate::support::FIXTURE_DESTINATION, "dockerImageTag": "0.1.0",
        "documentationUrl": "https://example.com/local-json"
    });
    id(
        &app.ok("destination_definitions/create", body).await,
        "destinationDefinitionId",
    )
}

pub async fn source(app: &TestApp, workspace: &str, definition: &str, name: &str) -> Value {
    let body = json!({
        "workspaceId": workspace, "sourceDefinitionId": definition, "name": name,
        "connectionConfiguration": { "count": 100, "seed": 7 }
    });
    app.ok("sources/create", body).await
}

pub async fn destination(app: &TestApp, workspace: &str, definition: &str, name: &str) -> Value {
    let body = json!({
        "workspaceId": workspace, "destinationDefinitionId": definition, "name": name,
        "connectionConfiguration": { "destination_path": "out" }
    });
    app.ok("destinations/create", body).await
}

/// A workspace with one source and one destination: (workspace, sourceId, destinationId).
pub async fn pair(app: &TestApp, workspace_name: &str) -> (String, String, String) {
    let workspace = workspace(app, workspace_name).await;
    let source_definition = source_definition(app, "Faker").await;
    let destination_definition = destination_definition(app, "Local JSON").await;
    let source = source(app, &workspace, &source_definition, "faker").await;
    let destination = destination(app, &workspace, &destination_definition, "files").await;
    (
        workspace,
        id(&source, "sourceId"),
        id(&destination, "destinationId"),
    )
}

pub fn schema() -> Value {
    json!({
        "streams": [{
            "name": "users",
            "fields": [
                { "name": "id", "dataType": "number", "selected": true },
                { "name": "email", "dataType": "string", "selected": false }
            ],
            "supportedSyncModes": ["full_refresh", "incremental"],
            "sourceDefinedCursor": true,
            "defaultCursorField": ["updated_at"],
            "selected": true,
            "syncMode": "incremental",
            "cursorField": ["updated_at"]
        }]
    })
}

pub async fn connection(app: &TestApp, source: &str, destination: &str) -> Value {
    let body = json!({
        "sourceId": source, "destinationId": destination, "syncMode": "full_refresh",
        "syncSchema": schema(), "schedule": { "units": 6, "timeUnit": "hours" }, "status": "active"
    });
    app.ok("connections/create", body).await
}
