//! The `ferry` binary as an operator runs it: serve, a graceful stop on SIGTERM, migrate,
//! openapi, JSON logs, and a clear refusal of bad configuration.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

fn wait_until_healthy(port: u16, child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(response) = http_get(port, "/api/v1/health") {
            return response;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("ferry exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("ferry did not answer on port {port}");
}

fn stop(child: Child) -> Output {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut child = child;
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "ferry ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
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
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .contains("worker started")
    {
        assert!(Instant::now() < deadline, "the worker did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = stop(child);
    assert!(output.status.success(), "exit: {:?}", output.status);
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(logs.contains("worker stopping"), "{logs}");
}
