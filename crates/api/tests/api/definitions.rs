//! source_definitions/* and destination_definitions/*: the same rules for both families.

use crate::support::{assert_invalid, assert_not_found, TestApp};
use serde_json::{json, Value};

const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000002";

/// The names one definition family uses on the wire.
struct Family {
    prefix: &'static str,
    id_field: &'static str,
    list_field: &'static str,
    resource: &'static str,
    /// What every fresh database already lists: Ferry's own connectors, the sample source
    /// and the local-json destination.
    builtin: &'static [&'static str],
}

const SOURCE: Family = Family {
    prefix: "source_definitions",
    id_field: "sourceDefinitionId",
    list_field: "sourceDefinitions",
    resource: "SourceDefinition",
    builtin: &["Sample"],
};

const DESTINATION: Family = Family {
    prefix: "destination_definitions",
    id_field: "destinationDefinitionId",
    list_field: "destinationDefinitions",
    resource: "DestinationDefinition",
    builtin: &["Local JSON"],
};

impl Family {
    fn path(&self, verb: &str) -> String {
        format!("{}/{verb}", self.prefix)
    }

    fn id_body(&self, id: &str) -> Value {
        json!({ self.id_field: id })
    }
}

fn definition(name: &str) -> Value {
    json!({
        "name": name,
        "dockerRepository": "airbyte/source-faker",
        "dockerImageTag": "0.1.0",
        "documentationUrl": "https://docs.airbyte.io/integrations/sources/faker"
    })
}

async fn list_names(app: &TestApp, family: &Family) -> Vec<String> {
    let list = app.ok(&family.path("list"), json!({})).await;
    list[family.list_field]
        .as_array()
        .expect("list array")
        .iter()
        .map(|d| d["name"].as_str().unwrap_or_default().to_string())
        .filter(|name| !family.builtin.contains(&name.as_str()))
        .collect()
}

async fn lifecycle(app: &TestApp, family: &Family) {
    let created = app.ok(&family.path("create"), definition("Faker")).await;
    let id = created[family.id_field].as_str().expect("id").to_string();
    assert_eq!(created["name"], "Faker");
    assert_eq!(created["dockerRepository"], "airbyte/source-faker");
    assert_eq!(created["dockerImageTag"], "0.1.0");
    assert_eq!(
        created["documentationUrl"],
        "https://docs.airbyte.io/integrations/sources/faker"
    );
    app.ok(&family.path("create"), definition("Second")).await;
    assert_eq!(list_names(app, family).await, ["Faker", "Second"]);

    let read = app.ok(&family.path("get"), family.id_body(&id)).await;
    assert_eq!(read, created);

    let update = json!({ family.id_field: id, "dockerImageTag": "0.2.1" });
    let updated = app.ok(&family.path("update"), update).await;
    assert_eq!(updated["dockerImageTag"], "0.2.1");
    assert_eq!(updated["name"], "Faker");
    let read = app.ok(&family.path("get"), family.id_body(&id)).await;
    assert_eq!(read, updated);

    let deleted = app.post(&family.path("delete"), family.id_body(&id)).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(list_names(app, family).await, ["Second"]);
    // A deleted definition can still be read (jobs and sources refer to it) ...
    let read = app.ok(&family.path("get"), family.id_body(&id)).await;
    assert_eq!(read["dockerImageTag"], "0.2.1");
    // ... but not changed; deleting it again changes nothing.
    let update = json!({ family.id_field: id, "dockerImageTag": "0.3.0" });
    assert_not_found(
        &app.post(&family.path("update"), update).await,
        family.resource,
        &id,
    );
    assert_eq!(
        app.post(&family.path("delete"), family.id_body(&id))
            .await
            .status,
        204
    );
}

