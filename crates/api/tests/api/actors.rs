//! sources/* and destinations/*: the same rules for both families.

use crate::fixtures::{self, id, DEFAULT_WORKSPACE, UNKNOWN_ID};
use crate::support::{assert_invalid, assert_not_found, TestApp};
use serde_json::{json, Value};

struct Family {
    prefix: &'static str,
    id_field: &'static str,
    definition_field: &'static str,
    definition_name_field: &'static str,
    list_field: &'static str,
    resource: &'static str,
}

const SOURCES: Family = Family {
    prefix: "sources",
    id_field: "sourceId",
    definition_field: "sourceDefinitionId",
    definition_name_field: "sourceName",
    list_field: "sources",
    resource: "Source",
};

const DESTINATIONS: Family = Family {
    prefix: "destinations",
    id_field: "destinationId",
    definition_field: "destinationDefinitionId",
    definition_name_field: "destinationName",
    list_field: "destinations",
    resource: "Destination",
};

impl Family {
    fn path(&self, verb: &str) -> String {
        format!("{}/{verb}", self.prefix)
    }

    async fn definition(&self, app: &TestApp, name: &str) -> String {
        if self.prefix == "sources" {
            fixtures::source_definition(app, name).await
        } else {
            fixtures::destination_definition(app, name).await
        }
    }

    /// A definition of the other family, which this one must refuse.
    async fn other_definition(&self, app: &TestApp) -> String {
        if self.prefix == "sources" {
            fixtures::destination_definition(app, "other").await
        } else {
            fixtures::source_definition(app, "other").await
        }
    }

    fn create_body(&self, workspace: &str, definition: &str, name: &str) -> Value {
        json!({
            "workspaceId": workspace, self.definition_field: definition, "name": name,
            "connectionConfiguration": { "host": "db", "nested": { "list": [1, 2, {"x": null}] } }
        })
    }

