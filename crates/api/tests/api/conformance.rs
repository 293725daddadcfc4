//! Every call the suite makes is checked against the served OpenAPI document: the status must
//! be one the operation declares, the response body must match the schema declared for that
//! status, and a request body the server accepted (2xx) must match the request schema. A
//! mismatch fails the test that made the call, naming the operation and the JSON path.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The document the server serves, as JSON (generated from the code, as the server does).
fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::to_value(ferry_api::openapi()).expect("the document"))
}

/// Validators by (document, JSON pointer); None where nothing is declared.
type Compiled = HashMap<(usize, String), Option<Arc<jsonschema::Validator>>>;

/// A compiled validator for the schema at `pointer` inside `document`, or None when nothing
/// is declared there. Compiled once per pointer and document.
fn validator_at(document: &Value, pointer: &str) -> Option<Arc<jsonschema::Validator>> {
    static CACHE: OnceLock<Mutex<Compiled>> = OnceLock::new();
    let key = (document as *const Value as usize, pointer.to_string());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return found.clone();
    }
    let compiled = document.pointer(pointer).map(|_| {
        // The whole document is the root, so `#/components/schemas/...` references resolve;
        // its other members are keywords a JSON Schema validator ignores.
        let mut root = document.clone();
        root["$ref"] = Value::String(format!("#{pointer}"));
        Arc::new(
            jsonschema::validator_for(&root)
                .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}")),
        )
    });
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, compiled.clone());
    compiled
}

/// `/` and `~` escaped for a JSON pointer segment.
fn segment(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

/// Checks one exchange against `document`. `path` is the document's path (`/v1/...`).
pub fn check_against(
    document: &Value,
    method: &str,
    path: &str,
    request: Option<&Value>,
    status: u16,
    response: &Value,
) -> Result<(), String> {
    let Some(operation) = document["paths"]
        .get(path)
        .and_then(|item| item.get(method))
    else {
        return Ok(()); // not an operation of the document (an unknown path, the docs page)
    };
    let name = operation["operationId"].as_str().unwrap_or(path);
    let operation_pointer = format!("/paths/{}/{method}", segment(path));
    let status_text = status.to_string();
    if operation["responses"].get(&status_text).is_none() {
        return Err(format!(
            "{name} answered {status}, which the document does not declare: {response}"
        ));
    }
    let response_pointer =
        format!("{operation_pointer}/responses/{status_text}/content/application~1json/schema");
    match validator_at(document, &response_pointer) {
        Some(validator) => {
            if response.is_null() {
                return Err(format!(
                    "{name} {status}: the document declares a body, none came"
                ));
            }
            if let Some(error) = validator.iter_errors(response).next() {
                return Err(format!(
                    "{name} {status}: the response does not match the document at {}: {error}; body: {response}",
                    error.instance_path()
                ));
            }
        }
        // A text answer (metrics) is declared under its own content type.
        None if operation["responses"][&status_text]["content"]["text/plain"].is_object() => {}
        None if !response.is_null() => {
            return Err(format!(
                "{name} {status}: a body came that the document does not declare: {response}"
            ));
        }
        None => {}
    }
    if let (Some(request), true) = (request, (200..300).contains(&status)) {
        let request_pointer =
            format!("{operation_pointer}/requestBody/content/application~1json/schema");
        if let Some(validator) = validator_at(document, &request_pointer) {
            if let Some(error) = validator.iter_errors(request).next() {
                return Err(format!(
                    "{name}: the server accepted a request the document refuses, at {}: {error}; body: {request}",
                    error.instance_path()
                ));
            }
        }
        // Every field a client sent is one the document names: a field the server reads
        // but the document leaves out (as `pageSize` once was) cannot be sent by an SDK.
        // Tests that send an unknown field on purpose name it `unknown*` or `zzz*`.
        if let (Some(fields), Some(sent)) = (
            document
                .pointer(&request_pointer)
                .and_then(|s| declared_fields(document, s)),
            request.as_object(),
        ) {
            let undeclared: Vec<&String> = sent
                .keys()
                .filter(|k| !fields.contains(k.as_str()))
                .filter(|k| !k.starts_with("unknown") && !k.starts_with("zzz"))
                .collect();
            if !undeclared.is_empty() {
                return Err(format!(
                    "{name}: the server accepted fields the document does not name: {undeclared:?}"
                ));
            }
        }
    }
    Ok(())
}

/// The property names an object schema declares (through `$ref`, `allOf`, `oneOf` and
/// `anyOf`); None for a free-form object, which names none.
fn declared_fields<'d>(
    document: &'d Value,
    schema: &'d Value,
) -> Option<std::collections::HashSet<&'d str>> {
    if let Some(reference) = schema["$ref"].as_str() {
        let target = document.pointer(reference.trim_start_matches('#'))?;
        return declared_fields(document, target);
    }
    let mut fields: std::collections::HashSet<&str> = schema["properties"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            fields.extend(declared_fields(document, part).unwrap_or_default());
        }
    }
    (!fields.is_empty()).then_some(fields)
}

