//! The load generator: keep-alive HTTP/1.1 connections on a small tokio runtime, each sending
//! one fixed request again and again for a fixed time and recording every latency in a
//! histogram. A few dozen lines of HTTP rather than a client library, so that the generator
//! costs as little CPU as possible on a machine it shares with the server it measures.

use hdrhistogram::Histogram;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A request as bytes on the wire (see [`post`] and [`get`]).
#[derive(Clone, Debug)]
pub struct Request(pub Vec<u8>);

/// A POST with a JSON body.
pub fn post(addr: SocketAddr, path: &str, body: &str) -> Request {
    Request(
        format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// A GET.
pub fn get(addr: SocketAddr, path: &str) -> Request {
    Request(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").into_bytes())
}

/// What one load run measured.
pub struct Load {
    /// Answers with a 2xx status.
    pub ok: u64,
    /// Any other answer (the run goes on).
    pub failed: u64,
    pub elapsed: Duration,
    /// Latencies of every answer, in microseconds.
    pub latencies: Histogram<u64>,
}

impl Load {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    pub fn p50(&self) -> Duration {
        Duration::from_micros(self.latencies.value_at_quantile(0.50))
    }

    pub fn p99(&self) -> Duration {
        Duration::from_micros(self.latencies.value_at_quantile(0.99))
    }
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds")
}

/// `connections` keep-alive connections over `threads` threads send `request` for
/// `duration`, after a warm-up of a fifth of that (not counted).
pub fn run(
    addr: SocketAddr,
    request: &Request,
    connections: usize,
    threads: usize,
    duration: Duration,
) -> Load {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("load generator runtime");
    runtime.block_on(async {
        let _ = spread(addr, request, connections, duration / 5).await;
        spread(addr, request, connections, duration).await
    })
}

async fn spread(
    addr: SocketAddr,
    request: &Request,
    connections: usize,
    duration: Duration,
) -> Load {
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let request = request.0.clone();
            tokio::spawn(async move { one_connection(addr, &request, deadline).await })
        })
        .collect();
    let mut total = Load {
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies: histogram(),
    };
    for task in tasks {
        let load = task.await.expect("a load connection panicked");
        total.ok += load.ok;
        total.failed += load.failed;
        total.latencies.add(&load.latencies).expect("histograms");
    }
    total.elapsed = started.elapsed();
    total
}

async fn one_connection(addr: SocketAddr, request: &[u8], deadline: Instant) -> Load {
    let mut load = Load {
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        latencies: histogram(),
    };
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {addr}: {e}"));
    stream.set_nodelay(true).expect("nodelay");
    let mut buffer = Vec::with_capacity(64 * 1024);
    while Instant::now() < deadline {
        let sent = Instant::now();
        stream.write_all(request).await.expect("send");
        let status = read_response(&mut stream, &mut buffer).await;
        let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
        load.latencies.saturating_record(micros.max(1));
        if (200..300).contains(&status) {
            load.ok += 1;
        } else {
            load.failed += 1;
        }
    }
    load
}

/// Reads one whole response from a keep-alive connection; returns its status.
async fn read_response(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) -> u16 {
    buffer.clear();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        if let Some(head) = parse_head(buffer) {
            while !head.complete(buffer) {
                let n = stream.read(&mut chunk).await.expect("read body");
                assert!(n > 0, "the server closed the connection mid-body");
                buffer.extend_from_slice(&chunk[..n]);
            }
            return head.status;
        }
        let n = stream.read(&mut chunk).await.expect("read head");
        assert!(n > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// A response's status and where its body lies in the buffer.
pub struct Head {
    pub status: u16,
    /// Bytes of the status line and headers, with the blank line.
    pub length: usize,
    /// Bytes of the body (its Content-Length); None for a chunked one (an unpaged list).
    pub body: Option<usize>,
}

impl Head {
    /// Whether all of the body has arrived in `buffer`.
    fn complete(&self, buffer: &[u8]) -> bool {
        match self.body {
            Some(length) => buffer.len() >= self.length + length,
            // Checked after every read: it steps over the chunks without copying them.
            None => crate::common::chunked_complete(&buffer[self.length..]),
        }
    }

    /// The body in `buffer`, whole.
    pub fn body(&self, buffer: &[u8]) -> Vec<u8> {
        match self.body {
            Some(length) => buffer[self.length..self.length + length].to_vec(),
            None => crate::common::dechunk(&buffer[self.length..]).expect("a whole chunked body"),
        }
    }
}

/// The head of the response at the start of `buffer`, once all of it has arrived.
pub fn parse_head(buffer: &[u8]) -> Option<Head> {
    let end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buffer[..end]).expect("an ASCII response head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let mut body = Some(0);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                body = value.trim().parse().ok();
            }
            if name.eq_ignore_ascii_case("transfer-encoding") {
                body = None;
            }
        }
    }
    Some(Head {
        status,
        length: end,
        body,
    })
}

/// One connection sending `request` `times` times in a row: the latency of each.
pub fn sequential(addr: SocketAddr, request: &Request, times: usize) -> Load {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut load = Load {
            ok: 0,
            failed: 0,
            elapsed: Duration::ZERO,
            latencies: histogram(),
        };
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let mut buffer = Vec::with_capacity(64 * 1024);
        let started = Instant::now();
        for _ in 0..times {
            let sent = Instant::now();
            stream.write_all(&request.0).await.expect("send");
            let status = read_response(&mut stream, &mut buffer).await;
            let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
            load.latencies.saturating_record(micros.max(1));
            match status {
                200..=299 => load.ok += 1,
                _ => load.failed += 1,
            }
        }
        load.elapsed = started.elapsed();
        load
    })
}

/// One blocking call, for setting up: its status and JSON body.
pub fn call(addr: SocketAddr, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let body = body.to_string();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read");
    let head = parse_head(&answer).expect("a whole response");
    let json = serde_json::from_slice(&head.body(&answer)).unwrap_or(serde_json::Value::Null);
    (head.status, json)
}

/// [`call`], which must answer 200: its JSON body.
pub fn call_ok(addr: SocketAddr, path: &str, body: &serde_json::Value) -> serde_json::Value {
    let (status, json) = call(addr, path, body);
    assert_eq!(status, 200, "{path} answered {status}: {json}");
    json
}