    async fn list_names(&self, app: &TestApp, workspace: &str) -> Vec<String> {
        let list = app
            .ok(&self.path("list"), json!({ "workspaceId": workspace }))
            .await;
        list[self.list_field]
            .as_array()
            .expect("array")
            .iter()
            .map(|a| a["name"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

async fn lifecycle(app: &TestApp, family: &Family) {
    let definition = family.definition(app, "Postgres").await;
    let body = family.create_body(DEFAULT_WORKSPACE, &definition, "warehouse");
    let created = app.ok(&family.path("create"), body.clone()).await;
    let actor_id = id(&created, family.id_field);
    assert_eq!(created["workspaceId"], DEFAULT_WORKSPACE);
    assert_eq!(created[family.definition_field], definition.as_str());
    assert_eq!(created["name"], "warehouse");
    assert_eq!(created[family.definition_name_field], "Postgres");
    assert_eq!(
        created["connectionConfiguration"],
        body["connectionConfiguration"]
    );
    app.ok(
        &family.path("create"),
        family.create_body(DEFAULT_WORKSPACE, &definition, "second"),
    )
    .await;
    assert_eq!(
        family.list_names(app, DEFAULT_WORKSPACE).await,
        ["warehouse", "second"]
    );
    let other_workspace = fixtures::workspace(app, "Other").await;
    assert!(family.list_names(app, &other_workspace).await.is_empty());

    let read = app
        .ok(&family.path("get"), json!({ family.id_field: actor_id }))
        .await;
    assert_eq!(read, created);

    let update = json!({
        family.id_field: actor_id, "name": "renamed",
        "connectionConfiguration": { "host": "db2" }
    });
    let updated = app.ok(&family.path("update"), update).await;
    assert_eq!(updated["name"], "renamed");
    assert_eq!(updated["connectionConfiguration"], json!({ "host": "db2" }));
    assert_eq!(updated[family.definition_name_field], "Postgres");

    let deleted = app
        .post(&family.path("delete"), json!({ family.id_field: actor_id }))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(family.list_names(app, DEFAULT_WORKSPACE).await, ["second"]);
    let read = app
        .ok(&family.path("get"), json!({ family.id_field: actor_id }))
        .await;
    assert_eq!(read["name"], "renamed");
    let update = json!({ family.id_field: actor_id, "name": "x", "connectionConfiguration": {} });
    assert_not_found(
        &app.post(&family.path("update"), update).await,
        family.resource,
        &actor_id,
    );
    let again = app
        .post(&family.path("delete"), json!({ family.id_field: actor_id }))
        .await;
    assert_eq!(again.status, 204);
}

async fn reference_rules(app: &TestApp, family: &Family) {
    let definition = family.definition(app, "Def").await;
    let create = family.path("create");
    let reply = app
        .post(&create, family.create_body(UNKNOWN_ID, &definition, "x"))
        .await;
    assert_invalid(&reply, "workspaceId");
    assert_eq!(
        reply.body["validationErrors"][0]["invalidValue"],
        UNKNOWN_ID
    );
    let deleted_workspace = fixtures::workspace(app, "Gone").await;
    app.post(
        "workspaces/delete",
        json!({ "workspaceId": deleted_workspace }),
    )
    .await;
    let reply = app
        .post(
            &create,
            family.create_body(&deleted_workspace, &definition, "x"),
        )
        .await;
    assert_invalid(&reply, "workspaceId");

    let reply = app
        .post(
            &create,
            family.create_body(DEFAULT_WORKSPACE, UNKNOWN_ID, "x"),
        )
        .await;
    assert_invalid(&reply, family.definition_field);
    let other = family.other_definition(app).await;
    let reply = app
        .post(&create, family.create_body(DEFAULT_WORKSPACE, &other, "x"))
        .await;
    assert_invalid(&reply, family.definition_field);

    // A definition in use cannot be deleted; once its users are gone, it can.
    let definition_path = format!("{}_definitions", &family.prefix[..family.prefix.len() - 1]);
    app.ok(
        &create,
        family.create_body(DEFAULT_WORKSPACE, &definition, "user"),
    )
    .await;
    app.ok(
        &create,
        family.create_body(DEFAULT_WORKSPACE, &definition, "user2"),
    )
    .await;
    let reply = app
        .post(
            &format!("{definition_path}/delete"),
            json!({ family.definition_field: definition }),
        )
        .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.body["error"], "CONFLICT");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("2 live "),
        "{}",
        reply.body
    );
    for name in ["user", "user2"] {
        let actors = app
            .ok(
                &family.path("list"),
                json!({ "workspaceId": DEFAULT_WORKSPACE }),
            )
            .await;
        let actor = actors[family.list_field]
            .as_array()
            .expect("array")
            .iter()
            .find(|a| a["name"] == name)
            .expect("listed")
            .clone();
        let reply = app
            .post(
                &family.path("delete"),
                json!({ family.id_field: actor[family.id_field] }),
            )
            .await;
        assert_eq!(reply.status, 204);
    }
    let reply = app
        .post(
            &format!("{definition_path}/delete"),
            json!({ family.definition_field: definition }),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    // A deleted definition takes no new users.
    let reply = app
        .post(
            &create,
            family.create_body(DEFAULT_WORKSPACE, &definition, "x"),
        )
        .await;
    assert_invalid(&reply, family.definition_field);
}

async fn input_errors(app: &TestApp, family: &Family) {
    let definition = family.definition(app, "Def").await;
    let create = family.path("create");
    for field in [
        "workspaceId",
        family.definition_field,
        "connectionConfiguration",
    ] {
        let mut body = family.create_body(DEFAULT_WORKSPACE, &definition, "x");
        body.as_object_mut().expect("object").remove(field);
        assert_invalid(&app.post(&create, body).await, field);
    }
    for bad in [json!("a string"), json!([1, 2]), json!(null)] {
        let mut body = family.create_body(DEFAULT_WORKSPACE, &definition, "x");
        body["connectionConfiguration"] = bad;
        assert_invalid(&app.post(&create, body).await, "connectionConfiguration");
    }
    let mut body = family.create_body(DEFAULT_WORKSPACE, &definition, "x");
    body["name"] = json!("  ");
    assert_invalid(&app.post(&create, body).await, "name");

    for verb in ["get", "delete"] {
        let reply = app
            .post(&family.path(verb), json!({ family.id_field: UNKNOWN_ID }))
            .await;
        assert_not_found(&reply, family.resource, UNKNOWN_ID);
    }
    let update = json!({ family.id_field: UNKNOWN_ID, "name": "x", "connectionConfiguration": {} });
    assert_not_found(
        &app.post(&family.path("update"), update).await,
        family.resource,
        UNKNOWN_ID,
    );
    let reply = app
        .post(&family.path("list"), json!({ "workspaceId": UNKNOWN_ID }))
        .await;
    assert_not_found(&reply, "Workspace", UNKNOWN_ID);
    let gone = fixtures::workspace(app, "Gone").await;
    app.post("workspaces/delete", json!({ "workspaceId": gone }))
        .await;
    let reply = app
        .post(&family.path("list"), json!({ "workspaceId": gone }))
        .await;
    assert_not_found(&reply, "Workspace", &gone);
}

on_both_backends! {
    async fn sources_lifecycle(app: TestApp) {
        lifecycle(&app, &SOURCES).await;
    }

    async fn destinations_lifecycle(app: TestApp) {
        lifecycle(&app, &DESTINATIONS).await;
    }

    async fn sources_reference_rules(app: TestApp) {
        reference_rules(&app, &SOURCES).await;
    }

    async fn destinations_reference_rules(app: TestApp) {
        reference_rules(&app, &DESTINATIONS).await;
    }

    async fn sources_input_errors(app: TestApp) {
        input_errors(&app, &SOURCES).await;
        let definition = fixtures::source_definition(&app, "Def").await;
        // A source needs a name.
        let body = json!({
            "workspaceId": DEFAULT_WORKSPACE, "sourceDefinitionId": definition,
            "connectionConfiguration": {}
        });
        assert_invalid(&app.post("sources/create", body).await, "name");
    }

    async fn destinations_input_errors(app: TestApp) {
        input_errors(&app, &DESTINATIONS).await;
    }

    async fn a_destination_without_a_name_is_named_after_its_definition(app: TestApp) {
        // The 2020 contract's DestinationCreate leaves the name optional: a 2020 client that
        // sends none gets a destination named as Airbyte's front end names it.
        let definition = fixtures::destination_definition(&app, "Warehouse Loader").await;
        let body = json!({
            "workspaceId": DEFAULT_WORKSPACE, "destinationDefinitionId": definition,
            "connectionConfiguration": {}
        });
        let created = app.ok("destinations/create", body.clone()).await;
        assert_eq!(created["name"], "Warehouse Loader");
        let destination = id(&created, "destinationId");
        let read = app
            .ok("destinations/get", json!({ "destinationId": destination }))
            .await;
        assert_eq!(read["name"], "Warehouse Loader");
        let mut unnamed = body;
        unnamed["name"] = json!(null);
        let created = app.ok("destinations/create", unnamed).await;
        assert_eq!(created["name"], "Warehouse Loader");
    }
}
