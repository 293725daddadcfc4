//! The `ferry` binary as an operator runs it: serve, a graceful stop on SIGTERM, migrate,
//! openapi, JSON logs, and a clear refusal of bad configuration.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ferry::{Ferry, FerryBuilder, Log};
use common::PATIENCE;
use ferry_persistence::testing::TestBackend;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

/// A `ferry` as an operator first runs it: no setting but its address and its SQLite file
/// (`ferry.sqlite3` in its directory, the key generated beside it); the tests configure the
/// rest with `FERRY_*` variables.
fn ferry() -> FerryBuilder {
    Ferry::plain(TestBackend::Sqlite).sqlite_file("ferry.sqlite3")
}

/// A bare HTTP/1.1 GET, so the test needs no client library.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(PATIENCE)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

/// SIGTERM, then waits for the exit; returns its status and everything it printed.
fn stop(ferry: &mut Ferry) -> (std::process::ExitStatus, String) {
    let status = ferry.stop_with("TERM");
    (status, ferry.log())
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigterm() {
    let mut ferry = ferry()
        .env("FERRY_SERVER__WORKERS", "1")
        .env("FERRY_LOG__FORMAT", "json")
        .start();
    let health = http_get(ferry.port, "/api/v1/health").unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        health.ends_with("{\"db\":true,\"storageFull\":false}"),
        "{health}"
    );
    let (status, logs) = stop(&mut ferry);
    assert!(status.success(), "exit: {status:?}");
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let messages: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["fields"]["message"].as_str())
        .collect();
    assert!(messages.contains(&"database ready"), "{messages:?}");
    assert!(
        messages.contains(&"created the default workspace"),
        "{messages:?}"
    );
    assert!(messages.contains(&"Ferry stopped"), "{messages:?}");
    assert!(ferry.dir.path().join("ferry.sqlite3").exists());
}

#[test]
fn migrate_is_idempotent() {
    let ferry = ferry().configure();
    for _ in 0..2 {
        let output = ferry.command(&["migrate"]).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn openapi_prints_the_checked_in_document() {
    let ferry = ferry().configure();
    let output = ferry.command(&["openapi"]).output().unwrap();
    assert!(output.status.success());
    let checked_in = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json"),
    )
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), checked_in);
}

#[test]
fn bad_configuration_is_refused_with_a_message() {
    let mut ferry = ferry().configure();
    ferry.set_env("FERRY_SERVER__LISTEN", Some("not an address"));
    let output = ferry.serve_refused();
    ferry.set_env("FERRY_SERVER__LISTEN", None);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot listen on not an address"),
        "{stderr}"
    );

    let output = ferry
        .command(&["migrate"])
        .env("FERRY_LOG__FORMAT", "xml")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid configuration") && stderr.to_lowercase().contains("log.format"),
        "{stderr}"
    );
}

/// A new user's typos stop ferry at start with the key they meant, rather than leaving a
/// setting at its default (issue 25.10, 25.11).
#[test]
fn typos_in_configuration_stop_ferry_naming_the_closest_key() {
    let ferry = ferry().configure();
    let refused = |name: &str, value: &str| {
        let output = ferry
            .command(&["migrate"])
            .env(name, value)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{name}={value} was accepted");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };

    let stderr = refused("FERRY_SERVER__LISTNE", "127.0.0.1:9");
    assert!(
        stderr.contains("FERRY_SERVER__LISTNE") && stderr.contains("`server.listen`"),
        "{stderr}"
    );
    let stderr = refused("FERRY_DATABSE__URL", "sqlite://elsewhere.sqlite3");
    assert!(stderr.contains("`database`"), "{stderr}");

    let stderr = refused("FERRY_DATABASE__URL", "postgress://ferry:pw@db/ferry");
    assert!(stderr.contains("\"postgress\""), "{stderr}");
    assert!(
        !stderr.contains("pw@"),
        "the password is not echoed: {stderr}"
    );
    let stderr = refused("FERRY_DATABASE__URL", "mysql://x");
    assert!(stderr.contains("sqlite://"), "{stderr}");
    let entries: Vec<String> = std::fs::read_dir(ferry.dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !entries
            .iter()
            .any(|name| name.starts_with("postgress") || name.starts_with("mysql")),
        "a mistyped URL became a file: {entries:?}"
    );

    let output = ferry
        .command(&["config", "check"])
        .env("FERRY_AUTH__BASIC_PASSWORD", "hunter2-secret")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("127.0.0.1:{}", ferry.port)),
        "{stdout}"
    );
    assert!(stdout.contains("FERRY_AUTH__BASIC_PASSWORD"), "{stdout}");
    assert!(stdout.contains("basic_password = \"(hidden)\""), "{stdout}");
    assert!(!stdout.contains("hunter2"), "{stdout}");
}

