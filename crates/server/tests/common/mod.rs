//! What the binary-level tests (and the server's benchmarks) share: the one `ferry` process
//! harness, [`ferry::Ferry`]; a bare HTTP/1.1 client, so they need no client library and see
//! exactly what went over the wire; and the one way they wait, [`wait_for`]: for an event (an
//! answer, a status, a file, a process exit), never for a fixed time.

// Each test binary uses its part of this module.
#![allow(dead_code)]

pub mod bench_env;
pub mod ferry;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// How long a wait may last before the test fails: generous, for a machine loaded four to
/// ten times over (`stress-ng --cpu 4` on 2 cores), where a sync that takes seconds when
/// quiet takes a minute. A quiet machine uses a small part of it; only a test about a
/// timeout waits for less.
pub const PATIENCE: Duration = Duration::from_secs(300);

/// How often [`wait_for`] asks again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How often [`wait_until_healthy`] asks: often, so that the time a start took (which the
/// speed benchmark reports) is measured to a few milliseconds; a refused connection costs
/// nothing.
const HEALTH_POLL_INTERVAL: Duration = Duration::from_millis(2);

/// Asks `probe` every 100 ms until it answers `Ok`, and returns that answer. After
/// `timeout` it panics, saying what it waited for and what the probe last said (its `Err`).
/// A probe that sees the event can no longer happen (the process exited) panics itself.
#[track_caller]
pub fn wait_for<T>(what: &str, timeout: Duration, probe: impl FnMut() -> Result<T, String>) -> T {
    wait_for_every(what, timeout, POLL_INTERVAL, probe)
}

/// [`wait_for`], asking every `interval`.
#[track_caller]
pub fn wait_for_every<T>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    mut probe: impl FnMut() -> Result<T, String>,
) -> T {
    let started = Instant::now();
    loop {
        let last = match probe() {
            Ok(found) => return found,
            Err(seen) => seen,
        };
        if started.elapsed() >= timeout {
            panic!("timed out after {timeout:?} waiting for {what}; last saw: {last}");
        }
        std::thread::sleep(interval);
    }
}

/// A port nothing listens on now (the system's choice), for a server to bind.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The last `lines` lines of the file at `path` (a server's log), or why there are none.
pub fn tail(path: &Path, lines: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(error) => format!("({}: {error})", path.display()),
    }
}

/// Waits until the `ferry serve` in `child`, logging to `log`, answers `GET
/// /api/v1/health` on `port` (any answer). Panics at once if it exits instead.
#[track_caller]
pub fn wait_until_healthy(port: u16, child: &mut Child, log: &Path) {
    wait_for_every(
        &format!("ferry to answer GET /api/v1/health on port {port}"),
        PATIENCE,
        HEALTH_POLL_INTERVAL,
        || {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "ferry exited with {status} before it answered on port {port}; its log:\n{}",
                    tail(log, 40)
                );
            }
            http(port, "GET", "/api/v1/health", None)
                .map(|_| ())
                .map_err(|error| format!("{error}"))
        },
    );
}

/// Waits (up to [`PATIENCE`]) for `child` to exit, after a signal it was sent; `what` names
/// the process. On timeout the panic shows the end of its `log`.
#[track_caller]
pub fn wait_for_exit(child: &mut Child, what: &str, log: &Path) -> ExitStatus {
    wait_for(&format!("{what} to exit"), PATIENCE, || {
        child.try_wait().unwrap().ok_or_else(|| {
            format!(
                "pid {} still running; its log ends:\n{}",
                child.id(),
                tail(log, 20)
            )
        })
    })
}

/// Whether a job's status is final.
pub fn ended(status: &Value) -> bool {
    ["succeeded", "failed", "cancelled"].contains(&status.as_str().unwrap_or_default())
}

