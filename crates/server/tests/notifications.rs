//! Notifications end to end with the `ferry` binary: real syncs (the built-in sample source
//! into the built-in local-json destination) post `sync_success` and `sync_failure` to real
//! HTTP receivers on loopback (actix servers in this process), signed, once each; a receiver
//! that fails three times gets the event on the fourth attempt; and a `kill -9` between an
//! event and its delivery does not lose it: the next start delivers it. On SQLite and on
//! PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ferry::Ferry;
use common::free_port;
use ferry_persistence::testing::TestBackend;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const WORKSPACE: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";

/// A `ferry serve` that can be killed and started again on its database and directory.
/// One attempt per job, so a failing sync fails at once; deliveries retried after 1 s, then
/// 2 s. The receivers answer at once: the delivery timeout is only a bound.
fn start(backend: TestBackend) -> Ferry {
    Ferry::builder(backend)
        .setting("worker", "max_attempts = 1")
        .setting("notifications", "timeout_secs = 60")
        .setting("notifications", "retry_backoff_secs = 1")
        .setting("notifications", "max_backoff_secs = 2")
        .setting("notifications", "retry_for_secs = 600")
        .setting("notifications", "poll_interval_ms = 200")
        .start()
}

/// A connection from a new sample source to a new local-json destination writing under
/// `path`.
fn connection(ferry: &Ferry, path: &str) -> String {
    let source = ferry.ok(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "name": "sample",
                "sourceDefinitionId": ferry.builtin("source", "ferry/source-sample"),
                "connectionConfiguration": { "count": 20, "seed": 1 } }),
    );
    let destination = ferry.ok(
        "destinations/create",
        json!({ "workspaceId": WORKSPACE, "name": path,
                "destinationDefinitionId": ferry.builtin("destination", "ferry/destination-local-json"),
                "connectionConfiguration": { "destination_path": path } }),
    );
    let schema = ferry.ok(
        "sources/discover_schema",
        json!({ "sourceId": source["sourceId"] }),
    )["schema"]
        .clone();
    ferry.ok(
        "connections/create",
        json!({ "sourceId": source["sourceId"], "destinationId": destination["destinationId"],
                "syncMode": "full_refresh", "syncSchema": schema, "status": "active" }),
    )["connectionId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Syncs `connection` and waits for the job to end; returns its id and status.
fn sync(ferry: &Ferry, connection: &str) -> (i64, String) {
    let job = ferry.ok("connections/sync", json!({ "connectionId": connection }))["job"]["id"]
        .as_i64()
        .unwrap();
    let info = common::wait_for_job(ferry.port, &json!(job));
    (job, info["job"]["status"].as_str().unwrap().to_string())
}

fn webhook(ferry: &Ferry, url: &str, triggers: Value) -> (String, String) {
    let created = ferry.ok(
        "notification_webhooks/create",
        json!({ "workspaceId": WORKSPACE, "url": url, "notificationTriggers": triggers }),
    );
    (
        created["webhookId"].as_str().unwrap().to_string(),
        created["signingSecret"].as_str().unwrap().to_string(),
    )
}

fn deliveries(ferry: &Ferry) -> Vec<Value> {
    ferry.ok(
        "notification_deliveries/list",
        json!({ "workspaceId": WORKSPACE, "sortOrder": "asc" }),
    )["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

/// Polls the delivery log until `done` holds.
fn deliveries_until(ferry: &Ferry, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    common::wait_for(
        &format!("the delivery log to show {what}"),
        common::PATIENCE,
        || {
            let log = deliveries(ferry);
            match done(&log) {
                true => Ok(log),
                false => Err(format!("{log:#?}")),
            }
        },
    )
}

/// One request a receiver got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: String,
    at: Instant,
}

/// An HTTP receiver on `127.0.0.1:port`, in its own thread: `/flaky` answers 503 three times
/// and then 204; anything else 200.
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn start(port: u16) -> Receiver {
        use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let shared = Arc::clone(&received);
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    let shared = Arc::clone(&shared);
                    App::new().default_service(web::to(
                        move |req: HttpRequest, body: web::Bytes| {
                            let shared = Arc::clone(&shared);
                            async move {
                                let seen = {
                                    let mut all = shared.lock().unwrap();
                                    all.push(Received {
                                        path: req.path().to_string(),
                                        headers: req
                                            .headers()
                                            .iter()
                                            .map(|(k, v)| {
                                                (
                                                    k.as_str().to_string(),
                                                    v.to_str().unwrap().to_string(),
                                                )
                                            })
                                            .collect(),
                                        body: String::from_utf8(body.to_vec()).unwrap(),
                                        at: Instant::now(),
                                    });
                                    all.iter().filter(|r| r.path == req.path()).count()
                                };
                                match req.path() {
                                    "/flaky" if seen <= 3 => {
                                        HttpResponse::ServiceUnavailable().finish()
                                    }
                                    "/flaky" => HttpResponse::NoContent().finish(),
                                    _ => HttpResponse::Ok().finish(),
                                }
                            }
                        },
                    ))
                })
                .workers(1)
                .disable_signals()
                .bind(("127.0.0.1", port))
                .unwrap()
                .run();
                handle_tx.send(server.handle()).unwrap();
                server.await.unwrap();
            });
        });
        let handle = handle_rx
            .recv_timeout(common::PATIENCE)
            .expect("the receiver started");
        Receiver {
            received,
            handle,
            thread: Some(thread),
        }
    }

    fn on(&self, path: &str) -> Vec<Received> {
        let all = self.received.lock().unwrap();
        all.iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Waits until `path` has had `count` requests.
    fn wait_for(&self, path: &str, count: usize) -> Vec<Received> {
        common::wait_for(
            &format!("{count} requests at {path}"),
            common::PATIENCE,
            || {
                let got = self.on(path);
                match got.len() >= count {
                    true => Ok(got),
                    false => Err(format!("{} requests: {got:#?}", got.len())),
                }
            },
        )
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stopping is a future of the receiver's own system; any executor may drive it.
        std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false)))
            .join()
            .unwrap();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Checks a delivery as a receiver would: `X-Ferry-Signature` is `t=<t>,v1=<hex
/// HMAC-SHA256(secret, "<t>.<body>")>` with a fresh `t`, and the event id is in header and
/// body alike. Returns the body.
fn verify(secret: &str, received: &Received) -> Value {
    use hmac::{Hmac, Mac};
    let header = &received.headers["x-ferry-signature"];
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v1)| Some((t.strip_prefix("t=")?, v1.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("malformed signature {header}"));
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
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let age = now - t.parse::<i64>().unwrap();
    assert!((-5..300).contains(&age), "a fresh timestamp ({age} s)");
    let body: Value = serde_json::from_str(&received.body).unwrap();
    assert_eq!(body["eventId"], received.headers["x-ferry-event-id"]);
    assert_eq!(body["eventType"], received.headers["x-ferry-event-type"]);
    body
}

