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
        // A charset parameter is fine when it is UTF-8, the only encoding JSON bodies have.
        for content_type in ["application/json; charset=utf-8", "application/json;charset=UTF8"] {
            let reply = app
                .post_raw("workspaces/create", Some(content_type), b"{\"name\": \"x\"}".to_vec())
                .await;
            assert_eq!(reply.status, 200, "{content_type}: {}", reply.body);
        }
        // Any other is refused, naming the header, rather than read as UTF-8 anyway: a Latin-1
        // "é" would otherwise become a replacement character or a 422 about the body.
        for content_type in ["application/json; charset=latin1", "application/json; charset=\"utf-16\""] {
            let reply = app
                .post_raw("workspaces/create", Some(content_type), b"{\"name\": \"caf\xe9\"}".to_vec())
                .await;
            assert_envelope(&reply, 415, "UNSUPPORTED_MEDIA_TYPE");
            let message = reply.body["message"].as_str().unwrap_or_default();
            assert!(message.contains("Content-Type") && message.contains("UTF-8"), "{message}");
        }
    }

    async fn a_name_of_only_invisible_characters_is_a_422(app: TestApp) {
        for name in ["\u{200B}", "\u{200B}\u{FEFF}", "\u{3164}", "\u{2060} \u{200D}"] {
            let reply = app.post("workspaces/create", json!({ "name": name })).await;
            assert_invalid(&reply, "name");
        }
        let reply = app.post("workspaces/create", json!({ "name": "ops \u{1F469}\u{200D}\u{1F4BB}" })).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    async fn a_body_that_is_not_an_object_is_a_422(app: TestApp) {
        // serde would read a struct from an array of its fields in order.
        let organization = "00000000-0000-0000-0000-000000000000";
        for body in [json!([organization]), json!([null]), json!("text"), json!(5)] {
            let reply = app.post("workspaces/stats", body.clone()).await;
            assert_invalid(&reply, "body");
            let message = reply.body["message"].as_str().unwrap_or_default();
            assert!(message.contains("JSON object"), "{body}: {message}");
        }
        let reply = app.post("workspaces/create", json!(["a name"])).await;
        assert_invalid(&reply, "body");
    }

    async fn unknown_endpoints_and_wrong_methods_are_404s(app: TestApp) {
        assert_envelope(&app.post("nothing/here", json!({})).await, 404, "RESOURCE_NOT_FOUND");
        assert_envelope(&app.get("/api/v1/workspaces/list").await, 404, "RESOURCE_NOT_FOUND");
    }
}
