//! `Idempotency-Key`: a repeat replays the first answer with no second effect, another body
//! under the same key is refused, a lost response can be recovered by retrying, and
//! concurrent repeats make one effect and one answer.

use crate::fixtures::{self, id};
use crate::support::{assert_invalid, wait_for, TestApp, PATIENCE};
use ferry_persistence::store::idempotency_keys;
use serde_json::{json, Value};
use std::io::Write;

const KEY: &str = "Idempotency-Key";

fn source_body(workspace: &str, definition: &str, name: &str) -> Value {
    json!({
        "workspaceId": workspace, "sourceDefinitionId": definition, "name": name,
        "connectionConfiguration": { "count": 100, "seed": 7 }
    })
}

async fn sources_in(app: &TestApp, workspace: &str) -> Vec<Value> {
    app.ok("sources/list", json!({ "workspaceId": workspace }))
        .await["sources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

on_both_backends! {
    async fn a_repeated_create_replays_its_first_answer(app: TestApp) {
        let workspace = fixtures::workspace(&app, "idempotent").await;
        let definition = fixtures::source_definition(&app, "Faker").await;
        let body = source_body(&workspace, &definition, "once");
        let first = app.post_with_headers("sources/create", body.clone(), &[(KEY, "create-1")]).await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert!(first.headers.get("idempotent-replayed").is_none());
        let again = app.post_with_headers("sources/create", body.clone(), &[(KEY, "create-1")]).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.body, first.body, "the replay is the first answer");
        assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");
        assert_eq!(again.headers.get("etag"), first.headers.get("etag"));
        assert_eq!(sources_in(&app, &workspace).await.len(), 1, "one effect");

        // Another key is another request; no key at all acts every time.
        let other = app.post_with_headers("sources/create", body.clone(), &[(KEY, "create-2")]).await;
        assert_ne!(other.body["sourceId"], first.body["sourceId"]);
        app.ok("sources/create", body.clone()).await;
        assert_eq!(sources_in(&app, &workspace).await.len(), 3);

        // The same key with another body, or for another operation: 422 on the header.
        let changed = source_body(&workspace, &definition, "twice");
        let reply = app.post_with_headers("sources/create", changed, &[(KEY, "create-1")]).await;
        assert_invalid(&reply, KEY);
        let reply = app
            .post_with_headers("workspaces/create", json!({ "name": "w" }), &[(KEY, "create-1")])
            .await;
        assert_invalid(&reply, KEY);
        assert_eq!(sources_in(&app, &workspace).await.len(), 3);
    }

    async fn refusals_are_replayed_too_and_bad_keys_are_refused(app: TestApp) {
        let workspace = fixtures::workspace(&app, "refusals").await;
        // A 422 is an answer: the same request with the key answers it again.
        let bad = json!({ "workspaceId": workspace, "sourceDefinitionId": fixtures::UNKNOWN_ID,
                          "name": "x", "connectionConfiguration": {} });
        let first = app.post_with_headers("sources/create", bad.clone(), &[(KEY, "k")]).await;
        assert_eq!(first.status, 422);
        let again = app.post_with_headers("sources/create", bad, &[(KEY, "k")]).await;
        assert_eq!(again.status, 422);
        assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");

        let long = "k".repeat(256);
        for key in [long.as_str(), "tab\tkey"] {
            let reply = app
                .post_with_headers("workspaces/create", json!({ "name": "w" }), &[(KEY, key)])
                .await;
            assert_invalid(&reply, KEY);
        }
        let reply = app
            .post_with_headers("workspaces/create", json!({ "name": "w" }), &[(KEY, &"k".repeat(255))])
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    async fn a_create_whose_answer_was_lost_is_recovered_by_its_retry(app: TestApp) {
        let workspace = fixtures::workspace(&app, "lost").await;
        let definition = fixtures::source_definition(&app, "Faker").await;
        let body = serde_json::to_vec(&source_body(&workspace, &definition, "lost")).unwrap();
        // A client sends the create and hangs up before the answer (its time-out).
        let address = app.server.addr();
        let request = format!(
            "POST /api/v1/sources/create HTTP/1.1\r\nHost: ferry\r\nContent-Type: application/json\r\n\
             {KEY}: lost-1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
        stream.shutdown(std::net::Shutdown::Both).unwrap();
        drop(stream);
        // The lost call reached the server once it claimed its key (the only key of this test).
        let db = &app.database.db;
        wait_for("the lost call to claim its key", PATIENCE, move || async move {
            match db.run(idempotency_keys::count).await {
                Ok(0) => Err("no key stored".to_string()),
                Ok(_) => Ok(()),
                Err(error) => Err(format!("counting the keys: {error}")),
            }
        })
        .await;
        // The retry with the same key gets the first call's answer (waiting for it if needed).
        let retry = app
            .post_with_headers("sources/create", source_body(&workspace, &definition, "lost"), &[(KEY, "lost-1")])
            .await;
        assert_eq!(retry.status, 200, "{}", retry.body);
        let sources = sources_in(&app, &workspace).await;
        assert_eq!(sources.len(), 1, "one source, however many tries: {sources:?}");
        assert_eq!(sources[0]["sourceId"], retry.body["sourceId"]);
    }

    async fn concurrent_syncs_with_one_key_queue_one_job(app: TestApp) {
        let (_, source, destination) = fixtures::pair(&app, "sync-key").await;
        let connection = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let app = &app;
        let calls = (0..20).map(|_| {
            let connection = connection.clone();
            async move {
                app.post_with_headers("connections/sync", json!({ "connectionId": connection }), &[(KEY, "sync-1")])
                    .await
            }
        });
        let replies = futures_util::future::join_all(calls).await;
        let first = &replies[0];
        for reply in &replies {
            assert_eq!(reply.status, 200, "{}", reply.body);
            assert_eq!(reply.body["job"]["id"], first.body["job"]["id"], "one answer for all");
        }
        let replayed = replies.iter().filter(|r| r.headers.get("idempotent-replayed").is_some()).count();
        assert_eq!(replayed, 19, "one call acted, the others replayed it");
        let jobs = app
            .ok("jobs/list", json!({ "configType": "sync", "configId": connection }))
            .await;
        assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1, "{jobs}");
    }
}

mod with_auth {
    use super::*;
    use crate::access::token_for;

    on_both_backends_with_auth! {
        async fn keys_belong_to_their_caller(app: TestApp) {
            let ann = id(&app.ok("users/create", json!({ "name": "Ann", "email": "ann@ferry.test" })).await, "userId");
            let bob = id(&app.ok("users/create", json!({ "name": "Bob", "email": "bob@ferry.test" })).await, "userId");
            let as_ann = format!("Bearer {}", token_for(&app, &ann).await);
            let as_bob = format!("Bearer {}", token_for(&app, &bob).await);
            let create = |header: String| {
                let app = &app;
                async move {
                    let bytes = serde_json::to_vec(&json!({ "name": "mine" })).unwrap();
                    app.server
                        .post("/api/v1/applications/create")
                        .timeout(PATIENCE)
                        .insert_header(("content-type", "application/json"))
                        .insert_header(("authorization", header))
                        .insert_header((KEY, "same-key"))
                        .send_body(bytes)
                        .await
                        .unwrap()
                        .json::<Value>()
                        .await
                        .unwrap()
                }
            };
            let ann_first = create(as_ann.clone()).await;
            let bob_first = create(as_bob).await;
            assert_ne!(ann_first["id"], bob_first["id"], "one caller's key never answers another");
            let ann_again = create(as_ann).await;
            assert_eq!(ann_again["id"], ann_first["id"]);
        }
    }
}
