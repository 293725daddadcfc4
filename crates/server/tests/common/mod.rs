//! What the binary-level tests share: a bare HTTP/1.1 client, so they need no client
//! library and see exactly what went over the wire.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

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
    stream.set_read_timeout(Some(Duration::from_secs(180)))?;
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
    let payload = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    let body = serde_json::from_str(payload).unwrap_or_else(|_| match payload.is_empty() {
        true => Value::Null,
        false => Value::String(payload.to_string()),
    });
    Ok((status, body))
}

/// The `id`s of the records a local-json destination wrote to `dir/<stream>.jsonl`, in file
/// order (empty when absent).
#[allow(dead_code)] // Only the sync tests read destination files.
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
