//! Transport-level failures share the error envelope and are never a 500.

use crate::support::{assert_invalid, TEST_BODY_LIMIT};
use serde_json::json;

fn assert_envelope(reply: &crate::support::Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["error"], code, "{}", reply.body);
    assert_eq!(reply.body["statusCode"], status);
    assert!(reply.body["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    let timestamp = reply.body["timestamp"].as_str().expect("timestamp");
    assert!(
        chrono::DateTime::parse_from_rfc3339(timestamp).is_ok(),
        "{timestamp}"
    );
}

on_both_backends! {
    async fn malformed_json_is_a_422(app: TestApp) {
        let reply = app
            .post_raw("workspaces/get", Some("application/json"), b"{\"workspaceId\": ".to_vec())
            .await;
        assert_invalid(&reply, "body");
        assert!(reply.body["message"].as_str().unwrap_or_default().contains("malformed JSON"));
        let reply = app
            .post_raw("workspaces/create", Some("application/json"), b"[1, 2]".to_vec())
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
    }

    async fn an_empty_body_is_a_422_where_one_is_required(app: TestApp) {
        let reply = app.post_raw("workspaces/get", Some("application/json"), Vec::new()).await;
        assert_invalid(&reply, "body");
    }

    async fn a_body_over_the_limit_is_a_413(app: TestApp) {
        let name = "x".repeat(TEST_BODY_LIMIT + 1);
        let reply = app.post("workspaces/create", json!({ "name": name })).await;
        assert_envelope(&reply, 413, "PAYLOAD_TOO_LARGE");
    }

    async fn a_non_json_content_type_is_a_415(app: TestApp) {
        for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
            let reply = app
                .post_raw("workspaces/create", Some(content_type), b"{\"name\": \"x\"}".to_vec())
                .await;
            assert_envelope(&reply, 415, "UNSUPPORTED_MEDIA_TYPE");
        }
        // A charset parameter is fine.
        let reply = app
            .post_raw(
                "workspaces/create",
                Some("application/json; charset=utf-8"),
                b"{\"name\": \"x\"}".to_vec(),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    async fn unknown_endpoints_and_wrong_methods_are_404s(app: TestApp) {
        assert_envelope(&app.post("nothing/here", json!({})).await, 404, "RESOURCE_NOT_FOUND");
        assert_envelope(&app.get("/api/v1/workspaces/list").await, 404, "RESOURCE_NOT_FOUND");
    }
}
