//! Faults and hostile input, each case a repro from issue 11: a database that drops its
//! sessions, a schedule no calendar holds, a deadlock race, NUL characters, stalled bodies,
//! huge invalid values, a locked-out client id and a recreate that sent back a mask.

use crate::access::credentials_for;
use crate::fixtures::{self, id, DEFAULT_WORKSPACE};
use crate::support::{
    assert_invalid, wait_for, TestApp, TestBackend, PATIENCE, TEST_MAX_TOKEN_FAILURES,
};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Sends one raw HTTP/1.1 request from `from` (a loopback address) and reads the whole
/// answer: (status, body text).
fn raw_request(to: SocketAddr, from: &str, request: &[u8], wait: Duration) -> (u16, String) {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: SocketAddr = format!("{from}:0").parse().unwrap();
    socket.bind(&local.into()).unwrap();
    socket.connect(&to.into()).unwrap();
    let mut stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(request).unwrap();
    // Reads the head, then as many body bytes as it announces (the server may keep the
    // connection open after answering).
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_string())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                return (status, body.to_string());
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => panic!("no whole HTTP answer: {text:?}"),
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn post_from(app: &TestApp, from: &str, path: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let request = format!(
        "POST /api/v1/{path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let (status, text) = raw_request(app.server.addr(), from, request.as_bytes(), PATIENCE);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// How many active connections a workspace holds, read straight from PostgreSQL.
fn active_connections_in(app: &TestApp, workspace: &str) -> i64 {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = diesel::pg::PgConnection::establish(&app.database.url).unwrap();
    let counted: Vec<Count> = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM connections WHERE workspace_id = '{workspace}'::uuid AND status = 'active'"
    ))
    .load(&mut conn)
    .unwrap();
    counted[0].n
}

