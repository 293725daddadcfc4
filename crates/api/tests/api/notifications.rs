//! Notifications through the API, against a real HTTP receiver on loopback (an actix app in
//! the test): webhooks and their secret shown once, test events signed as deliveries are,
//! the delivery log and its list convention, and a worker's delivery task retrying a
//! receiver that fails three times.

use crate::fixtures::{self, id, UNKNOWN_ID};
use crate::support::{assert_invalid, assert_not_found, wait_for, TestApp, PATIENCE};
use actix_web::{web, App, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

/// What the receiver got, shared with the test.
#[derive(Clone, Default)]
pub struct Receiver(Arc<Mutex<Vec<Received>>>);

impl Receiver {
    pub fn all(&self) -> Vec<Received> {
        self.0.lock().unwrap().clone()
    }

    fn on(&self, path: &str) -> Vec<Received> {
        self.all().into_iter().filter(|r| r.path == path).collect()
    }
}

/// Answers by path: `/ok` 200, `/fail` 500, `/slow` 200 after 5 s, `/hang` and `/hang-too`
/// never (within a test), `/flaky` 503 three times and then 200, `/moved` a redirect.
async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    receiver: web::Data<Receiver>,
) -> HttpResponse {
    let received = Received {
        path: req.path().to_string(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let seen_here = {
        let mut all = receiver.0.lock().unwrap();
        all.push(received);
        all.iter().filter(|r| r.path == req.path()).count()
    };
    match req.path() {
        "/ok" => HttpResponse::Ok().body("thanks"),
        "/fail" => HttpResponse::InternalServerError().finish(),
        "/slow" => {
            actix_web::rt::time::sleep(Duration::from_secs(5)).await;
            HttpResponse::Ok().finish()
        }
        "/hang" | "/hang-too" => {
            // Longer than any test waits: a receiver that never answers.
            actix_web::rt::time::sleep(PATIENCE * 2).await;
            HttpResponse::Ok().finish()
        }
        "/flaky" if seen_here <= 3 => HttpResponse::ServiceUnavailable().finish(),
        "/flaky" => HttpResponse::NoContent().finish(),
        "/moved" => HttpResponse::Found()
            .insert_header(("location", "/ok"))
            .finish(),
        _ => HttpResponse::NotFound().finish(),
    }
}

pub fn start_receiver() -> (actix_test::TestServer, Receiver) {
    let receiver = Receiver::default();
    let shared = receiver.clone();
    let server = actix_test::start(move || {
        App::new()
            .app_data(web::Data::new(shared.clone()))
            .default_service(web::to(receive))
    });
    (server, receiver)
}

/// Checks a delivery as a receiver would: the signature over "<t>.<body>" with the secret,
/// a fresh timestamp, the event id in header and body alike. Returns the body.
pub fn verify(secret: &str, received: &Received) -> Value {
    use hmac::{Hmac, Mac};
    let header = &received.headers["x-ferry-signature"];
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v1)| Some((t.strip_prefix("t=")?, v1.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("malformed signature header {header}"));
    assert_eq!(t, received.headers["x-ferry-timestamp"]);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", received.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected, "the signature verifies");
    let age = chrono::Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((-5..300).contains(&age), "a fresh timestamp ({age} s)");
    assert_eq!(received.headers["content-type"], "application/json");
    let body: Value = serde_json::from_str(&received.body).unwrap();
    assert_eq!(body["eventId"], received.headers["x-ferry-event-id"]);
    assert_eq!(body["eventType"], received.headers["x-ferry-event-type"]);
    body
}

async fn create_webhook(
    app: &TestApp,
    workspace: &str,
    url: &str,
    triggers: Value,
) -> (String, String) {
    let created = app
        .ok(
            "notification_webhooks/create",
            json!({ "workspaceId": workspace, "url": url, "notificationTriggers": triggers }),
        )
        .await;
    (id(&created, "webhookId"), id(&created, "signingSecret"))
}

async fn deliveries(app: &TestApp, body: Value) -> Vec<Value> {
    app.ok("notification_deliveries/list", body).await["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

/// An active connection in `workspace` (fixture connectors; nothing runs them here).
async fn connection_in(app: &TestApp, workspace: &str) -> String {
    let source_definition = fixtures::source_definition(app, "Fixture").await;
    let destination_definition = fixtures::destination_definition(app, "Fixture").await;
    let source = fixtures::source(app, workspace, &source_definition, "s").await;
    let destination = fixtures::destination(app, workspace, &destination_definition, "d").await;
    id(
        &fixtures::connection(
            app,
            &id(&source, "sourceId"),
            &id(&destination, "destinationId"),
        )
        .await,
        "connectionId",
    )
}

async fn disable(app: &TestApp, connection: &str) {
    app.ok(
        "connections/update",
        json!({ "connectionId": connection, "syncSchema": fixtures::schema(), "status": "inactive" }),
    )
    .await;
}

on_both_backends! {
    async fn webhooks_cannot_reach_internal_addresses(app: TestApp) {
        // The test's rule allows loopback only (its receivers); everything else internal is
        // refused in every spelling, by name too, and CR/LF cannot be stored.
        let workspace = fixtures::workspace(&app, "Guarded").await;
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://0xa9fea9fe/",
            "http://2852039166/",
            "http://10.0.0.1:8080/hook",
            "http://[fd00::1]/hook",
            "http://[::ffff:10.0.0.1]/",
            "http://0.0.0.0:9/",
            "http://localhost:9/hook",
            "http://a.example/hook\r\nX-Injected: 1",
        ] {
            let reply = app.post("notification_webhooks/create", json!({
                "workspaceId": workspace, "url": url, "notificationTriggers": ["sync_failure"]
            })).await;
            assert_invalid(&reply, "url");
        }
        let (webhook, _) = create_webhook(&app, &workspace, "http://127.0.0.1:9/ok", json!(["sync_failure"])).await;
        let reply = app.post("notification_webhooks/update", json!({
            "webhookId": webhook, "url": "http://169.254.169.254/"
        })).await;
        assert_invalid(&reply, "url");
        let reply = app.post("workspaces/sync_from_remote", json!({
            "url": "http://169.254.169.254/api", "organizationId": "00000000-0000-0000-0000-000000000000",
            "authorization": { "type": "bearer", "token": "t" }
        })).await;
        assert_invalid(&reply, "url");
        assert!(reply.body["message"].as_str().unwrap_or_default().contains("outbound.allow"), "{}", reply.body);
    }

    async fn webhooks_are_managed_and_their_secret_is_shown_once(app: TestApp) {
        let workspace = fixtures::workspace(&app, "Hooks").await;
        let created = app.ok("notification_webhooks/create", json!({
            "workspaceId": workspace, "url": " http://127.0.0.1:9/hook?team=data ",
            "notificationTriggers": ["sync_failure", "connection_disabled", "sync_failure"]
        })).await;
        let webhook = id(&created, "webhookId");
        let secret = id(&created, "signingSecret");
        assert!(secret.len() == 70 && secret.starts_with("whsec_")
            && secret[6..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{secret}");
        assert_eq!(created["name"], "127.0.0.1", "named after its host");
        assert_eq!(created["url"], "http://127.0.0.1:9/hook?team=data");
        assert_eq!(created["notificationTriggers"], json!(["sync_failure", "connection_disabled"]));
        assert_eq!(created["tombstone"], false);
        // Never again: not in get, list, or in clear in the database.
        let got = app.ok("notification_webhooks/get", json!({ "webhookId": webhook })).await;
        assert!(got.get("signingSecret").is_none(), "{got}");
        let listed = app.ok("notification_webhooks/list", json!({ "workspaceId": workspace })).await;
        assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1);
        assert!(!listed.to_string().contains(&secret));
        {
            use diesel::prelude::*;
            use diesel::sql_types::Text;
            #[derive(diesel::QueryableByName)]
            struct Stored {
                #[diesel(sql_type = Text)]
                signing_secret: String,
            }
            let mut conn = app.database.db.connection().unwrap();
            let stored: Vec<Stored> = diesel::sql_query("SELECT signing_secret FROM notification_webhooks")
                .load::<Stored>(&mut **conn).unwrap();
            assert!(stored[0].signing_secret.starts_with("ferry:enc:v1:"));
            assert!(!stored[0].signing_secret.contains(&secret[6..]));
        }
        // A partial update keeps what it leaves out.
        let renamed = app.ok("notification_webhooks/update",
            json!({ "webhookId": webhook, "name": "Data team" })).await;
        assert_eq!(renamed["name"], "Data team");
        assert_eq!(renamed["url"], created["url"]);
        assert_eq!(renamed["notificationTriggers"], created["notificationTriggers"]);
        let moved = app.ok("notification_webhooks/update", json!({ "webhookId": webhook,
            "url": "https://hooks.example.com/ferry", "notificationTriggers": ["sync_success"] })).await;
        assert_eq!(moved["url"], "https://hooks.example.com/ferry");
        assert_eq!(moved["notificationTriggers"], json!(["sync_success"]));
        assert!(moved.get("signingSecret").is_none());
        // Deleted: get still answers, nothing else does.
        let reply = app.post("notification_webhooks/delete", json!({ "webhookId": webhook })).await;
        assert_eq!(reply.status, 204, "{}", reply.body);
        let got = app.ok("notification_webhooks/get", json!({ "webhookId": webhook })).await;
        assert_eq!(got["tombstone"], true);
        let listed = app.ok("notification_webhooks/list", json!({ "workspaceId": workspace })).await;
        assert_eq!(listed["webhooks"], json!([]));
        let reply = app.post("notification_webhooks/update", json!({ "webhookId": webhook, "name": "x" })).await;
        assert_not_found(&reply, "NotificationWebhook", &webhook);
        let reply = app.post("notifications/try_webhook", json!({ "webhookId": webhook })).await;
        assert_not_found(&reply, "NotificationWebhook", &webhook);
        let reply = app.post("notification_webhooks/delete", json!({ "webhookId": webhook })).await;
        assert_eq!(reply.status, 204, "deleting again is fine");
    }

    async fn bad_webhooks_are_refused_naming_the_field(app: TestApp) {
        let workspace = fixtures::workspace(&app, "Refusals").await;
        let create = |url: Value, triggers: Value| json!({
            "workspaceId": workspace, "url": url, "notificationTriggers": triggers });
        for url in [json!("ftp://example.com/x"), json!("not a url"), json!("/relative"),
                    json!(format!("https://example.com/{}", "a".repeat(2048))), json!(7)] {
            let reply = app.post("notification_webhooks/create", create(url, json!(["sync_success"]))).await;
            assert_invalid(&reply, "url");
        }
        let reply = app.post("notification_webhooks/create", create(json!("https://e.com"), json!([]))).await;
        assert_invalid(&reply, "notificationTriggers");
        let reply = app.post("notification_webhooks/create",
            create(json!("https://e.com"), json!(["sync_started"]))).await;
        assert_invalid(&reply, "notificationTriggers[0]");
        let reply = app.post("notification_webhooks/create",
            json!({ "workspaceId": workspace, "url": "https://e.com" })).await;
        assert_invalid(&reply, "notificationTriggers");
        // A reference to nothing is an invalid field (a caller who may not see it gets 404).
        let reply = app.post("notification_webhooks/create", json!({ "workspaceId": UNKNOWN_ID,
            "url": "https://e.com", "notificationTriggers": ["sync_success"] })).await;
        assert_invalid(&reply, "workspaceId");
        for operation in ["notification_webhooks/get", "notification_webhooks/delete", "notifications/try_webhook"] {
            let reply = app.post(operation, json!({ "webhookId": UNKNOWN_ID })).await;
            assert_not_found(&reply, "NotificationWebhook", UNKNOWN_ID);
        }
        let (webhook, _) = create_webhook(&app, &workspace, "https://e.com", json!(["sync_success"])).await;
        let reply = app.post("notification_webhooks/update",
            json!({ "webhookId": webhook, "notificationTriggers": [] })).await;
        assert_invalid(&reply, "notificationTriggers");
        let reply = app.post("notification_webhooks/update", json!({ "webhookId": webhook, "name": " " })).await;
        assert_invalid(&reply, "name");
        let reply = app.post("notifications/try_webhook",
            json!({ "webhookId": webhook, "notificationTrigger": "nope" })).await;
        assert_invalid(&reply, "notificationTrigger");
        // A deleted workspace holds no webhooks any more.
        assert_eq!(app.post("workspaces/delete", json!({ "workspaceId": workspace })).await.status, 204);
        let reply = app.post("notification_webhooks/list", json!({ "workspaceId": workspace })).await;
        assert_not_found(&reply, "Workspace", &workspace);
        let reply = app.post("notification_webhooks/create", create(json!("https://e.com"), json!(["sync_success"]))).await;
        assert_invalid(&reply, "workspaceId");
    }

    async fn try_webhook_posts_a_signed_test_event_and_answers_what_happened(app: TestApp) {
        let (server, receiver) = start_receiver();
        let workspace = fixtures::workspace(&app, "Trying").await;
        let (ok, secret) = create_webhook(&app, &workspace, &server.url("/ok"), json!(["sync_failure"])).await;
        let answer = app.ok("notifications/try_webhook", json!({ "webhookId": ok })).await;
        assert_eq!(answer["status"], "succeeded", "{answer}");
        assert_eq!(answer["statusCode"], 200);
        let got = receiver.on("/ok");
        assert_eq!(got.len(), 1);
        let body = verify(&secret, &got[0]);
        assert_eq!(body["eventId"], answer["eventId"]);
        assert_eq!((&body["eventType"], &body["test"]), (&json!("sync_success"), &json!(true)));
        assert_eq!(body["workspaceId"], workspace);
        assert_eq!(body["data"]["jobStatus"], "succeeded");
        assert!(got[0].headers["user-agent"].starts_with("Ferry-Webhooks/"));
        let answer = app.ok("notifications/try_webhook",
            json!({ "webhookId": ok, "notificationTrigger": "connection_disabled" })).await;
        let body = verify(&secret, &receiver.on("/ok")[1]);
        assert_eq!(body["eventType"], "connection_disabled");
        assert_eq!(body["eventId"], answer["eventId"]);
        // Failures are answered, not raised.
        let (fail, _) = create_webhook(&app, &workspace, &server.url("/fail"), json!(["sync_failure"])).await;
        let answer = app.ok("notifications/try_webhook", json!({ "webhookId": fail })).await;
        assert_eq!((&answer["status"], &answer["statusCode"]), (&json!("failed"), &json!(500)));
        assert!(answer["message"].as_str().unwrap().contains("500"), "{answer}");
        let (moved, _) = create_webhook(&app, &workspace, &server.url("/moved"), json!(["sync_failure"])).await;
        let answer = app.ok("notifications/try_webhook", json!({ "webhookId": moved })).await;
        assert_eq!((&answer["status"], &answer["statusCode"]), (&json!("failed"), &json!(302)));
        assert!(answer["message"].as_str().unwrap().contains("redirects are not followed"), "{answer}");
        assert!(receiver.on("/ok").len() == 2, "the redirect was not followed");
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let unreachable = format!("http://127.0.0.1:{closed}/token-in-path");
        let (refused, _) = create_webhook(&app, &workspace, &unreachable, json!(["sync_failure"])).await;
        let answer = app.ok("notifications/try_webhook", json!({ "webhookId": refused })).await;
        assert_eq!(answer["status"], "failed");
        assert!(answer.get("statusCode").is_none());
        let message = answer["message"].as_str().unwrap();
        assert!(message.starts_with("could not connect"), "{message}");
        assert!(!message.contains("token-in-path"), "the URL is not echoed: {message}");
        // A receiver slower than the timeout (2 s here) is a failure, not a hang.
        let (slow, _) = create_webhook(&app, &workspace, &server.url("/slow"), json!(["sync_failure"])).await;
        let answer = app.ok("notifications/try_webhook", json!({ "webhookId": slow })).await;
        assert_eq!(answer["status"], "failed");
        assert_eq!(answer["message"], "no answer within 2 s", "{answer}");
        // Test events are not in the delivery log.
        assert_eq!(deliveries(&app, json!({ "workspaceId": workspace })).await, Vec::<Value>::new());
    }

    async fn disabled_connections_are_in_the_delivery_log(app: TestApp) {
        let workspace = fixtures::workspace(&app, "Log").await;
        let (wanting, _) = create_webhook(&app, &workspace, "http://127.0.0.1:9/a", json!(["connection_disabled"])).await;
        let (other, _) = create_webhook(&app, &workspace, "http://127.0.0.1:9/b", json!(["sync_failure"])).await;
        let mut connections = Vec::new();
        for _ in 0..3 {
            connections.push(connection_in(&app, &workspace).await);
        }
        disable(&app, &connections[0]).await;
        disable(&app, &connections[0]).await; // already inactive: nothing new
        for doomed in &connections[1..] {
            let reply = app.post("connections/delete", json!({ "connectionId": doomed })).await;
            assert_eq!(reply.status, 204);
        }
        let log = deliveries(&app, json!({ "workspaceId": workspace })).await;
        assert_eq!(log.len(), 3, "{log:?}");
        for entry in &log {
            assert_eq!(entry["webhookId"], wanting);
            assert_eq!((&entry["status"], &entry["attempts"]), (&json!("pending"), &json!(0)));
            assert_eq!(entry["eventType"], "connection_disabled");
            assert!(entry["nextAttemptAt"].is_string() && entry.get("deliveredAt").is_none());
        }
        let times: Vec<chrono::DateTime<chrono::Utc>> =
            log.iter().map(|e| e["createdAt"].as_str().unwrap().parse().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
        // Filters.
        let none = deliveries(&app, json!({ "workspaceId": workspace, "webhookId": other })).await;
        assert!(none.is_empty());
        let pending = deliveries(&app, json!({ "workspaceId": workspace, "status": "pending",
            "eventType": "connection_disabled", "eventId": log[1]["eventId"] })).await;
        assert_eq!(pending, vec![log[1].clone()]);
        let delivered = deliveries(&app, json!({ "workspaceId": workspace, "status": "delivered" })).await;
        assert!(delivered.is_empty());
        // Pages: by keyset, oldest first, then by offset.
        let first = app.ok("notification_deliveries/list",
            json!({ "workspaceId": workspace, "sortOrder": "asc", "pageSize": 2, "includeTotal": true })).await;
        assert_eq!((first["total"].as_i64(), first["hasMore"].as_bool()), (Some(3), Some(true)));
        let cursor = first["nextCursor"].as_str().unwrap();
        let second = app.ok("notification_deliveries/list",
            json!({ "workspaceId": workspace, "sortOrder": "asc", "pageSize": 2, "cursor": cursor })).await;
        assert_eq!(second["hasMore"], false);
        assert!(second.get("nextCursor").is_none());
        let mut paged: Vec<Value> = first["deliveries"].as_array().unwrap().clone();
        paged.extend(second["deliveries"].as_array().unwrap().clone());
        let mut newest_first = log.clone();
        newest_first.reverse();
        assert_eq!(paged, newest_first);
        let offset = app.ok("notification_deliveries/list",
            json!({ "workspaceId": workspace, "pagination": { "pageSize": 1, "rowOffset": 2 } })).await;
        assert_eq!(offset["deliveries"], json!([log[2]]));
        // Refusals.
        let reply = app.post("notification_deliveries/list",
            json!({ "workspaceId": workspace, "pageSize": 2, "cursor": cursor })).await;
        assert_invalid(&reply, "cursor");
        let reply = app.post("notification_deliveries/list", json!({ "workspaceId": workspace,
            "createdAtFrom": "2026-02-01T00:00:00Z", "createdAtTo": "2026-01-01T00:00:00Z" })).await;
        assert_invalid(&reply, "createdAtTo");
        let reply = app.post("notification_deliveries/list", json!({ "workspaceId": workspace, "status": "lost" })).await;
        assert_invalid(&reply, "status");
        let reply = app.post("notification_deliveries/list", json!({ "workspaceId": UNKNOWN_ID })).await;
        assert_not_found(&reply, "Workspace", UNKNOWN_ID);
        // Deleting the webhook fails what it still had pending, saying why.
        let reply = app.post("notification_webhooks/delete", json!({ "webhookId": wanting })).await;
        assert_eq!(reply.status, 204);
        let log = deliveries(&app, json!({ "workspaceId": workspace })).await;
        assert!(log.iter().all(|e| e["status"] == "failed"
            && e["lastError"].as_str().unwrap().contains("webhook was deleted")), "{log:?}");
    }

    async fn a_hung_receiver_delays_only_its_own_deliveries(app: TestApp) {
        let (server, receiver) = start_receiver();
        let workspace = fixtures::workspace(&app, "Hung").await;
        let triggers = json!(["connection_disabled"]);
        create_webhook(&app, &workspace, &server.url("/hang"), triggers.clone()).await;
        create_webhook(&app, &workspace, &server.url("/hang-too"), triggers.clone()).await;
        let (healthy, _) = create_webhook(&app, &workspace, &server.url("/ok"), triggers).await;
        let stop = start_worker(&app);
        // Two events, each to all three webhooks.
        for _ in 0..2 {
            let connection = connection_in(&app, &workspace).await;
            disable(&app, &connection).await;
        }
        let (app_ref, workspace_ref, healthy_ref) = (&app, &workspace, &healthy);
        let log = wait_for("both events delivered to the healthy receiver", PATIENCE, move || async move {
            let log = deliveries(app_ref, json!({ "workspaceId": workspace_ref })).await;
            let delivered = log
                .iter()
                .filter(|d| d["webhookId"] == *healthy_ref && d["status"] == "delivered")
                .count();
            match delivered == 2 {
                true => Ok(log),
                false => Err(format!("{log:?}")),
            }
        })
        .await;
        let _ = stop.send(true);
        // ... while the hung receivers still hold every delivery of theirs: none has an
        // outcome yet (a worker that waited for its whole batch would have recorded the
        // healthy ones only once the hung ones timed out).
        let hung: Vec<&Value> = log.iter().filter(|d| d["webhookId"] != healthy).collect();
        assert_eq!(hung.len(), 4, "{log:?}");
        assert!(
            hung.iter().all(|d| d["status"] == "pending" && d.get("lastError").is_none()),
            "{hung:?}"
        );
        assert_eq!(receiver.on("/ok").len(), 2);
        assert!(!receiver.on("/hang").is_empty() && !receiver.on("/hang-too").is_empty());
    }

    async fn a_worker_delivers_through_a_receiver_that_fails_three_times(app: TestApp) {
        let (server, receiver) = start_receiver();
        let workspace = fixtures::workspace(&app, "Retried").await;
        let (webhook, secret) = create_webhook(&app, &workspace, &server.url("/flaky"),
            json!(["connection_disabled"])).await;
        let connection = connection_in(&app, &workspace).await;
        let stop = start_worker(&app);
        disable(&app, &connection).await;
        let (app_ref, workspace_ref) = (&app, &workspace);
        let delivered = wait_for("the event delivered through /flaky", PATIENCE, move || async move {
            let log = deliveries(app_ref, json!({ "workspaceId": workspace_ref })).await;
            match log.len() == 1 && log[0]["status"] == "delivered" {
                true => Ok(log[0].clone()),
                false => Err(format!("{log:?}")),
            }
        })
        .await;
        let _ = stop.send(true);
        assert_eq!((&delivered["attempts"], &delivered["lastStatusCode"]), (&json!(4), &json!(204)));
        assert_eq!(delivered["webhookId"], webhook);
        assert!(delivered.get("lastError").is_none() && delivered["deliveredAt"].is_string());
        let got = receiver.on("/flaky");
        assert_eq!(got.len(), 4, "three refusals, then the delivery");
        let bodies: Vec<Value> = got.iter().map(|r| verify(&secret, r)).collect();
        assert!(bodies.windows(2).all(|w| w[0] == w[1]), "every attempt sends the same event");
        assert!(got.windows(2).all(|w| w[0].body == w[1].body), "byte for byte");
        assert_eq!(bodies[0]["eventId"], delivered["eventId"]);
        assert_eq!(bodies[0]["eventType"], "connection_disabled");
        assert!(bodies[0].get("test").is_none());
        assert_eq!(bodies[0]["data"]["connectionId"], connection);
        assert_eq!(bodies[0]["data"]["status"], "inactive");
        assert_eq!(bodies[0]["data"]["reason"], "connection set inactive");
    }
}

/// Runs a worker on the app's database until the returned sender says stop: its delivery
/// task retries after 100 ms, doubling to 400 ms. The receiver answers at once: the attempt
/// timeout and the retry window are only bounds, generous for a loaded machine.
fn start_worker(app: &TestApp) -> tokio::sync::watch::Sender<bool> {
    use ferry_domain::notification::DeliveryPolicy;
    use ferry_worker::runner::{NotificationSettings, Worker, WorkerSettings};
    let settings = WorkerSettings {
        poll_interval: Duration::from_millis(100),
        heartbeat_interval: Duration::from_secs(1),
        stale_after: Duration::from_secs(60),
        retries: ferry_persistence::store::jobs::Retries {
            max_attempts: 1,
            backoff: Duration::from_secs(1),
        },
        max_concurrent_attempts: 1,
        attempts_root: std::env::temp_dir().join(format!("ferry-notify-{}", uuid::Uuid::new_v4())),
        shutdown_grace: Duration::from_secs(1),
        notifications: NotificationSettings {
            poll_interval: Duration::from_millis(50),
            policy: DeliveryPolicy {
                timeout: PATIENCE,
                first_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_millis(400),
                retry_for: PATIENCE,
            },
        },
    };
    let launcher = ferry_worker::Launcher::new(ferry_worker::LauncherSettings {
        commands: Default::default(),
        docker: false,
        timeout: Duration::from_secs(10),
        sync_timeout: Duration::from_secs(10),
        container: Default::default(),
        config_files_dir: ferry_worker::config_files::default_dir(),
    });
    let worker = Worker::new(
        app.database.db.clone(),
        launcher,
        settings,
        ferry_worker::metrics::JobMetrics::new(&prometheus::Registry::new()).unwrap(),
        ferry_worker::notify::WebhookSender::new(PATIENCE, crate::support::test_outbound())
            .unwrap(),
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    actix_web::rt::spawn(worker.run(stopped));
    stop
}