#[test]
fn version_names_the_commit() {
    let output = ferry()
        .configure()
        .command(&["--version"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8_lossy(&output.stdout);
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map_or("unknown".to_string(), |output| {
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        });
    assert_eq!(
        printed.trim(),
        format!("ferry {} (commit {commit})", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn worker_runs_alone_and_stops_on_sigterm() {
    let mut ferry = ferry().configure();
    ferry.spawn(&["worker"]);
    let log_path = ferry.log_path();
    common::wait_for("\"worker started\" in the worker's log", PATIENCE, || {
        match std::fs::read_to_string(&log_path)
            .unwrap_or_default()
            .contains("worker started")
        {
            true => Ok(()),
            false => Err(format!("the log: {}", common::tail(&log_path, 20))),
        }
    });
    let (status, logs) = stop(&mut ferry);
    assert!(status.success(), "exit: {status:?}");
    assert!(logs.contains("worker stopping"), "{logs}");
}

/// A bare HTTP/1.1 POST of a JSON body: (status, body).
fn http_post(port: u16, path: &str, body: &str, authorization: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n{authorization}\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn auth_off_on_a_reachable_address_is_refused_unless_allowed() {
    let mut ferry = ferry().env("FERRY_WORKER__ENABLED", "false").configure();
    let reachable = format!("0.0.0.0:{}", ferry.port);
    ferry.set_env("FERRY_SERVER__LISTEN", Some(&reachable));
    let output = ferry.serve_refused();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to serve without authentication")
            && stderr.contains("auth.enabled"),
        "{stderr}"
    );
    ferry.set_env("FERRY_AUTH__ALLOW_UNAUTHENTICATED_REMOTE", Some("true"));
    ferry.serve();
    let health = http_get(ferry.port, "/api/v1/health").unwrap();
    assert!(health.starts_with("HTTP/1.1 200"));
    stop(&mut ferry);
}

#[test]
fn first_credentials_come_from_the_command_line_and_secrets_stay_out_of_logs() {
    let mut ferry = ferry().configure();
    let output = ferry
        .command(&[
            "users",
            "create",
            "--email",
            "Ops@Example.com",
            "--instance-admin",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let user: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(user["email"], "Ops@Example.com");
    assert_eq!(user["instanceAdmin"], true);
    let output = ferry
        .command(&["applications", "create", "--user", "ops@example.com"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let application: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let client_id = application["clientId"].as_str().unwrap().to_string();
    let client_secret = application["clientSecret"].as_str().unwrap().to_string();

    ferry.set_env("FERRY_WORKER__ENABLED", Some("false"));
    ferry.set_env("FERRY_AUTH__ENABLED", Some("true"));
    ferry.set_env("FERRY_LOG__LEVEL", Some("debug"));
    ferry.serve();
    let port = ferry.port;
    let (status, _) = http_post(port, "/api/v1/workspaces/list", "{}", None);
    assert_eq!(status, 401);
    let wrong = format!(r#"{{"client_id":"{client_id}","client_secret":"nope"}}"#);
    assert_eq!(
        http_post(port, "/api/v1/applications/token", &wrong, None).0,
        401
    );
    let right = format!(r#"{{"client_id":"{client_id}","client_secret":"{client_secret}"}}"#);
    let (status, body) = http_post(port, "/api/v1/applications/token", &right, None);
    assert_eq!(status, 200, "{body}");
    let token: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {token}");
    let (status, body) = http_post(port, "/api/v1/workspaces/list", "{}", Some(&bearer));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"default\""), "{body}");
    let (status, body) = http_post(port, "/api/v1/applications/list", "{}", Some(&bearer));
    assert_eq!(status, 200);
    assert!(
        body.contains(&client_id) && !body.contains(&client_secret),
        "{body}"
    );
    let (_, logs) = stop(&mut ferry);
    assert!(logs.contains("access token issued"), "{logs}");
    assert!(
        !logs.contains(&client_secret),
        "the client secret was logged"
    );
    assert!(!logs.contains(&token), "the access token was logged");
}

/// A GET with an `X-Request-Id` header; the whole answer.
fn http_get_with_id(port: u16, path: &str, id: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: {id}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The caller's request id comes back in the answer and in the error envelope and is the
/// id of the request's log lines; text logs written to a file carry no colour codes.
#[test]
fn request_ids_match_answers_to_log_lines_and_files_get_no_colour() {
    let mut ferry = ferry()
        .env("FERRY_SERVER__WORKERS", "1")
        .env("FERRY_LOG__FORMAT", "text")
        .start();
    let port = ferry.port;
    let answer = http_get_with_id(port, "/api/v1/no/such/thing", "trace-me-42");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-request-id: trace-me-42"),
        "{answer}"
    );
    assert!(answer.contains("\"requestId\":\"trace-me-42\""), "{answer}");
    // An id that is not well formed is replaced by a new one.
    let answer = http_get_with_id(port, "/api/v1/health", "no spaces allowed");
    let echoed = answer
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("x-request-id: ")
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no X-Request-Id: {answer}"));
    assert!(uuid::Uuid::parse_str(echoed.trim()).is_ok(), "{echoed}");
    let (_, logs) = stop(&mut ferry);
    assert!(
        logs.lines().any(|l| l.contains("request_id=trace-me-42")
            && l.contains("request finished")
            && l.contains("duration_ms=")),
        "each request's line carries its duration: {logs}"
    );
    assert!(
        !logs.contains('\u{1b}'),
        "colour codes in a log file: {logs}"
    );
}

/// `metrics.listen` serves `GET /metrics` on its own address, without credentials even when
/// auth is on (the main API then refuses `/api/metrics` without them).
#[test]
fn metrics_listen_serves_metrics_apart() {
    let metrics_port = common::free_port();
    let mut ferry = ferry()
        .env("FERRY_SERVER__WORKERS", "1")
        .env(
            "FERRY_METRICS__LISTEN",
            &format!("127.0.0.1:{metrics_port}"),
        )
        .env("FERRY_AUTH__ENABLED", "true")
        .log(Log::Discard)
        .start();
    let port = ferry.port;
    let main = http_get(port, "/api/metrics").unwrap();
    assert!(main.starts_with("HTTP/1.1 401"), "{main}");
    let apart = http_get(metrics_port, "/metrics").unwrap();
    assert!(apart.starts_with("HTTP/1.1 200"), "{apart}");
    assert!(
        apart.contains("ferry_build_info{backend=\"sqlite\""),
        "{apart}"
    );
    let (status, _) = stop(&mut ferry);
    assert!(status.success(), "exit: {status:?}");
}