/// A job's `JobInfoRead` in brief, for a failure message: its status, each attempt's status
/// and records, and the last log lines of its last attempt.
pub fn job_summary(info: &Value) -> String {
    let attempts = info["attempts"].as_array().cloned().unwrap_or_default();
    let each: Vec<String> = attempts
        .iter()
        .map(|a| {
            format!(
                "{} ({} records, ended {})",
                a["attempt"]["status"], a["attempt"]["recordsSynced"], a["attempt"]["endedAt"]
            )
        })
        .collect();
    let lines: Vec<String> = attempts
        .last()
        .and_then(|a| a["logs"]["logLines"].as_array())
        .map(|l| {
            l.iter()
                .rev()
                .take(10)
                .rev()
                .map(Value::to_string)
                .collect()
        })
        .unwrap_or_default();
    format!(
        "job {} {}, attempts [{}], last log lines:\n{}",
        info["job"]["id"],
        info["job"]["status"],
        each.join(", "),
        lines.join("\n")
    )
}

/// Waits until job `id` of the server on `port` has ended: a final status and every attempt
/// ended (a cancelled job's attempt ends after its status changed). Returns its
/// `JobInfoRead`.
#[track_caller]
pub fn wait_for_job(port: u16, id: &Value) -> Value {
    wait_for(&format!("job {id} to end"), PATIENCE, || {
        let (status, info) = http(
            port,
            "POST",
            "/api/v1/jobs/get",
            Some(&serde_json::json!({ "id": id })),
        )
        .unwrap();
        assert_eq!(status, 200, "jobs/get {id}: {info}");
        let attempts_ended = info["attempts"]
            .as_array()
            .is_some_and(|a| a.iter().all(|a| a["attempt"]["endedAt"].is_i64()));
        match ended(&info["job"]["status"]) && attempts_ended {
            true => Ok(info),
            false => Err(job_summary(&info)),
        }
    })
}

/// Sends one request to `127.0.0.1:port` and reads the whole answer: the status and the
/// body as JSON (a text body as a JSON string, no body as null).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    http_with(port, method, path, body, None)
}

/// [`http`] with an `Authorization` header.
pub fn http_with(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
    authorization: Option<&str>,
) -> std::io::Result<(u16, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(PATIENCE))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let authorization = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         {authorization}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, payload) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    // An unpaged list is sent as it is read, in chunks.
    let chunked = head
        .lines()
        .any(|line| line.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let payload = match chunked {
        true => dechunk(payload.as_bytes())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default(),
        false => payload.to_string(),
    };
    let payload = payload.as_str();
    let body = serde_json::from_str(payload).unwrap_or_else(|_| match payload.is_empty() {
        true => Value::Null,
        false => Value::String(payload.to_string()),
    });
    Ok((status, body))
}

/// Walks a chunked body (an unpaged list is sent as it is read): each chunk is its size in
/// hex, CRLF, the bytes, CRLF; a chunk of size 0 ends it. Hands each chunk's bytes to `each`
/// and answers None until the end has arrived; stepping from size line to size line, it never
/// reads the bytes themselves.
fn walk_chunks<'a>(mut rest: &'a [u8], mut each: impl FnMut(&'a [u8])) -> Option<()> {
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        let data = &rest[line_end + 2..];
        if size == 0 {
            return data.starts_with(b"\r\n").then_some(());
        }
        each(data.get(..size)?);
        rest = data.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

/// Whether a chunked body has arrived whole.
pub fn chunked_complete(body: &[u8]) -> bool {
    walk_chunks(body, |_| {}).is_some()
}

/// A chunked body's content; None until the end has arrived.
pub fn dechunk(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    walk_chunks(body, |chunk| out.extend_from_slice(chunk))?;
    Some(out)
}

/// The `id`s of the records a local-json destination wrote to `dir/<stream>.jsonl`, in file
/// order (empty when absent).
pub fn ids_on_disk(dir: &std::path::Path, stream: &str) -> Vec<u64> {
    std::fs::read_to_string(dir.join(format!("{stream}.jsonl")))
        .unwrap_or_default()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect()
}
