//! The checked-in document (docs/openapi.json) is what the server serves. Regenerate it with
//! `UPDATE_OPENAPI=1 cargo test -p ferry-api --test api openapi` after changing an endpoint.

use crate::support::{TestApp, TestBackend, TestDatabase};
use std::path::PathBuf;

fn checked_in_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

pub fn generated() -> String {
    ferry_api::openapi_json()
}

#[test]
fn the_checked_in_document_is_current() {
    let path = checked_in_path();
    let generated = generated();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "docs/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p ferry-api --test api openapi` and commit it"
    );
}

#[actix_web::test]
async fn the_served_document_is_the_generated_one() {
    let app = TestApp::serve(TestDatabase::new(TestBackend::Sqlite));
    let served = app.get("/api/openapi.json").await;
    assert_eq!(served.status, 200);
    let generated: serde_json::Value = serde_json::from_str(&generated()).expect("json");
    assert_eq!(served.body, generated);
}

#[test]
fn every_operation_declares_its_errors() {
    let document: serde_json::Value = serde_json::from_str(&generated()).expect("json");
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            let responses = operation["responses"].as_object().expect("responses");
            if method == "post" {
                assert!(responses.contains_key("500"), "{method} {path} lacks 500");
                for status in ["413", "415", "422"] {
                    let has_body = operation.get("requestBody").is_some();
                    assert_eq!(
                        responses.contains_key(status),
                        has_body,
                        "{method} {path}: {status} declared iff there is a body"
                    );
                }
            }
            for (status, response) in responses {
                // Readiness answers its own body with 503 (what load balancers read).
                let readiness = path == "/v1/health" && status == "503";
                if (status.starts_with('4') || status.starts_with('5')) && !readiness {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorResponse",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

/// Every operation has a summary (its handler's first doc line): generated clients and
/// linters need one.
#[test]
fn every_operation_has_a_summary() {
    let document: serde_json::Value = serde_json::from_str(&generated()).expect("json");
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            let summary = operation["summary"].as_str().unwrap_or_default();
            assert!(!summary.trim().is_empty(), "{method} {path} has no summary");
        }
    }
}