/// Ends every session the app holds on its PostgreSQL database, as a restart would.
fn terminate_sessions(app: &TestApp) -> usize {
    use diesel::{Connection, RunQueryDsl};
    let admin_url = std::env::var("FERRY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| ferry_persistence::testing::DEFAULT_TEST_POSTGRES_URL.to_string());
    let name = app
        .database
        .url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let mut admin = diesel::pg::PgConnection::establish(&admin_url).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Ended {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        #[allow(dead_code)]
        ended: bool,
    }
    let ended: Vec<Ended> = diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .load(&mut admin)
    .unwrap();
    ended.len()
}

/// A dropped database session costs at most a 503 (with Retry-After) per pooled
/// connection, never a 500, and Ferry recovers without a restart: reads, writes inside
/// transactions and health all work again.
#[actix_web::test]
async fn a_database_that_drops_its_sessions_is_503_then_recovers() {
    let app = TestApp::start(TestBackend::Postgres).await;
    for round in 0..3 {
        // Fill the pool, so that every pooled connection is one that will be cut.
        let call = |i: usize| {
            app.post(
                "workspaces/create",
                json!({ "name": format!("before {round} {i}") }),
            )
        };
        let replies = tokio::join!(call(0), call(1), call(2), call(3), call(4), call(5));
        for reply in [
            replies.0, replies.1, replies.2, replies.3, replies.4, replies.5,
        ] {
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        assert!(terminate_sessions(&app) > 0, "the app held sessions");
        let unavailable = std::cell::Cell::new(0);
        let (app_ref, unavailable_ref) = (&app, &unavailable);
        wait_for(
            "a write and a read to succeed after the sessions were cut",
            PATIENCE,
            move || async move {
                let write = app_ref
                    .post(
                        "workspaces/create",
                        json!({ "name": format!("after {round}") }),
                    )
                    .await;
                let read = app_ref.post("workspaces/list", json!({})).await;
                for reply in [&write, &read] {
                    assert_ne!(
                        reply.status, 500,
                        "a lost session must never be a 500: {}",
                        reply.body
                    );
                    if reply.status == 503 {
                        unavailable_ref.set(unavailable_ref.get() + 1);
                        assert_eq!(reply.body["error"], "SERVICE_UNAVAILABLE");
                        assert!(
                            reply.headers.contains_key("retry-after"),
                            "{:?}",
                            reply.headers
                        );
                    }
                }
                match write.status == 200 && read.status == 200 {
                    true => Ok(()),
                    false => Err(format!(
                        "workspaces/create {}: {}; workspaces/list {}: {}",
                        write.status, write.body, read.status, read.body
                    )),
                }
            },
        )
        .await;
        let unavailable = unavailable.get();
        // The first dead connection met marks every older one suspect: they are tested
        // before use, so the loss costs one 503, not one per pooled connection.
        assert!(
            unavailable <= 1,
            "one lost session is one 503 at most: {unavailable}"
        );
        // Every connection now in the pool is a live one.
        for _ in 0..10 {
            assert_eq!(app.post("workspaces/list", json!({})).await.status, 200);
        }
        assert_eq!(app.get("/api/v1/health").await.status, 200);
    }
}

/// Writes each test once per backend.
mod both {
    use super::*;

    on_both_backends! {
        async fn schedules_are_bounded_per_unit(app: TestApp) {
            let (_, source, destination) = fixtures::pair(&app, "Sched").await;
            let connection = fixtures::connection(&app, &source, &destination).await;
            let update = |units: Value, unit: &str| json!({
                "connectionId": connection["connectionId"], "status": "active",
                "syncSchema": connection["syncSchema"],
                "schedule": { "units": units, "timeUnit": unit }
            });
            // The repro: i64::MAX minutes was accepted and then wedged the scheduler.
            let reply = app.post("connections/update", update(json!(i64::MAX), "minutes")).await;
            assert_invalid(&reply, "schedule.units");
            for (unit, max) in [("minutes", 525_600), ("hours", 8_784), ("days", 366), ("weeks", 53), ("months", 12)] {
                assert_invalid(&app.post("connections/update", update(json!(max + 1), unit)).await, "schedule.units");
                app.ok("connections/update", update(json!(max), unit)).await;
            }
            assert_invalid(&app.post("connections/update", update(json!(0), "days")).await, "schedule.units");
            // Creates follow the same rule.
            let create = json!({ "sourceId": source, "destinationId": destination, "status": "active", "syncMode": "full_refresh",
                "syncSchema": { "streams": [] }, "schedule": { "units": 9_999_999_999i64, "timeUnit": "hours" } });
            assert_invalid(&app.post("connections/create", create).await, "schedule.units");
        }

        async fn nul_is_a_422_in_every_text_field(app: TestApp) {
            let reply = app.post("workspaces/create", json!({ "name": "ok", "description": "a\u{0}b" })).await;
            assert_invalid(&reply, "description");
            assert_invalid(&app.post("workspaces/create", json!({ "name": "a\u{0}" })).await, "name");
            assert_invalid(&app.post("workspaces/get_by_slug", json!({ "slug": "x\u{0}" })).await, "slug");
            assert_invalid(&app.post("workspaces/list", json!({ "nameContains": "\u{0}" })).await, "nameContains");
            let definition = fixtures::source_definition(&app, "Nul").await;
            let source = |config: Value| json!({ "workspaceId": DEFAULT_WORKSPACE,
                "sourceDefinitionId": definition, "name": "s", "connectionConfiguration": config });
            let reply = app.post("sources/create", source(json!({ "host": "h\u{0}st" }))).await;
            assert_invalid(&reply, "connectionConfiguration.host");
            let reply = app.post("sources/create", source(json!({ "k\u{0}": 1 }))).await;
            assert_invalid(&reply, "connectionConfiguration.k\\u0000");
            // Nothing was stored on the way.
            let listed = app.ok("sources/list", json!({ "workspaceId": DEFAULT_WORKSPACE })).await;
            assert_eq!(listed["sources"], json!([]));
        }

        async fn a_huge_invalid_value_is_not_echoed_whole(app: TestApp) {
            // Under the test body limit (64 KiB), but far over what an error may echo.
            let huge = "X".repeat(60_000);
            let reply = app.post("workspaces/list", json!({ "sortBy": huge })).await;
            assert_eq!(reply.status, 422, "{}", reply.body);
            let text = reply.body.to_string();
            assert!(text.len() < 3_000, "the 422 is {} bytes", text.len());
            let echoed = reply.body["validationErrors"][0]["invalidValue"].as_str().unwrap();
            assert_eq!(echoed.chars().count(), 201, "200 characters and an ellipsis");
            assert!(echoed.ends_with('…'));
        }

        async fn a_stalled_body_is_a_408(app: TestApp) {
            // Promises 1,000 bytes, sends 9 and stalls: answered once the read timeout passes.
            let request = b"POST /api/v1/workspaces/list HTTP/1.1\r\nHost: localhost\r\n\
                Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":";
            let started = Instant::now();
            let to = app.server.addr();
            let (status, body) = actix_web::rt::task::spawn_blocking(move || {
                raw_request(to, "127.0.0.1", request, Duration::from_secs(20))
            })
            .await
            .unwrap();
            assert_eq!(status, 408, "{body}");
            assert!(body.contains("REQUEST_TIMEOUT"), "{body}");
            assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
        }

        async fn recreate_keeps_the_secret_behind_a_mask(app: TestApp) {
            let definition = fixtures::source_definition(&app, "Secret").await;
            let created = app.ok("sources/create", json!({ "workspaceId": DEFAULT_WORKSPACE,
                "sourceDefinitionId": definition, "name": "db",
                "connectionConfiguration": { "password": "hunter2" } })).await;
            let masked = created["connectionConfiguration"].clone();
            assert_eq!(masked["password"], "**********");
            // The web front end sends back what it read: the mask.
            let replacement = app.ok("web_backend/sources/recreate", json!({
                "workspaceId": DEFAULT_WORKSPACE, "sourceDefinitionId": definition,
                "sourceId": created["sourceId"], "name": "db 2", "connectionConfiguration": masked })).await;
            // The fixture's check succeeds only with the real password stored.
            let check = app.ok("sources/check_connection",
                json!({ "sourceId": replacement["sourceId"] })).await;
            assert_eq!(check["status"], "succeeded", "{check}");
            assert_eq!(check["message"], "the stored password is hunter2");
        }
    }
}

/// The same, with authentication on.
mod with_auth {
    use super::*;

    on_both_backends_with_auth! {
        async fn wrong_secrets_from_one_address_do_not_lock_out_another(app: TestApp) {
            let user = id(&app.ok("users/create", json!({ "name": "u", "email": "u@ferry.test" })).await, "userId");
            let (_, client_id, client_secret) = credentials_for(&app, &user).await;
            let wrong = json!({ "client_id": client_id, "client_secret": "guess" });
            let right = json!({ "client_id": client_id, "client_secret": client_secret });
            let from_attacker = |body: &Value| post_from(&app, "127.0.0.2", "applications/token", body);
            for _ in 0..TEST_MAX_TOKEN_FAILURES + 2 {
                assert_ne!(from_attacker(&wrong).0, 200);
            }
            assert_eq!(from_attacker(&right).0, 429, "the guessing address is limited");
            let (status, body) = post_from(&app, "127.0.0.1", "applications/token", &right);
            assert_eq!(status, 200, "the real client is not locked out: {body}");
            assert!(body["access_token"].is_string());
        }
    }
}

/// Creating connections in a workspace while it is deleted: every answer is a success, a
/// 404 or a 422 (the workspace or its actors are gone), never a 500 "deadlock detected".
#[actix_web::test]
async fn deleting_a_workspace_while_connections_are_created_never_deadlocks() {
    let app = TestApp::start(TestBackend::Postgres).await;
    let definition_source = fixtures::source_definition(&app, "S").await;
    let definition_destination = fixtures::destination_definition(&app, "D").await;
    for round in 0..50 {
        let workspace = id(
            &app.ok(
                "workspaces/create",
                json!({ "name": format!("race {round}") }),
            )
            .await,
            "workspaceId",
        );
        let source = id(
            &app.ok(
                "sources/create",
                json!({ "workspaceId": workspace,
            "sourceDefinitionId": definition_source, "name": "s", "connectionConfiguration": {} }),
            )
            .await,
            "sourceId",
        );
        let destination = id(&app.ok("destinations/create", json!({ "workspaceId": workspace,
            "destinationDefinitionId": definition_destination, "name": "d", "connectionConfiguration": {} })).await, "destinationId");
        let create = || {
            app.post(
                "connections/create",
                json!({ "sourceId": source, "destinationId": destination,
            "status": "active", "syncSchema": { "streams": [] } }),
            )
        };
        let (a, b, deleted, c) = tokio::join!(
            create(),
            create(),
            app.post("workspaces/delete", json!({ "workspaceId": workspace })),
            create()
        );
        assert_eq!(deleted.status, 204, "{}", deleted.body);
        for reply in [a, b, c] {
            assert!(
                matches!(reply.status, 200 | 404 | 422),
                "round {round}: {} {}",
                reply.status,
                reply.body
            );
        }
        // Whatever won, no active connection is left in the deleted workspace.
        assert_eq!(active_connections_in(&app, &workspace), 0, "round {round}");
    }
}