async fn errors(app: &TestApp, family: &Family) {
    for verb in ["get", "delete"] {
        let reply = app
            .post(&family.path(verb), family.id_body(UNKNOWN_ID))
            .await;
        assert_not_found(&reply, family.resource, UNKNOWN_ID);
    }
    let update = json!({ family.id_field: UNKNOWN_ID, "dockerImageTag": "1.0" });
    assert_not_found(
        &app.post(&family.path("update"), update).await,
        family.resource,
        UNKNOWN_ID,
    );

    let create = family.path("create");
    for field in [
        "name",
        "dockerRepository",
        "dockerImageTag",
        "documentationUrl",
    ] {
        let mut body = definition("x");
        body.as_object_mut().expect("object").remove(field);
        assert_invalid(&app.post(&create, body).await, field);
    }
    let cases = [
        ("documentationUrl", json!("not a url")),
        ("documentationUrl", json!("ftp://example.com/x")),
        ("dockerRepository", json!("Airbyte/Upper")),
        ("dockerImageTag", json!("has space")),
        ("name", json!("")),
    ];
    for (field, value) in cases {
        let mut body = definition("x");
        body[field] = value.clone();
        let reply = app.post(&create, body).await;
        assert_invalid(&reply, field);
        if let Some(text) = value.as_str() {
            assert_eq!(reply.body["validationErrors"][0]["invalidValue"], text);
        }
    }
    let bad_tag = json!({ family.id_field: UNKNOWN_ID, "dockerImageTag": "-x" });
    assert_invalid(
        &app.post(&family.path("update"), bad_tag).await,
        "dockerImageTag",
    );
    let no_id = json!({ "dockerImageTag": "1.0" });
    assert_invalid(
        &app.post(&family.path("update"), no_id).await,
        family.id_field,
    );
    assert_invalid(
        &app.post(&family.path("get"), json!({})).await,
        family.id_field,
    );
    assert!(list_names(app, family).await.is_empty());
}

on_both_backends! {
    async fn source_definitions_lifecycle(app: TestApp) {
        lifecycle(&app, &SOURCE).await;
    }

    async fn destination_definitions_lifecycle(app: TestApp) {
        lifecycle(&app, &DESTINATION).await;
    }

    async fn source_definition_errors(app: TestApp) {
        errors(&app, &SOURCE).await;
    }

    async fn destination_definition_errors(app: TestApp) {
        errors(&app, &DESTINATION).await;
    }

    async fn an_update_without_a_tag_changes_nothing_of_a_destination_definition(app: TestApp) {
        // The 2020 contract requires a misspelt `dockerImageag` of DestinationDefinitionUpdate,
        // so its clients may send no dockerImageTag: the definition is answered as it is.
        let created = app.ok(&DESTINATION.path("create"), definition("Faker")).await;
        let id = created[DESTINATION.id_field].as_str().expect("id").to_string();
        let unchanged = app
            .ok("destination_definitions/update", json!({ "destinationDefinitionId": id }))
            .await;
        assert_eq!(unchanged, created);
        let stale = json!({ "destinationDefinitionId": id, "expectedVersion": 7 });
        let reply = app.post("destination_definitions/update", stale).await;
        assert_eq!(reply.status, 409, "{}", reply.body);
        let gone = app.post(&DESTINATION.path("delete"), DESTINATION.id_body(&id)).await;
        assert_eq!(gone.status, 204, "{}", gone.body);
        assert_not_found(
            &app.post("destination_definitions/update", json!({ "destinationDefinitionId": id }))
                .await,
            "DestinationDefinition",
            &id,
        );
        // A source definition's update requires its tag, as the contract does.
        let source = app.ok(&SOURCE.path("create"), definition("Faker")).await;
        let no_tag = json!({ "sourceDefinitionId": source[SOURCE.id_field] });
        assert_invalid(&app.post("source_definitions/update", no_tag).await, "dockerImageTag");
    }

    async fn ferrys_own_connectors_are_registered_from_the_first_start(app: TestApp) {
        let list = app.ok("destination_definitions/list", json!({})).await;
        let builtin: Vec<&Value> = list["destinationDefinitions"]
            .as_array()
            .expect("array")
            .iter()
            .filter(|d| d["dockerRepository"] == "ferry/destination-local-json")
            .collect();
        assert_eq!(builtin.len(), 1, "{list}");
        assert_eq!(builtin[0]["name"], "Local JSON");
        let sources = app.ok("source_definitions/list", json!({})).await["sourceDefinitions"].clone();
        let sources = sources.as_array().expect("array");
        assert_eq!(sources.len(), 1, "only Ferry's sample source: {sources:?}");
        assert_eq!(sources[0]["dockerRepository"], "ferry/source-sample");
        assert_eq!(sources[0]["name"], "Sample");
    }

    async fn the_two_families_do_not_see_each_other(app: TestApp) {
        let source = app.ok("source_definitions/create", definition("S")).await;
        let id = source["sourceDefinitionId"].as_str().expect("id");
        let reply = app
            .post("destination_definitions/get", json!({ "destinationDefinitionId": id }))
            .await;
        assert_not_found(&reply, "DestinationDefinition", id);
        assert!(list_names(&app, &DESTINATION).await.is_empty());
    }
}
