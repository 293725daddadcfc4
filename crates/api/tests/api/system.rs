//! health, debug, and the docs page.

use crate::support::{TestApp, TestBackend, TestDatabase};
use ferry_persistence::{Database, PoolOptions};
use std::time::Duration;

on_both_backends! {
    async fn health_reports_a_reachable_database(app: TestApp) {
        let reply = app.get("/api/v1/health").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, serde_json::json!({ "db": true, "storageFull": false }));
    }

    async fn debug_names_the_version_and_backend(app: TestApp) {
        let reply = app.get("/api/v1/debug").await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["info"]["version"], env!("CARGO_PKG_VERSION"));
        let expected = app.database.db.backend().name();
        assert_eq!(reply.body["info"]["database"], expected);
    }
}

/// An app whose database cannot be reached: nothing listens on port 1.
fn unreachable_database() -> Database {
    let options = PoolOptions {
        max_connections: 2,
        connect_timeout: Duration::from_millis(500),
        ..PoolOptions::default()
    };
    Database::open("postgres://postgres@127.0.0.1:1/ferry", &options).expect("pool")
}

#[actix_web::test]
async fn health_is_503_when_the_database_is_down_and_liveness_is_200() {
    let state = ferry_api::AppState::new(unreachable_database());
    let server = actix_test::start(move || ferry_api::app(state.clone(), Default::default()));
    let mut response = server.get("/api/v1/health").send().await.expect("sent");
    assert_eq!(
        response.status().as_u16(),
        503,
        "load balancers must notice"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        body,
        serde_json::json!({ "db": false, "storageFull": false })
    );
    let mut response = server
        .get("/api/v1/health/liveness")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        response.status().as_u16(),
        200,
        "liveness does not touch the database"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "live": true }));

    // Other endpoints answer 503 with an errorId, never a 500 or a hang.
    let mut response = server
        .post("/api/v1/workspaces/list")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..]),
        "a 503 says when to retry"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"], "SERVICE_UNAVAILABLE");
    assert!(body["errorId"].as_str().is_some());
    assert!(
        !body.to_string().contains("127.0.0.1:1"),
        "internals leaked: {body}"
    );
}

#[actix_web::test]
async fn the_docs_page_is_served() {
    let app = TestApp::serve(TestDatabase::new(TestBackend::Sqlite));
    let page = app.get("/api/docs/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.as_str().unwrap_or_default().contains("swagger"),
        "{}",
        page.body
    );
    // Without the trailing slash the page redirects there (the client follows it).
    let redirected = app.get("/api/docs").await;
    assert_eq!(redirected.status, 200);
    assert_eq!(redirected.body, page.body);
}
