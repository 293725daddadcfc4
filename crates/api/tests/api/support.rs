//! The harness: a running app, a client, and the macro that runs a test on both backends.

use ferry_api::{ApiSettings, AppState, BodyLimit};
use ferry_domain::workspace::Regions;
use ferry_worker::{Connectors, Launcher, LauncherSettings};

/// The repositories the tests' definitions use, both run by the fixture connector.
pub const FIXTURE_SOURCE: &str = "ferry-test/source-fixture";
pub const FIXTURE_DESTINATION: &str = "ferry-test/destination-fixture";

/// Runs the fixture connector for the fixture repositories; nothing else runs (no docker).
fn fixture_launcher() -> LauncherSettings {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/connectors/fixture-connector.sh"
    );
    let command = vec!["sh".to_string(), script.to_string()];
    LauncherSettings {
        commands: [FIXTURE_SOURCE, FIXTURE_DESTINATION]
            .iter()
            .map(|repository| (repository.to_string(), command.clone()))
            .collect(),
        docker: false,
        timeout: std::time::Duration::from_secs(60),
        sync_timeout: std::time::Duration::from_secs(60),
    }
}
pub use ferry_persistence::testing::{TestBackend, TestDatabase};
use serde_json::Value;

/// The body limit the tests run with, small so the 413 test stays cheap.
pub const TEST_BODY_LIMIT: usize = 64 * 1024;

pub struct TestApp {
    pub server: actix_test::TestServer,
    pub database: TestDatabase,
}

/// A response: the status and the JSON body (`Value::Null` when there was none).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl TestApp {
    pub async fn start(backend: TestBackend) -> Self {
        Self::serve(TestDatabase::new(backend))
    }

    pub fn serve(database: TestDatabase) -> Self {
        let regions =
            Regions::new(vec!["local".into(), "eu-west".into()], "local".into()).expect("regions");
        let state = AppState {
            db: database.db.clone(),
            regions,
            connectors: Connectors::new(Launcher::new(fixture_launcher())),
        };
        let settings = ApiSettings {
            body_limit: BodyLimit(TEST_BODY_LIMIT),
        };
        let server = actix_test::start(move || ferry_api::app(state.clone(), settings.clone()));
        TestApp { server, database }
    }

    /// POSTs a JSON body to `/api/v1/<path>`.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        let bytes = serde_json::to_vec(&body).expect("serialisable body");
        self.post_raw(path, Some("application/json"), bytes).await
    }

    /// POSTs raw bytes with an optional content type.
    pub async fn post_raw(&self, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let mut request = self.server.post(format!("/api/v1/{path}"));
        if let Some(content_type) = content_type {
            request = request.insert_header(("content-type", content_type));
        }
        reply(request.send_body(body).await.expect("request sent")).await
    }

    /// GETs an absolute path such as `/api/v1/health`.
    pub async fn get(&self, path: &str) -> Reply {
        reply(self.server.get(path).send().await.expect("request sent")).await
    }

    /// POSTs and asserts the status, returning the body.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
        let reply = self.post(path, body).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        reply.body
    }
}

async fn reply<S>(mut response: awc::ClientResponse<S>) -> Reply
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let status = response.status().as_u16();
    let bytes = response
        .body()
        .limit(16 * 1024 * 1024)
        .await
        .expect("body read");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply { status, body }
}

/// Asserts an error reply: its status, its code, and that one violation names `path`.
pub fn assert_invalid(reply: &Reply, path: &str) {
    assert_eq!(
        reply.status, 422,
        "expected 422 naming {path}: {}",
        reply.body
    );
    assert_eq!(reply.body["error"], "VALIDATION_ERROR");
    assert_eq!(reply.body["statusCode"], 422);
    let violations = reply.body["validationErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no validationErrors in {}", reply.body));
    assert!(
        violations.iter().any(|v| v["propertyPath"] == path),
        "no violation names {path}: {}",
        reply.body
    );
    assert!(reply.body["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

/// Asserts a 404 that names the resource and the id.
pub fn assert_not_found(reply: &Reply, resource: &str, id: &str) {
    assert_eq!(reply.status, 404, "expected 404: {}", reply.body);
    assert_eq!(reply.body["error"], "RESOURCE_NOT_FOUND");
    assert_eq!(reply.body["id"], id);
    assert_eq!(reply.body["details"]["resourceType"], resource);
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(resource) && message.contains(id),
        "{message}"
    );
}

/// Writes each test once per backend: `mod sqlite { ... }` and `mod postgres { ... }`.
macro_rules! on_both_backends {
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[actix_web::test]
                async fn $name() {
                    let $app = $crate::support::TestApp::start(
                        $crate::support::TestBackend::Sqlite,
                    )
                    .await;
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[actix_web::test]
                async fn $name() {
                    let $app = $crate::support::TestApp::start(
                        $crate::support::TestBackend::Postgres,
                    )
                    .await;
                    $body
                }
            )*
        }
    };
}
