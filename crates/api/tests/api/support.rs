//! The harness: a running app, a client, and the macro that runs a test on both backends.

use ferry_api::auth::{AuthSettings, Authenticator, BasicCredentials};
use ferry_api::{ApiSettings, AppState, BodyLimit, BodyReadTimeout};
use ferry_domain::workspace::Regions;
use ferry_worker::{Connectors, Launcher, LauncherSettings};
use std::sync::Arc;

/// The repositories the tests' definitions use, both run by the fixture connector.
pub const FIXTURE_SOURCE: &str = "ferry-test/source-fixture";
pub const FIXTURE_DESTINATION: &str = "ferry-test/destination-fixture";

/// Runs the fixture connector for the fixture repositories; nothing else runs (no docker).
/// The tests' receivers listen on this machine: loopback is allowed, nothing else internal.
pub fn test_outbound() -> ferry_worker::outbound::OutboundPolicy {
    ferry_worker::outbound::OutboundPolicy::new(&["127.0.0.0/8".to_string()]).expect("policy")
}

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
        container: Default::default(),
        config_files_dir: ferry_worker::config_files::default_dir(),
    }
}
pub use ferry_persistence::testing::{TestBackend, TestDatabase};
use serde_json::Value;

/// How long a wait may last before the test fails: generous, for a machine loaded four to
/// ten times over (`stress-ng --cpu 4` on 2 cores). A quiet machine uses a small part of it;
/// only a test about a timeout waits for less.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(300);

