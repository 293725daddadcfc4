//! The `ferry` binary as an operator runs it: serve, a graceful stop on SIGTERM, migrate,
//! openapi, JSON logs, and a clear refusal of bad configuration.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::PATIENCE;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn ferry(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command
        .env_remove("RUST_LOG")
        .env(
            "FERRY_DATABASE__URL",
            format!("sqlite://{}", data.join("ferry.sqlite3").display()),
        )
        .current_dir(data);
    command
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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

/// Waits for the first answer to `GET /api/v1/health` and returns it whole; panics with what
/// ferry printed if it exits first.
fn wait_until_healthy(port: u16, child: &mut Child) -> String {
    common::wait_for(
        &format!("ferry to answer GET /api/v1/health on port {port}"),
        PATIENCE,
        || {
            if let Some(status) = child.try_wait().unwrap() {
                let mut printed = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = stderr.read_to_string(&mut printed);
                }
                panic!("ferry exited early with {status}: {printed}");
            }
            http_get(port, "/api/v1/health").ok_or_else(|| "no answer".to_string())
        },
    )
}

/// SIGTERM, then waits for the exit, reading what ferry prints meanwhile (a full pipe would
/// block it); returns its output.
fn stop(mut child: Child) -> Output {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                pipe.read_to_end(&mut bytes).unwrap();
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let pid = child.id();
    let status = common::wait_for("ferry to exit after SIGTERM", PATIENCE, || {
        child
            .try_wait()
            .unwrap()
            .ok_or_else(|| format!("pid {pid} still running"))
    });
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

#[test]
fn serve_answers_and_stops_gracefully_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = ferry(data.path())
        .arg("serve")
        .env("FERRY_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("FERRY_SERVER__WORKERS", "1")
        .env("FERRY_LOG__FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let health = wait_until_healthy(port, &mut child);
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("{\"db\":true}"), "{health}");
    let output = stop(child);
    assert!(output.status.success(), "exit: {:?}", output.status);
    let logs = String::from_utf8_lossy(&output.stdout);
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
    assert!(data.path().join("ferry.sqlite3").exists());
}

#[test]
fn migrate_is_idempotent() {
    let data = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let output = ferry(data.path()).arg("migrate").output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn openapi_prints_the_checked_in_document() {
    let data = tempfile::tempdir().unwrap();
    let output = ferry(data.path()).arg("openapi").output().unwrap();
    assert!(output.status.success());
    let checked_in = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json"),
    )
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), checked_in);
}

#[test]
fn bad_configuration_is_refused_with_a_message() {
    let data = tempfile::tempdir().unwrap();
    let output = ferry(data.path())
        .arg("serve")
        .env("FERRY_SERVER__LISTEN", "not an address")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot listen on not an address"),
        "{stderr}"
    );

    let output = ferry(data.path())
        .arg("migrate")
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

#[test]
fn worker_runs_alone_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let log_path = data.path().join("worker.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = ferry(data.path())
        .arg("worker")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    common::wait_for("\"worker started\" in the worker's log", PATIENCE, || {
        match std::fs::read_to_string(&log_path)
            .unwrap_or_default()
            .contains("worker started")
        {
            true => Ok(()),
            false => Err(format!("the log: {}", common::tail(&log_path, 20))),
        }
    });
    let output = stop(child);
    assert!(output.status.success(), "exit: {:?}", output.status);
    let logs = std::fs::read_to_string(&log_path).unwrap();
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
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let output = ferry(data.path())
        .arg("serve")
        .env("FERRY_SERVER__LISTEN", format!("0.0.0.0:{port}"))
        .env("FERRY_WORKER__ENABLED", "false")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to serve without authentication")
            && stderr.contains("auth.enabled"),
        "{stderr}"
    );
    let mut child = ferry(data.path())
        .arg("serve")
        .env("FERRY_SERVER__LISTEN", format!("0.0.0.0:{port}"))
        .env("FERRY_WORKER__ENABLED", "false")
        .env("FERRY_AUTH__ALLOW_UNAUTHENTICATED_REMOTE", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_until_healthy(port, &mut child).starts_with("HTTP/1.1 200"));
    stop(child);
}

#[test]
fn first_credentials_come_from_the_command_line_and_secrets_stay_out_of_logs() {
    let data = tempfile::tempdir().unwrap();
    let output = ferry(data.path())
        .args([
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
    let output = ferry(data.path())
        .args(["applications", "create", "--user", "ops@example.com"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let application: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let client_id = application["clientId"].as_str().unwrap().to_string();
    let client_secret = application["clientSecret"].as_str().unwrap().to_string();

    let port = free_port();
    let mut child = ferry(data.path())
        .arg("serve")
        .env("FERRY_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("FERRY_WORKER__ENABLED", "false")
        .env("FERRY_AUTH__ENABLED", "true")
        .env("FERRY_LOG__LEVEL", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_healthy(port, &mut child);
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
    let output = stop(child);
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
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
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = ferry(data.path())
        .arg("serve")
        .env("FERRY_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("FERRY_SERVER__WORKERS", "1")
        .env("FERRY_LOG__FORMAT", "text")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_healthy(port, &mut child);
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
    let output = stop(child);
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(
        logs.lines()
            .any(|l| l.contains("request_id=trace-me-42") && l.contains("request finished")),
        "{logs}"
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
    let data = tempfile::tempdir().unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let mut child = ferry(data.path())
        .arg("serve")
        .env("FERRY_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("FERRY_SERVER__WORKERS", "1")
        .env("FERRY_METRICS__LISTEN", format!("127.0.0.1:{metrics_port}"))
        .env("FERRY_AUTH__ENABLED", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_healthy(port, &mut child);
    let main = http_get(port, "/api/metrics").unwrap();
    assert!(main.starts_with("HTTP/1.1 401"), "{main}");
    let apart = http_get(metrics_port, "/metrics").unwrap();
    assert!(apart.starts_with("HTTP/1.1 200"), "{apart}");
    assert!(
        apart.contains("ferry_build_info{backend=\"sqlite\""),
        "{apart}"
    );
    let output = stop(child);
    assert!(output.status.success(), "exit: {:?}", output.status);
}
