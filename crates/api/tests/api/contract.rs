//! Wire compatibility with the 2020 contract, whose facts (paths, operation ids, schemas,
//! types, required fields, enum values) the repository carries in
//! `tests/contract/airbyte-config-api-2020.json` (its `x-ferry-source` names the origin):
//! every operation Ferry shares with it keeps its method, operationId and body schemas, and
//! every schema it shares keeps every property (same name, same type) and every required one.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn contract() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/contract/airbyte-config-api-2020.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the contract must sit at {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the contract parses")
}

fn ours() -> Value {
    serde_json::from_str(&crate::openapi::generated()).expect("json")
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema["$ref"].as_str()?.rsplit('/').next()
}

/// The JSON type a property schema resolves to (following `$ref`, ignoring `null`).
fn resolved_type(document: &Value, schema: &Value) -> Option<String> {
    if let Some(name) = ref_name(schema) {
        return resolved_type(document, &document["components"]["schemas"][name]);
    }
    // An optional reference is written `oneOf: [{type: null}, {$ref: ...}]`.
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema[combinator].as_array() {
            return options
                .iter()
                .find_map(|option| resolved_type(document, option));
        }
    }
    match &schema["type"] {
        Value::String(t) if t == "null" => None,
        Value::String(t) => Some(t.clone()),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .map(str::to_string),
        _ => None,
    }
}

fn names(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn shared_operations_keep_their_contract() {
    let (contract, ours) = (contract(), ours());
    let mut shared = 0;
    for (path, item) in ours["paths"].as_object().expect("paths") {
        let Some(theirs) = contract["paths"].get(path) else {
            continue;
        };
        shared += 1;
        for (method, operation) in item.as_object().expect("item") {
            let expected = &theirs[method];
            assert!(expected.is_object(), "{path}: the contract has no {method}");
            assert_eq!(operation["operationId"], expected["operationId"], "{path}");
            let body = |op: &Value| {
                ref_name(&op["requestBody"]["content"]["application/json"]["schema"])
                    .map(str::to_string)
            };
            // A list's body may grow into its own schema (the list convention's filters and
            // pages) as long as it is a superset of the contract's: every property the
            // contract names, with its type, and nothing more required (nothing at all
            // when the contract had no body).
            match (body(operation), body(expected)) {
                (Some(ours_name), Some(theirs_name)) if ours_name != theirs_name => {
                    assert!(
                        path.ends_with("/list"),
                        "{path}: request body {ours_name} is not the contract's {theirs_name}"
                    );
                    let our_schema = &ours["components"]["schemas"][&ours_name];
                    let their_schema = &contract["components"]["schemas"][&theirs_name];
                    for (property, their_property) in
                        their_schema["properties"].as_object().expect("properties")
                    {
                        assert_eq!(
                            resolved_type(&ours, &our_schema["properties"][property]),
                            resolved_type(&contract, their_property),
                            "{path}: {ours_name}.{property} must be as {theirs_name}.{property}"
                        );
                    }
                    let extra: BTreeSet<String> = names(&our_schema["required"])
                        .difference(&names(&their_schema["required"]))
                        .cloned()
                        .collect();
                    assert!(
                        extra.is_empty(),
                        "{path}: {ours_name} requires more than {theirs_name}: {extra:?}"
                    );
                }
                // A list the contract calls without a body may take an optional one whose
                // every field is optional: 2020 clients still send nothing.
                (Some(ours_name), None) if path.ends_with("/list") => {
                    assert_ne!(
                        operation["requestBody"]["required"], true,
                        "{path}: the contract sends no body, so {ours_name} must be optional"
                    );
                    let our_schema = &ours["components"]["schemas"][&ours_name];
                    assert!(
                        names(&our_schema["required"]).is_empty(),
                        "{path}: {ours_name} must require nothing"
                    );
                }
                (ours_name, theirs_name) => {
                    assert_eq!(ours_name, theirs_name, "{path}: request body")
                }
            }
            let ok = |op: &Value| {
                ["200", "204"].iter().find_map(|s| {
                    op["responses"].get(*s).map(|r| {
                        (
                            s.to_string(),
                            ref_name(&r["content"]["application/json"]["schema"])
                                .map(str::to_string),
                        )
                    })
                })
            };
            assert_eq!(ok(operation), ok(expected), "{path}: success response");
        }
    }
    assert!(
        shared >= 13,
        "only {shared} operations matched the contract"
    );
}

#[test]
fn shared_schemas_keep_every_property_and_requirement() {
    let (contract, ours) = (contract(), ours());
    let mut shared = 0;
    for (name, schema) in ours["components"]["schemas"].as_object().expect("schemas") {
        let Some(theirs) = contract["components"]["schemas"].get(name) else {
            continue;
        };
        shared += 1;
        let Some(their_properties) = theirs["properties"].as_object() else {
            continue;
        };
        for (property, their_schema) in their_properties {
            let our_schema = &schema["properties"][property];
            assert!(our_schema.is_object(), "{name}.{property} is missing");
            // An untyped contract property (SourceConfiguration) admits any type.
            if let Some(their_type) = resolved_type(&contract, their_schema) {
                assert_eq!(
                    resolved_type(&ours, our_schema),
                    Some(their_type),
                    "{name}.{property} has another type"
                );
            }
        }
        // The contract's DestinationDefinitionUpdate requires a misspelt `dockerImageag` that
        // it never defines; a requirement only binds when the property exists.
        let their_required: BTreeSet<String> = names(&theirs["required"])
            .into_iter()
            .filter(|p| their_properties.contains_key(p))
            .collect();
        let our_required = names(&schema["required"]);
        let is_request =
            name.ends_with("Create") || name.ends_with("Update") || name.ends_with("RequestBody");
        if is_request {
            // A request may demand no more than the contract does, or its clients break; no
            // exceptions (DestinationCreate's name and DestinationDefinitionUpdate's tag, which
            // the contract requires only under a misspelt name, are optional).
            let extra: BTreeSet<&String> = our_required.difference(&their_required).collect();
            assert!(extra.is_empty(), "{name}: Ferry also requires {extra:?}");
        } else {
            // A read provides at least what the contract promises.
            assert!(
                their_required.is_subset(&our_required),
                "{name}: the contract requires {their_required:?}, Ferry {our_required:?}"
            );
        }
    }
    assert!(shared >= 40, "only {shared} schemas matched the contract");
}