/// Asks `probe` every 50 ms until it answers `Ok`, and returns that answer: the one way the
/// tests wait for something to happen (a delivery, a recovery), never a fixed sleep. After
/// `timeout` it panics, saying what it waited for and what the probe last said (its `Err`).
/// A probe that borrows from the test takes copies of references: `let app = &app;` then
/// `move || async move { .. }`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: std::time::Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let started = std::time::Instant::now();
    loop {
        let last = match probe().await {
            Ok(found) => return found,
            Err(seen) => seen,
        };
        if started.elapsed() >= timeout {
            panic!("timed out after {timeout:?} waiting for {what}; last saw: {last}");
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// How long a test notification waits for its receiver (short: some tests make it wait).
pub const TEST_WEBHOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The body limit the tests run with, small so the 413 test stays cheap.
pub const TEST_BODY_LIMIT: usize = 64 * 1024;
/// Short, so that the stalled-body test answers quickly.
pub const TEST_BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub struct TestApp {
    pub server: actix_test::TestServer,
    pub database: TestDatabase,
    /// Authentication as the app was started with it (its signing key included).
    pub auth: Arc<Authenticator>,
    /// The Authorization header `post` and `ok` send; with auth on, the Basic administrator.
    pub default_auth: Option<String>,
}

/// The Basic administrator of apps started with auth on.
pub const BASIC_USER: &str = "root";
pub const BASIC_PASSWORD: &str = "correct horse battery staple";

/// The Authorization header of the Basic administrator.
pub fn basic_admin() -> String {
    use base64::Engine;
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{BASIC_USER}:{BASIC_PASSWORD}"));
    format!("Basic {encoded}")
}

/// Failed token requests allowed per client id in the tests (then 429).
pub const TEST_MAX_TOKEN_FAILURES: usize = 3;

/// A response: the status, the headers and the JSON body (`Value::Null` when there was none).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: actix_web::http::header::HeaderMap,
}

impl TestApp {
    pub async fn start(backend: TestBackend) -> Self {
        Self::serve(TestDatabase::new(backend))
    }

    /// An app with auth on: Basic for the administrator, tokens that live an hour.
    pub async fn start_with_auth(backend: TestBackend) -> Self {
        let settings = AuthSettings {
            enabled: true,
            basic: Some(BasicCredentials {
                username: BASIC_USER.to_string(),
                password: BASIC_PASSWORD.to_string(),
            }),
            max_token_failures: TEST_MAX_TOKEN_FAILURES,
            ..AuthSettings::default()
        };
        let database = TestDatabase::new(backend);
        let auth = Authenticator::load(&database.db, settings).expect("auth set-up");
        let mut app = Self::serve_with(database, auth);
        app.default_auth = Some(basic_admin());
        app
    }

    pub fn serve(database: TestDatabase) -> Self {
        Self::serve_with(database, Authenticator::disabled())
    }

    fn serve_with(database: TestDatabase, auth: Arc<Authenticator>) -> Self {
        let regions =
            Regions::new(vec!["local".into(), "eu-west".into()], "local".into()).expect("regions");
        let state = AppState {
            db: database.db.clone(),
            regions,
            connectors: Connectors::new(Launcher::new(fixture_launcher())),
            auth: auth.clone(),
            tasks: Default::default(),
            metrics: Arc::new(
                ferry_api::metrics::Metrics::new(
                    prometheus::Registry::new(),
                    database.db.backend().name(),
                )
                .expect("metrics"),
            ),
            webhooks: ferry_worker::notify::WebhookSender::new(
                TEST_WEBHOOK_TIMEOUT,
                test_outbound(),
            )
            .expect("webhook client"),
            outbound: test_outbound(),
        };
        let settings = ApiSettings {
            body_limit: BodyLimit(TEST_BODY_LIMIT),
            body_read_timeout: BodyReadTimeout(TEST_BODY_READ_TIMEOUT),
        };
        let server = actix_test::start(move || ferry_api::app(state.clone(), settings.clone()));
        TestApp {
            server,
            database,
            auth,
            default_auth: None,
        }
    }

    /// POSTs a JSON body to `/api/v1/<path>`.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.post_as(path, body, self.default_auth.as_deref()).await
    }

    /// POSTs a JSON body with the given Authorization header (or none).
    pub async fn post_as(&self, path: &str, body: Value, authorization: Option<&str>) -> Reply {
        let bytes = serde_json::to_vec(&body).expect("serialisable body");
        self.send(path, Some("application/json"), bytes, authorization, &[])
            .await
    }

    /// POSTs a JSON body with an `If-Match` header.
    pub async fn post_if_match(&self, path: &str, body: Value, if_match: &str) -> Reply {
        self.post_with_headers(path, body, &[("if-match", if_match)])
            .await
    }

    /// POSTs a JSON body with extra headers.
    pub async fn post_with_headers(
        &self,
        path: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        let bytes = serde_json::to_vec(&body).expect("serialisable body");
        let authorization = self.default_auth.as_deref();
        self.send(
            path,
            Some("application/json"),
            bytes,
            authorization,
            headers,
        )
        .await
    }

    /// POSTs raw bytes with an optional content type.
    pub async fn post_raw(&self, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        self.send(path, content_type, body, self.default_auth.as_deref(), &[])
            .await
    }

    async fn send(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        authorization: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url_path = format!("/api/v1/{path}");
        let sent: Option<Value> = serde_json::from_slice(&body).ok();
        let mut request = self.server.post(&url_path).timeout(PATIENCE);
        if let Some(content_type) = content_type {
            request = request.insert_header(("content-type", content_type));
        }
        if let Some(authorization) = authorization {
            request = request.insert_header(("authorization", authorization));
        }
        for header in headers {
            request = request.insert_header(*header);
        }
        let reply = reply(request.send_body(body).await.expect("request sent")).await;
        crate::conformance::check("post", &url_path, sent.as_ref(), reply.status, &reply.body);
        let etag = reply.headers.get("etag").and_then(|v| v.to_str().ok());
        crate::conformance::check_etag("post", &url_path, reply.status, etag, &reply.body);
        reply
    }

    /// GETs an absolute path such as `/api/v1/health`.
    pub async fn get(&self, path: &str) -> Reply {
        self.get_as(path, self.default_auth.as_deref()).await
    }

    /// GETs an absolute path with the given Authorization header (or none).
    pub async fn get_as(&self, path: &str, authorization: Option<&str>) -> Reply {
        let mut request = self.server.get(path).timeout(PATIENCE);
        if let Some(authorization) = authorization {
            request = request.insert_header(("authorization", authorization));
        }
        let reply = reply(request.send().await.expect("request sent")).await;
        crate::conformance::check("get", path, None, reply.status, &reply.body);
        reply
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
    let headers = response.headers().clone();
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
    Reply {
        status,
        body,
        headers,
    }
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
    let request_id = reply.body["requestId"].as_str().unwrap_or_default();
    assert!(
        reply
            .headers
            .get("x-request-id")
            .is_some_and(|h| h.as_bytes() == request_id.as_bytes()),
        "every error carries its request id, as the header does: {}",
        reply.body
    );
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
    ($($tests:tt)*) => {
        on_both_backends_started_by!(start; $($tests)*);
    };
}

/// Like `on_both_backends!`, with auth on (the app's `default_auth` is the Basic admin).
macro_rules! on_both_backends_with_auth {
    ($($tests:tt)*) => {
        on_both_backends_started_by!(start_with_auth; $($tests)*);
    };
}

/// Both macros: each test once per backend, its app made by `TestApp::$start`.
macro_rules! on_both_backends_started_by {
    ($start:ident; $(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[actix_web::test]
                async fn $name() {
                    let $app = $crate::support::TestApp::$start(
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
                    let $app = $crate::support::TestApp::$start(
                        $crate::support::TestBackend::Postgres,
                    )
                    .await;
                    $body
                }
            )*
        }
    };
}