/// Checks one exchange against the served document; panics on a mismatch.
pub fn check(method: &str, url_path: &str, request: Option<&Value>, status: u16, response: &Value) {
    let Some(path) = url_path.strip_prefix("/api") else {
        return;
    };
    let path = path.split('?').next().unwrap_or(path);
    if let Err(mismatch) = check_against(document(), method, path, request, status, response) {
        panic!("the wire disagrees with the document: {mismatch}");
    }
}

/// Every answer the document says carries an `ETag` carries one, and it is the version in its
/// body (`"<version>"`), so If-Match clients can rely on it.
pub fn check_etag(method: &str, url_path: &str, status: u16, etag: Option<&str>, response: &Value) {
    let Some(path) = url_path.strip_prefix("/api") else {
        return;
    };
    let declared = document()["paths"][path][method]["responses"][status.to_string()]["headers"]
        .get("ETag")
        .is_some();
    if !declared {
        return;
    }
    let expected = format!("\"{}\"", response["version"]);
    assert_eq!(
        etag,
        Some(expected.as_str()),
        "{path} {status}: the document declares an ETag, the version of the body"
    );
}

/// The check catches drift deliberately put back into real answers: a required field
/// missing, an enum value the document does not list (the Rust name, as before issue 12), an
/// undeclared status, and a request field the document would refuse.
mod the_check_catches_drift {
    use super::*;
    use crate::fixtures::{self, DEFAULT_WORKSPACE};
    use serde_json::json;

    on_both_backends! {
        async fn drift_fails_naming_the_operation_and_the_path(app: TestApp) {
            let document = document();
            let workspace = app.ok("workspaces/get", json!({ "workspaceId": DEFAULT_WORKSPACE })).await;
            let check = |path: &str, request: Option<&Value>, status: u16, body: &Value| {
                check_against(document, "post", path, request, status, body)
            };
            check("/v1/workspaces/get", None, 200, &workspace).expect("a real answer conforms");
            let mut missing = workspace.clone();
            missing.as_object_mut().unwrap().remove("slug");
            let error = check("/v1/workspaces/get", None, 200, &missing).expect_err("drift");
            assert!(error.contains("getWorkspace") && error.contains("slug"), "{error}");

            let (_, source, destination) = fixtures::pair(&app, "Drift").await;
            let connection = fixtures::connection(&app, &source, &destination).await;
            let mut renamed = connection.clone();
            renamed["syncMode"] = json!("FullRefresh");
            let error = check("/v1/connections/get", None, 200, &renamed).expect_err("drift");
            assert!(error.contains("getConnection") && error.contains("/syncMode"), "{error}");

            let error = check("/v1/workspaces/get", None, 418, &workspace).expect_err("drift");
            assert!(error.contains("418"), "{error}");

            // A field the server read but the document does not name (pageSize, once).
            let list = app.ok("workspaces/list", json!({})).await;
            let request = json!({ "pageSiz": 3 });
            let error = check("/v1/workspaces/list", Some(&request), 200, &list).expect_err("drift");
            assert!(error.contains("listWorkspaces") && error.contains("pageSiz"), "{error}");
            check("/v1/workspaces/list", Some(&json!({ "pageSize": 3 })), 200, &list).expect("named");

            let request = json!({ "workspaceId": DEFAULT_WORKSPACE, "name": 5 });
            let error = check("/v1/workspaces/update", Some(&request), 200, &workspace).expect_err("drift");
            assert!(error.contains("updateWorkspace") && error.contains("/name"), "{error}");
        }
    }
}