/// Events by id, each once: what a receiver that de-duplicates keeps.
fn by_event_id(secret: &str, received: &[Received]) -> HashMap<String, Value> {
    received
        .iter()
        .map(|r| {
            let body = verify(secret, r);
            (body["eventId"].as_str().unwrap().to_string(), body)
        })
        .collect()
}

fn sync_events(backend: TestBackend) {
    let receiver_port = free_port();
    let receiver = Receiver::start(receiver_port);
    let ferry = start(backend);
    let dir = &ferry.dir;
    let url = |path: &str| format!("http://127.0.0.1:{receiver_port}{path}");
    let (all, all_secret) = webhook(
        &ferry,
        &url("/all"),
        json!(["sync_success", "sync_failure"]),
    );
    let (flaky, flaky_secret) = webhook(&ferry, &url("/flaky"), json!(["sync_success"]));
    let good = connection(&ferry, "good");
    // A file where the destination wants its directory: the write fails.
    std::fs::create_dir_all(dir.path().join("data/local-json")).unwrap();
    std::fs::write(dir.path().join("data/local-json/blocked"), "in the way").unwrap();
    let bad = connection(&ferry, "blocked");
    let (good_job, status) = sync(&ferry, &good);
    assert_eq!(status, "succeeded");
    let (bad_job, status) = sync(&ferry, &bad);
    assert_eq!(status, "failed");

    let log = deliveries_until(&ferry, "three deliveries delivered", |log| {
        log.len() == 3 && log.iter().all(|d| d["status"] == "delivered")
    });
    // Each event arrives once at /all, signed; after de-duplication by id, exactly the two.
    let at_all = receiver.on("/all");
    let events = by_event_id(&all_secret, &at_all);
    assert_eq!(at_all.len(), 2, "no duplicate: {at_all:#?}");
    assert_eq!(events.len(), 2);
    let success = events
        .values()
        .find(|e| e["eventType"] == "sync_success")
        .unwrap();
    let failure = events
        .values()
        .find(|e| e["eventType"] == "sync_failure")
        .unwrap();
    assert_eq!(success["workspaceId"], WORKSPACE);
    assert_eq!(
        (&success["data"]["connectionId"], &success["data"]["jobId"]),
        (&json!(good), &json!(good_job))
    );
    assert_eq!(success["data"]["jobStatus"], "succeeded");
    assert_eq!(
        success["data"]["recordsSynced"], 60,
        "20 records in each of 3 streams"
    );
    assert_eq!(
        (&failure["data"]["connectionId"], &failure["data"]["jobId"]),
        (&json!(bad), &json!(bad_job))
    );
    assert_eq!(
        (&failure["data"]["jobStatus"], &failure["data"]["attempts"]),
        (&json!("failed"), &json!(1))
    );
    let reason = failure["data"]["failureReason"].as_str().unwrap();
    assert!(reason.starts_with("attempt failed: "), "{reason}");
    assert!(success["data"].get("failureReason").is_none());
    // /flaky wanted successes only: three refusals, then the same event, byte for byte.
    let at_flaky = receiver.wait_for("/flaky", 4);
    assert_eq!(at_flaky.len(), 4);
    let flaky_events = by_event_id(&flaky_secret, &at_flaky);
    assert_eq!(flaky_events.len(), 1, "one event, four attempts");
    assert_eq!(flaky_events.values().next().unwrap(), success);
    assert!(at_flaky.iter().all(|r| r.body == at_flaky[0].body));
    // A figure, not an assertion: the waits between attempts (configured 1 s, then 2 s, capped
    // at 2 s, plus up to one poll interval of 200 ms).
    let waits: Vec<String> = at_flaky
        .windows(2)
        .map(|w| format!("{:.2} s", (w[1].at - w[0].at).as_secs_f64()))
        .collect();
    eprintln!(
        "{backend:?}: waits between the attempts at /flaky: {}",
        waits.join(", ")
    );
    // The log says the same.
    let entry = |webhook: &str, event: &Value| {
        log.iter()
            .find(|d| d["webhookId"] == webhook && d["eventId"] == event["eventId"])
            .unwrap_or_else(|| panic!("no delivery of {event} to {webhook}: {log:#?}"))
            .clone()
    };
    assert_eq!(entry(&all, success)["attempts"], 1);
    assert_eq!(entry(&all, failure)["attempts"], 1);
    let retried = entry(&flaky, success);
    assert_eq!(
        (&retried["attempts"], &retried["lastStatusCode"]),
        (&json!(4), &json!(204))
    );
    let ids: BTreeSet<&str> = log.iter().map(|d| d["eventId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    // The log shows deliveries by event id, and never a secret or a webhook URL.
    let logged = ferry.log();
    assert!(
        logged.contains(success["eventId"].as_str().unwrap()),
        "deliveries are logged by event id"
    );
    assert!(!logged.contains(&all_secret[6..]) && !logged.contains(&flaky_secret[6..]));
    assert!(!logged.contains("/flaky") && !logged.contains(&format!("127.0.0.1:{receiver_port}")));
}

#[test]
fn sync_events_arrive_signed_and_once_on_sqlite() {
    sync_events(TestBackend::Sqlite);
}

#[test]
fn sync_events_arrive_signed_and_once_on_postgres() {
    sync_events(TestBackend::Postgres);
}

/// The receiver is unreachable when the event is written and attempted; ferry is killed
/// with SIGKILL; the receiver comes up; the next start delivers the event from the outbox.
fn kill_before_delivery(backend: TestBackend) {
    let receiver_port = free_port(); // nothing listens there yet
    let mut ferry = start(backend);
    let (_, secret) = webhook(
        &ferry,
        &format!("http://127.0.0.1:{receiver_port}/hook"),
        json!(["sync_success"]),
    );
    let connection = connection(&ferry, "killed");
    let (job, status) = sync(&ferry, &connection);
    assert_eq!(status, "succeeded");
    let log = deliveries_until(&ferry, "a failed attempt", |log| {
        log.len() == 1 && log[0]["attempts"].as_i64() >= Some(1) && log[0]["lastError"].is_string()
    });
    assert_eq!(log[0]["status"], "pending", "{log:#?}");
    assert!(
        log[0]["lastError"]
            .as_str()
            .unwrap()
            .starts_with("could not connect"),
        "{log:#?}"
    );
    let event_id = log[0]["eventId"].clone();
    // `kill -9`: no shutdown, no last write.
    ferry.stop_with("KILL");

    let receiver = Receiver::start(receiver_port);
    let restarted = Instant::now();
    ferry.serve();
    let got = receiver.wait_for("/hook", 1);
    eprintln!(
        "{backend:?}: delivered {:.2} s after the restart began",
        (got[0].at - restarted).as_secs_f64()
    );
    let body = verify(&secret, &got[0]);
    assert_eq!(body["eventId"], event_id);
    assert_eq!(body["eventType"], "sync_success");
    assert_eq!(
        (&body["data"]["jobId"], &body["data"]["connectionId"]),
        (&json!(job), &json!(connection))
    );
    let log = deliveries_until(&ferry, "delivered after the restart", |log| {
        log.len() == 1 && log[0]["status"] == "delivered"
    });
    assert_eq!(log[0]["eventId"], event_id);
    assert!(log[0]["attempts"].as_i64().unwrap() >= 2, "{log:#?}");
}

#[test]
fn a_kill_between_event_and_delivery_still_delivers_on_sqlite() {
    kill_before_delivery(TestBackend::Sqlite);
}

#[test]
fn a_kill_between_event_and_delivery_still_delivers_on_postgres() {
    kill_before_delivery(TestBackend::Postgres);
}
