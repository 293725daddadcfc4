//! `source-sample`: Ferry's own source. It generates deterministic records for three
//! streams (`users`, `orders`, `events`) from a record number and a `seed`, so that a sync
//! works with nothing else installed and a benchmark measures the platform rather than the
//! source. It ships inside the `ferry` binary (`ferry connector source-sample spec | check
//! --config F | discover --config F | read --config F --catalog F [--state F]`).
//!
//! Record `n` (1..=count) of every stream has `id` n and `updated_at` = 2024-01-01T00:00:00Z
//! plus n minutes: the cursor, which the source defines. An incremental stream starts after
//! the `updated_at` its state names and reports its progress as a legacy STATE message
//! (`{"type":"STATE","state":{"data":{"users":{"updated_at":"..."},...}}}`) every
//! [`CHECKPOINT_EVERY`] records and at its end; a full-refresh stream always starts at 1.
//! The other values are a hash of the seed, the stream and `n`.
//!
//! Records are formatted by hand into a reused buffer (no `serde_json::Value` per record),
//! which is what makes it fast enough to measure Ferry's pump.

use crate::protocol::{AirbyteMessage, ConnectionStatus};
use serde_json::{json, Map, Value};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// The docker repository Ferry registers this source under.
pub use ferry_domain::actor_definition::SAMPLE_SOURCE_REPOSITORY as REPOSITORY;

/// Records per stream when the configuration leaves `count` out.
pub const DEFAULT_COUNT: u64 = 1000;
/// The largest `count` the spec allows.
pub const MAX_COUNT: u64 = 1_000_000_000;
/// The largest `seed` the spec allows (the largest integer every JSON reader keeps exact).
pub const MAX_SEED: u64 = 9_007_199_254_740_991;
/// The largest `records_per_second` the spec allows.
pub const MAX_RATE: u64 = 1_000_000;
/// An incremental stream reports its state after this many records (and at its end).
pub const CHECKPOINT_EVERY: u64 = 100_000;

/// `updated_at` of record 0: 2024-01-01T00:00:00Z.
const EPOCH_SECS: i64 = 1_704_067_200;
/// Seconds between two records' `updated_at`.
const STEP_SECS: i64 = 60;
/// The cursor every stream defines.
const CURSOR: &str = "updated_at";

pub fn specification() -> Value {
    json!({
        "documentationUrl": "https://docs.ferry.invalid/sources/sample",
        "connectionSpecification": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": "Sample Source Spec",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "count": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": MAX_COUNT,
                    "default": DEFAULT_COUNT,
                    "title": "Records per stream",
                    "description": "How many records each stream has (users, orders and events each hold records 1..count)."
                },
                "seed": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": MAX_SEED,
                    "default": 0,
                    "title": "Seed",
                    "description": "The same seed and count give the same records, every time."
                },
                "records_per_second": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": MAX_RATE,
                    "default": 0,
                    "title": "Records per second",
                    "description": "At most this many records a second, like a rate-limited API (0: as fast as they can be read)."
                }
            }
        },
        "supportsIncremental": true
    })
}

/// A checked configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub count: u64,
    pub seed: u64,
    /// At most this many records a second; 0: no limit.
    pub records_per_second: u64,
}

impl Config {
    /// Checks a configuration against the spec's rules; the error says what is wrong.
    pub fn parse(config: &Value) -> Result<Config, String> {
        let object = config
            .as_object()
            .ok_or_else(|| format!("the configuration must be a JSON object, not {config}"))?;
        if let Some(unknown) = object
            .keys()
            .find(|k| !["count", "seed", "records_per_second"].contains(&k.as_str()))
        {
            return Err(format!(
                "unknown configuration property {unknown:?}: the sample source takes only count, seed and records_per_second"
            ));
        }
        let integer = |name: &str, default: u64, max: u64| match object.get(name) {
            None => Ok(default),
            Some(value) => value
                .as_u64()
                .filter(|v| *v <= max)
                .ok_or_else(|| format!("{name} must be an integer from 0 to {max}, not {value}")),
        };
        Ok(Config {
            count: integer("count", DEFAULT_COUNT, MAX_COUNT)?,
            seed: integer("seed", 0, MAX_SEED)?,
            records_per_second: integer("records_per_second", 0, MAX_RATE)?,
        })
    }
}

/// Runs the connector with its command-line arguments, writing protocol messages to
/// `output`; returns the process exit code.
pub fn run(args: &[String], output: impl Write) -> i32 {
    let mut output = BufWriter::with_capacity(1 << 16, output);
    let result = Args::parse(args).and_then(|args| match args.verb.as_deref() {
        Some("spec") => emit(&mut output, &json!({"type": "SPEC", "spec": specification()})),
        Some("check") => check(&read_json(args.required("--config")?)?, &mut output),
        Some("discover") => {
            Config::parse(&read_json(args.required("--config")?)?)?;
            emit(&mut output, &json!({"type": "CATALOG", "catalog": catalog()}))
        }
        Some("read") => {
            let config = Config::parse(&read_json(args.required("--config")?)?)?;
            let catalog = read_json(args.required("--catalog")?)?;
            let state = match &args.state {
                Some(path) => read_json(path)?,
                None => Value::Null,
            };
            let plan = ReadPlan::new(config, &catalog, &state)?;
            plan.read(&mut output)
        }
        _ => Err("usage: source-sample spec | check --config FILE | discover --config FILE | read --config FILE --catalog FILE [--state FILE]".into()),
    });
    let result = result.and_then(|()| output.flush().map_err(|e| e.to_string()));
    match result {
        Ok(()) => 0,
        Err(message) => {
            let trace =
                json!({"type": "TRACE", "trace": {"type": "ERROR", "error": {"message": message}}});
            let _ =
                emit(&mut output, &trace).and_then(|()| output.flush().map_err(|e| e.to_string()));
            1
        }
    }
}

/// The verb and the files named by flags.
struct Args {
    verb: Option<String>,
    config: Option<String>,
    catalog: Option<String>,
    state: Option<String>,
}

impl Args {
    fn parse(args: &[String]) -> Result<Args, String> {
        let mut parsed = Args {
            verb: None,
            config: None,
            catalog: None,
            state: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let slot = match arg.as_str() {
                "--config" => &mut parsed.config,
                "--catalog" => &mut parsed.catalog,
                "--state" => &mut parsed.state,
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
                _ if parsed.verb.is_none() => {
                    parsed.verb = Some(arg.clone());
                    continue;
                }
                extra => return Err(format!("unexpected argument {extra:?}")),
            };
            *slot = Some(
                args.next()
                    .ok_or_else(|| format!("{arg} FILE: the file is missing"))?
                    .clone(),
            );
        }
        Ok(parsed)
    }

    fn required(&self, flag: &str) -> Result<&str, String> {
        let value = match flag {
            "--config" => &self.config,
            "--catalog" => &self.catalog,
            _ => &self.state,
        };
        value
            .as_deref()
            .ok_or_else(|| format!("{flag} FILE is required"))
    }
}

fn read_json(path: impl AsRef<Path>) -> Result<Value, String> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}

fn emit(output: &mut impl Write, message: &Value) -> Result<(), String> {
    writeln!(output, "{message}").map_err(|e| e.to_string())
}

fn check(config: &Value, output: &mut impl Write) -> Result<(), String> {
    let status = match Config::parse(config) {
        Ok(_) => ConnectionStatus {
            status: "SUCCEEDED".into(),
            message: None,
        },
        Err(message) => ConnectionStatus {
            status: "FAILED".into(),
            message: Some(message),
        },
    };
    let message = serde_json::to_value(AirbyteMessage::ConnectionStatus {
        connection_status: status,
    })
    .map_err(|e| e.to_string())?;
    emit(output, &message)
}

/// The three streams and their fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    Users,
    Orders,
    Events,
}

/// A field's name and its JSON Schema.
struct Field {
    name: &'static str,
    kind: &'static str,
    format: Option<&'static str>,
}

const fn field(name: &'static str, kind: &'static str) -> Field {
    Field {
        name,
        kind,
        format: None,
    }
}

const fn timestamp(name: &'static str) -> Field {
    Field {
        name,
        kind: "string",
        format: Some("date-time"),
    }
}

const USERS: &[Field] = &[
    field("id", "integer"),
    field("name", "string"),
    field("email", "string"),
    field("age", "integer"),
    field("active", "boolean"),
    field("score", "number"),
    timestamp("created_at"),
    timestamp("updated_at"),
];

const ORDERS: &[Field] = &[
    field("id", "integer"),
    field("user_id", "integer"),
    field("amount", "number"),
    field("currency", "string"),
    field("status", "string"),
    timestamp("created_at"),
    timestamp("updated_at"),
];

const EVENTS: &[Field] = &[
    field("id", "integer"),
    field("user_id", "integer"),
    field("kind", "string"),
    field("duration_ms", "integer"),
    timestamp("updated_at"),
];

const FIRST_NAMES: &[&str] = &[
    "Ada",
    "Alan",
    "Barbara",
    "Claude",
    "Dennis",
    "Edsger",
    "Frances",
    "Grace",
    "Hedy",
    "John",
    "Katherine",
    "Ken",
    "Leslie",
    "Linus",
    "Margaret",
    "Niklaus",
    "Radia",
    "Shafi",
    "Tim",
    "Yukihiro",
];
const LAST_NAMES: &[&str] = &[
    "Allen",
    "Backus",
    "Cerf",
    "Dijkstra",
    "Engelbart",
    "Floyd",
    "Goldwasser",
    "Hopper",
    "Hamilton",
    "Johnson",
    "Kay",
    "Knuth",
    "Lamport",
    "Liskov",
    "Lovelace",
    "Perlman",
    "Ritchie",
    "Shannon",
    "Thompson",
    "Wirth",
];
const CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "JPY", "CHF"];
const ORDER_STATUSES: &[&str] = &["pending", "paid", "shipped", "delivered", "refunded"];
const EVENT_KINDS: &[&str] = &[
    "page_view",
    "click",
    "search",
    "add_to_cart",
    "purchase",
    "logout",
];

impl Stream {
    const ALL: [Stream; 3] = [Stream::Users, Stream::Orders, Stream::Events];

    fn name(self) -> &'static str {
        match self {
            Stream::Users => "users",
            Stream::Orders => "orders",
            Stream::Events => "events",
        }
    }

    fn parse(name: &str) -> Option<Stream> {
        Stream::ALL.into_iter().find(|s| s.name() == name)
    }

    fn fields(self) -> &'static [Field] {
        match self {
            Stream::Users => USERS,
            Stream::Orders => ORDERS,
            Stream::Events => EVENTS,
        }
    }

    /// Tells the streams' hashes apart.
    fn salt(self) -> u64 {
        match self {
            Stream::Users => 0x7573_6572_7300_0001,
            Stream::Orders => 0x6f72_6465_7273_0002,
            Stream::Events => 0x6576_656e_7473_0003,
        }
    }

    fn json_schema(self) -> Value {
        let properties: Map<String, Value> = self
            .fields()
            .iter()
            .map(|f| {
                let mut schema = json!({ "type": f.kind });
                if let Some(format) = f.format {
                    schema["format"] = json!(format);
                }
                (f.name.to_string(), schema)
            })
            .collect();
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": properties,
        })
    }

    /// Writes record `n`'s data object (without braces), only the fields in `mask`.
    fn write_data(self, out: &mut Vec<u8>, n: u64, seed: u64, mask: u64) {
        let h = mix(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ self.salt() ^ n);
        let g = mix(h);
        let updated = updated_at(n);
        let mut o = Object::new(out, mask);
        if o.field("id") {
            push_u64(o.out, n);
        }
        match self {
            Stream::Users => {
                let first = pick(FIRST_NAMES, h);
                let last = pick(LAST_NAMES, h >> 16);
                if o.field("name") {
                    o.out.push(b'"');
                    o.out.extend_from_slice(first.as_bytes());
                    o.out.push(b' ');
                    o.out.extend_from_slice(last.as_bytes());
                    o.out.push(b'"');
                }
                if o.field("email") {
                    o.out.push(b'"');
                    push_lowercase(o.out, first);
                    o.out.push(b'.');
                    push_lowercase(o.out, last);
                    o.out.push(b'.');
                    push_u64(o.out, n);
                    o.out.extend_from_slice(b"@example.com\"");
                }
                if o.field("age") {
                    push_u64(o.out, 18 + (h >> 32) % 70);
                }
                if o.field("active") {
                    let active: &[u8] = if (h >> 40) & 3 != 0 {
                        b"true"
                    } else {
                        b"false"
                    };
                    o.out.extend_from_slice(active);
                }
                if o.field("score") {
                    push_hundredths(o.out, g % 10_000);
                }
                if o.field("created_at") {
                    push_time_string(o.out, updated - ((g >> 16) % 31_536_000) as i64);
                }
            }
            Stream::Orders => {
                if o.field("user_id") {
                    push_u64(o.out, 1 + h % n.max(1));
                }
                if o.field("amount") {
                    push_hundredths(o.out, 100 + g % 99_900);
                }
                if o.field("currency") {
                    push_string(o.out, pick(CURRENCIES, h >> 24));
                }
                if o.field("status") {
                    push_string(o.out, pick(ORDER_STATUSES, h >> 32));
                }
                if o.field("created_at") {
                    push_time_string(o.out, updated - ((g >> 16) % 2_592_000) as i64);
                }
            }
            Stream::Events => {
                if o.field("user_id") {
                    push_u64(o.out, 1 + h % n.max(1));
                }
                if o.field("kind") {
                    push_string(o.out, pick(EVENT_KINDS, h >> 24));
                }
                if o.field("duration_ms") {
                    push_u64(o.out, g % 60_000);
                }
            }
        }
        if o.field("updated_at") {
            push_time_string(o.out, updated);
        }
    }
}

/// The sample source's catalog: every stream in both modes, on the `updated_at` cursor.
pub fn catalog() -> Value {
    let streams: Vec<Value> = Stream::ALL
        .iter()
        .map(|stream| {
            json!({
                "name": stream.name(),
                "json_schema": stream.json_schema(),
                "supported_sync_modes": ["full_refresh", "incremental"],
                "source_defined_cursor": true,
                "default_cursor_field": [CURSOR],
                "source_defined_primary_key": [["id"]],
            })
        })
        .collect();
    json!({ "streams": streams })
}

/// Writes a JSON object's members one at a time, skipping the fields a mask leaves out
/// (fields are numbered in the order of the stream's field list).
struct Object<'a> {
    out: &'a mut Vec<u8>,
    mask: u64,
    index: u32,
    empty: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>, mask: u64) -> Self {
        Object {
            out,
            mask,
            index: 0,
            empty: true,
        }
    }

    /// Writes `"name":` and answers true when the next field is selected.
    fn field(&mut self, name: &str) -> bool {
        let selected = self.mask & (1 << self.index) != 0;
        self.index += 1;
        if selected {
            if !self.empty {
                self.out.push(b',');
            }
            self.empty = false;
            self.out.push(b'"');
            self.out.extend_from_slice(name.as_bytes());
            self.out.extend_from_slice(b"\":");
        }
        selected
    }
}

/// One stream as the configured catalog asks for it.
#[derive(Clone, Debug, PartialEq)]
struct StreamPlan {
    stream: Stream,
    incremental: bool,
    /// The first record to emit.
    start: u64,
    /// Which fields to emit (bit i: the stream's field i).
    mask: u64,
}

/// What `read` will do: the streams, where each starts, and the state it carries on.
#[derive(Clone, Debug, PartialEq)]
struct ReadPlan {
    config: Config,
    streams: Vec<StreamPlan>,
    /// The legacy state object, per stream name; streams this read does not touch keep
    /// their entry.
    state: Map<String, Value>,
    checkpoint_every: u64,
}

impl ReadPlan {
    fn new(config: Config, catalog: &Value, state: &Value) -> Result<ReadPlan, String> {
        let state = stream_states(state)?;
        let configured = catalog["streams"]
            .as_array()
            .ok_or("the configured catalog has no streams array")?;
        let mut streams = Vec::with_capacity(configured.len());
        for entry in configured {
            let name = entry["stream"]["name"]
                .as_str()
                .ok_or("a configured stream has no stream.name")?;
            let stream = Stream::parse(name).ok_or_else(|| {
                format!(
                    "the sample source has no stream {name:?} (it has users, orders and events)"
                )
            })?;
            let incremental = match entry["sync_mode"].as_str() {
                Some("incremental") => true,
                Some("full_refresh") | None => false,
                Some(other) => return Err(format!("{name}: unknown sync_mode {other:?}")),
            };
            let start = match (incremental, state.get(name)) {
                (true, Some(saved)) => after_cursor(name, saved)?,
                _ => 1,
            };
            streams.push(StreamPlan {
                stream,
                incremental,
                start,
                mask: field_mask(stream, &entry["stream"]["json_schema"]),
            });
        }
        Ok(ReadPlan {
            config,
            streams,
            state,
            checkpoint_every: CHECKPOINT_EVERY,
        })
    }

    fn read(mut self, output: &mut impl Write) -> Result<(), String> {
        let failed = |e: std::io::Error| format!("writing to stdout: {e}");
        let mut line = Vec::with_capacity(512);
        for plan in self.streams.clone() {
            let name = plan.stream.name();
            let count = self.config.count;
            let message = match (plan.start > count, plan.incremental) {
                (true, _) => format!("{name}: nothing new after record {}", plan.start - 1),
                (false, true) => format!("{name}: records {} to {count} (incremental)", plan.start),
                (false, false) => format!("{name}: records 1 to {count} (full refresh)"),
            };
            emit(
                output,
                &json!({"type": "LOG", "log": {"level": "INFO", "message": message}}),
            )?;
            let prefix = format!(r#"{{"type":"RECORD","record":{{"stream":"{name}","data":{{"#);
            let mut emitted_at = now_millis();
            let mut until_checkpoint = self.checkpoint_every;
            let mut pace = Pace::new(self.config.records_per_second);
            for n in plan.start..=count {
                if n & 1023 == 0 {
                    emitted_at = now_millis();
                }
                line.clear();
                line.extend_from_slice(prefix.as_bytes());
                plan.stream
                    .write_data(&mut line, n, self.config.seed, plan.mask);
                line.extend_from_slice(br#"},"emitted_at":"#);
                push_u64(&mut line, emitted_at);
                line.extend_from_slice(b"}}\n");
                output.write_all(&line).map_err(failed)?;
                pace.after_record(output).map_err(failed)?;
                until_checkpoint -= 1;
                if plan.incremental && (until_checkpoint == 0 || n == count) {
                    until_checkpoint = self.checkpoint_every;
                    self.state.insert(name.to_string(), cursor_state(n));
                    let state = json!({"type": "STATE", "state": {"data": self.state}});
                    emit(output, &state)?;
                }
            }
        }
        Ok(())
    }
}

/// Keeps a stream's records to `records_per_second`: each record is flushed as it is made
/// (a slow source's reader sees it at once), and the next waits for its turn.
struct Pace {
    rate: u64,
    started: std::time::Instant,
    emitted: u64,
}

impl Pace {
    fn new(rate: u64) -> Self {
        Pace {
            rate,
            started: std::time::Instant::now(),
            emitted: 0,
        }
    }

    fn after_record(&mut self, output: &mut impl Write) -> std::io::Result<()> {
        if self.rate == 0 {
            return Ok(());
        }
        output.flush()?;
        self.emitted += 1;
        let turn = std::time::Duration::from_secs_f64(self.emitted as f64 / self.rate as f64);
        if let Some(wait) = turn.checked_sub(self.started.elapsed()) {
            std::thread::sleep(wait);
        }
        Ok(())
    }
}

/// The per-stream states of a `--state` file: a legacy object (`{"users": {...}}`), the
/// same wrapped in `data`, or a list of per-stream STATE payloads; null means none.
fn stream_states(state: &Value) -> Result<Map<String, Value>, String> {
    match state {
        Value::Null => Ok(Map::new()),
        Value::Object(object) => match object.get("data") {
            Some(Value::Object(data)) if object.len() == 1 => Ok(data.clone()),
            _ => Ok(object.clone()),
        },
        Value::Array(states) => Ok(states
            .iter()
            .filter_map(|s| {
                let stream = &s["stream"];
                let name = stream["stream_descriptor"]["name"].as_str()?;
                Some((name.to_string(), stream["stream_state"].clone()))
            })
            .collect()),
        other => Err(format!("the state must be a JSON object, not {other}")),
    }
}

/// The first record after a stream's saved cursor.
fn after_cursor(stream: &str, saved: &Value) -> Result<u64, String> {
    let text = saved[CURSOR]
        .as_str()
        .ok_or_else(|| format!("the state of {stream} has no {CURSOR} string: {saved}"))?;
    let time = chrono::DateTime::parse_from_rfc3339(text).map_err(|e| {
        format!("the state of {stream}: {CURSOR} {text:?} is not an RFC 3339 time: {e}")
    })?;
    let last = (time.timestamp() - EPOCH_SECS).div_euclid(STEP_SECS);
    Ok(u64::try_from(last).map_or(1, |last| last.saturating_add(1)))
}

/// A stream's state after record `n`.
fn cursor_state(n: u64) -> Value {
    let mut text = Vec::with_capacity(20);
    push_timestamp(&mut text, updated_at(n));
    json!({ CURSOR: String::from_utf8_lossy(&text) })
}

/// The fields a configured stream selects: those its json_schema lists, or all when it
/// lists none.
fn field_mask(stream: Stream, json_schema: &Value) -> u64 {
    let all = (1u64 << stream.fields().len()) - 1;
    match json_schema["properties"].as_object() {
        Some(properties) if !properties.is_empty() => stream
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| properties.contains_key(f.name))
            .fold(0, |mask, (i, _)| mask | 1 << i),
        _ => all,
    }
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// splitmix64's finaliser: a good 64-bit mix of a counter.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn pick(options: &'static [&'static str], h: u64) -> &'static str {
    options[(h % options.len() as u64) as usize]
}

fn updated_at(n: u64) -> i64 {
    EPOCH_SECS + (n as i64) * STEP_SECS
}

fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_two(out: &mut Vec<u8>, n: u64) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// `hundredths` / 100 as a JSON number with two decimals (`1234` -> `12.34`).
fn push_hundredths(out: &mut Vec<u8>, hundredths: u64) {
    push_u64(out, hundredths / 100);
    out.push(b'.');
    push_two(out, hundredths % 100);
}

/// A string that needs no escaping (the word lists above).
fn push_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

fn push_lowercase(out: &mut Vec<u8>, text: &str) {
    out.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
}

/// A time as a JSON string.
fn push_time_string(out: &mut Vec<u8>, secs: i64) {
    out.push(b'"');
    push_timestamp(out, secs);
    out.push(b'"');
}

/// An RFC 3339 UTC time, `2024-01-01T00:01:00Z`, for years 0-9999.
fn push_timestamp(out: &mut Vec<u8>, secs: i64) {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400) as u64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u64;
    let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u64;
    let year = (yoe + era * 400 + i64::from(month <= 2)).clamp(0, 9999) as u64;
    push_two(out, year / 100);
    push_two(out, year % 100);
    out.push(b'-');
    push_two(out, month);
    out.push(b'-');
    push_two(out, day);
    out.push(b'T');
    push_two(out, of_day / 3600);
    out.push(b':');
    push_two(out, of_day / 60 % 60);
    out.push(b':');
    push_two(out, of_day % 60);
    out.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: &[&str]) -> (i32, Vec<Value>) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        let code = run(&args, &mut out);
        let messages = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect();
        (code, messages)
    }

    /// Writes `value` to a file in `dir`; returns its path.
    fn file(dir: &tempfile::TempDir, name: &str, value: &Value) -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        path.display().to_string()
    }

    fn configured(streams: &[(&str, &str)]) -> Value {
        let streams: Vec<Value> = streams
            .iter()
            .map(|(name, mode)| {
                json!({
                    "stream": { "name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"] },
                    "sync_mode": mode, "cursor_field": ["updated_at"],
                    "destination_sync_mode": if *mode == "incremental" { "append" } else { "overwrite" },
                })
            })
            .collect();
        json!({ "streams": streams })
    }

    fn records<'a>(messages: &'a [Value], stream: &str) -> Vec<&'a Value> {
        messages
            .iter()
            .filter(|m| m["type"] == "RECORD" && m["record"]["stream"] == stream)
            .map(|m| &m["record"]["data"])
            .collect()
    }

    fn states(messages: &[Value]) -> Vec<&Value> {
        messages
            .iter()
            .filter(|m| m["type"] == "STATE")
            .map(|m| &m["state"]["data"])
            .collect()
    }

    #[test]
    fn the_spec_is_a_strict_schema_that_the_configuration_rules_match() {
        let (code, messages) = run_with(&["spec"]);
        assert_eq!(code, 0);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0]["type"], "SPEC");
        let parsed: AirbyteMessage = serde_json::from_value(messages[0].clone()).unwrap();
        let AirbyteMessage::Spec { spec } = parsed else {
            panic!("{parsed:?}")
        };
        let schema = spec.connection_specification;
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["properties"]["count"]["maximum"], MAX_COUNT);
        let validator = jsonschema::validator_for(&schema).unwrap();
        for (config, valid) in [
            (json!({}), true),
            (json!({"count": 0}), true),
            (json!({"count": MAX_COUNT, "seed": MAX_SEED}), true),
            (json!({"count": -1}), false),
            (json!({"count": MAX_COUNT + 1}), false),
            (json!({"count": 1.5}), false),
            (json!({"count": "10"}), false),
            (json!({"seed": -3}), false),
            (json!({"count": 5, "extra": true}), false),
            (json!({"records_per_second": 10}), true),
            (json!({"records_per_second": MAX_RATE + 1}), false),
            (json!({"records_per_second": -1}), false),
            (json!([]), false),
        ] {
            assert_eq!(validator.is_valid(&config), valid, "spec on {config}");
            assert_eq!(Config::parse(&config).is_ok(), valid, "parse on {config}");
        }
        assert_eq!(
            Config::parse(&json!({})).unwrap(),
            Config {
                count: DEFAULT_COUNT,
                seed: 0,
                records_per_second: 0,
            }
        );
    }

    #[test]
    fn check_fails_with_a_reason_on_a_bad_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let good = file(&dir, "good.json", &json!({"count": 10, "seed": 4}));
        let (code, messages) = run_with(&["check", "--config", &good]);
        assert_eq!(code, 0);
        assert_eq!(messages[0]["connectionStatus"]["status"], "SUCCEEDED");
        for (config, expected) in [
            (
                json!({"count": -5}),
                "count must be an integer from 0 to 1000000000, not -5",
            ),
            (json!({"seed": "x"}), "seed must be an integer"),
            (
                json!({"rows": 5}),
                "unknown configuration property \"rows\"",
            ),
        ] {
            let bad = file(&dir, "bad.json", &config);
            let (code, messages) = run_with(&["check", "--config", &bad]);
            assert_eq!(code, 0);
            let status = &messages[0]["connectionStatus"];
            assert_eq!(status["status"], "FAILED");
            assert!(
                status["message"].as_str().unwrap().contains(expected),
                "{status}"
            );
        }
        // No configuration file, or no verb: a TRACE error and a failing exit.
        for args in [
            &["check"][..],
            &["check", "--config", "/nonexistent"],
            &["bogus"],
            &[],
        ] {
            let (code, messages) = run_with(args);
            assert_eq!(code, 1, "{args:?}");
            assert!(AirbyteMessage::parse(&messages[0].to_string())
                .and_then(|m| m.trace_error())
                .is_some());
        }
        // read refuses a bad configuration the same way.
        let bad = file(&dir, "bad.json", &json!({"count": -1}));
        let catalog = file(
            &dir,
            "catalog.json",
            &configured(&[("users", "full_refresh")]),
        );
        let (code, messages) = run_with(&["read", "--config", &bad, "--catalog", &catalog]);
        assert_eq!(code, 1);
        assert_eq!(messages.len(), 1);
        assert!(
            messages[0].to_string().contains("count must be"),
            "{messages:?}"
        );
    }

    #[test]
    fn discover_lists_three_streams_on_a_source_defined_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let config = file(&dir, "config.json", &json!({}));
        let (code, messages) = run_with(&["discover", "--config", &config]);
        assert_eq!(code, 0);
        let parsed: AirbyteMessage = serde_json::from_value(messages[0].clone()).unwrap();
        let AirbyteMessage::Catalog { catalog } = parsed else {
            panic!("{parsed:?}")
        };
        let names: Vec<&str> = catalog.streams.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["users", "orders", "events"]);
        for stream in &catalog.streams {
            assert_eq!(stream.supported_sync_modes, ["full_refresh", "incremental"]);
            assert_eq!(stream.source_defined_cursor, Some(true));
            assert_eq!(
                stream.default_cursor_field,
                Some(vec!["updated_at".to_string()])
            );
            assert_eq!(stream.json_schema["properties"]["id"]["type"], "integer");
            assert_eq!(
                stream.json_schema["properties"]["updated_at"]["format"],
                "date-time"
            );
        }
        let schema = crate::catalog::to_source_schema(&catalog);
        assert_eq!(schema.streams[0].fields.len(), USERS.len());
    }

    /// A rate keeps records apart (a lower bound, which a loaded machine only makes longer),
    /// and every record is flushed as it is made.
    #[test]
    fn records_per_second_paces_each_stream() {
        let plan = ReadPlan::new(
            Config {
                count: 5,
                seed: 0,
                records_per_second: 100,
            },
            &configured(&[("users", "full_refresh")]),
            &Value::Null,
        )
        .unwrap();
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        plan.read(&mut out).unwrap();
        assert!(
            started.elapsed() >= std::time::Duration::from_millis(50),
            "5 records at 100 a second took {:?}",
            started.elapsed()
        );
        let records = String::from_utf8(out)
            .unwrap()
            .matches(r#""type":"RECORD""#)
            .count();
        assert_eq!(records, 5);
    }

    #[test]
    fn read_emits_deterministic_typed_records_that_match_the_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let config = file(&dir, "config.json", &json!({"count": 50, "seed": 7}));
        let catalog = file(
            &dir,
            "catalog.json",
            &configured(&[
                ("users", "full_refresh"),
                ("orders", "full_refresh"),
                ("events", "full_refresh"),
            ]),
        );
        let (code, messages) = run_with(&["read", "--config", &config, "--catalog", &catalog]);
        assert_eq!(code, 0, "{messages:?}");
        assert!(states(&messages).is_empty(), "full refresh keeps no state");
        let (_, again) = run_with(&["read", "--config", &config, "--catalog", &catalog]);
        let discovered = catalog_schemas();
        for stream in ["users", "orders", "events"] {
            let got = records(&messages, stream);
            assert_eq!(got.len(), 50, "{stream}");
            let ids: Vec<u64> = got.iter().map(|r| r["id"].as_u64().unwrap()).collect();
            assert_eq!(ids, (1..=50).collect::<Vec<_>>());
            // Every record validates against the discovered schema, with every field.
            let schema = &discovered[stream];
            let validator = jsonschema::validator_for(schema).unwrap();
            let fields = schema["properties"].as_object().unwrap();
            for record in &got {
                assert!(validator.is_valid(record), "{record}");
                assert_eq!(record.as_object().unwrap().len(), fields.len(), "{record}");
                let updated = record["updated_at"].as_str().unwrap();
                chrono::DateTime::parse_from_rfc3339(updated).unwrap();
            }
            assert_eq!(
                got,
                records(&again, stream),
                "the same seed gives the same records"
            );
        }
        let users = records(&messages, "users");
        assert_eq!(users[0]["updated_at"], "2024-01-01T00:01:00Z");
        assert!(users[0]["email"]
            .as_str()
            .unwrap()
            .ends_with(".1@example.com"));
        // Another seed, other values; the same ids and cursor.
        let other = file(&dir, "other.json", &json!({"count": 50, "seed": 8}));
        let (_, reseeded) = run_with(&["read", "--config", &other, "--catalog", &catalog]);
        let reseeded = records(&reseeded, "users");
        assert_ne!(users, reseeded);
        assert_eq!(users[10]["updated_at"], reseeded[10]["updated_at"]);
    }

    /// The discovered json_schema of each stream, by name.
    fn catalog_schemas() -> Map<String, Value> {
        catalog()["streams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["json_schema"].clone(),
                )
            })
            .collect()
    }

    #[test]
    fn read_emits_only_the_selected_fields_and_streams() {
        let dir = tempfile::tempdir().unwrap();
        let config = file(&dir, "config.json", &json!({"count": 3}));
        let mut catalog = configured(&[("orders", "full_refresh")]);
        catalog["streams"][0]["stream"]["json_schema"] = json!({"type": "object", "properties": {"amount": {"type": "number"}, "id": {"type": "number"}}});
        let catalog = file(&dir, "catalog.json", &catalog);
        let (code, messages) = run_with(&["read", "--config", &config, "--catalog", &catalog]);
        assert_eq!(code, 0);
        let orders = records(&messages, "orders");
        assert_eq!(orders.len(), 3);
        assert!(records(&messages, "users").is_empty());
        for order in orders {
            let keys: Vec<&String> = order.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["amount", "id"], "{order}");
        }
        let unknown = file(
            &dir,
            "unknown.json",
            &configured(&[("customers", "full_refresh")]),
        );
        let (code, messages) = run_with(&["read", "--config", &config, "--catalog", &unknown]);
        assert_eq!(code, 1);
        assert!(
            messages[0]
                .to_string()
                .contains("no stream \\\"customers\\\""),
            "{messages:?}"
        );
    }

    #[test]
    fn incremental_reads_continue_where_the_state_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = file(
            &dir,
            "catalog.json",
            &configured(&[("users", "incremental"), ("orders", "full_refresh")]),
        );
        let read = |count: u64, state: Option<&Value>| {
            let config = file(&dir, "config.json", &json!({"count": count, "seed": 1}));
            let mut args = vec!["read", "--config", &config, "--catalog", &catalog];
            let state_file;
            if let Some(state) = state {
                state_file = file(&dir, "state.json", state);
                args.extend(["--state", &state_file]);
            }
            let (code, messages) = run_with(&args);
            assert_eq!(code, 0, "{messages:?}");
            messages
        };
        let first = read(20, None);
        assert_eq!(records(&first, "users").len(), 20);
        let state = states(&first).last().copied().cloned().unwrap();
        assert_eq!(
            state,
            json!({"users": {"updated_at": "2024-01-01T00:20:00Z"}})
        );
        // The same count: nothing new for the incremental stream, all of the full refresh.
        let second = read(20, Some(&state));
        assert!(records(&second, "users").is_empty());
        assert_eq!(records(&second, "orders").len(), 20);
        // A larger count: only the new records, continuing the ids and the cursor.
        let third = read(35, Some(&state));
        let users = records(&third, "users");
        let ids: Vec<u64> = users.iter().map(|r| r["id"].as_u64().unwrap()).collect();
        assert_eq!(ids, (21..=35).collect::<Vec<_>>());
        assert_eq!(
            users[0],
            records(&read(35, None), "users")[20],
            "the same records as a full read"
        );
        assert_eq!(
            states(&third).last().copied().cloned().unwrap(),
            json!({"users": {"updated_at": "2024-01-01T00:35:00Z"}})
        );
        // The state as Ferry's per-stream form, and wrapped in data, reads the same.
        let wrapped = read(35, Some(&json!({"data": state})));
        assert_eq!(records(&wrapped, "users").len(), 15);
        let per_stream = json!([{"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "users"}, "stream_state": {"updated_at": "2024-01-01T00:30:00Z"}}}]);
        assert_eq!(records(&read(35, Some(&per_stream)), "users").len(), 5);
        // Entries of streams this read does not touch are carried on.
        let with_events =
            json!({"users": state["users"], "events": {"updated_at": "2024-01-01T00:05:00Z"}});
        let carried = read(21, Some(&with_events));
        assert_eq!(
            states(&carried).last().copied().cloned().unwrap()["events"],
            with_events["events"]
        );
        // A state from before the first record reads everything; a broken one fails.
        let early = json!({"users": {"updated_at": "2023-06-01T00:00:00Z"}});
        assert_eq!(records(&read(5, Some(&early)), "users").len(), 5);
        let config = file(&dir, "config.json", &json!({"count": 5}));
        let broken = file(
            &dir,
            "state.json",
            &json!({"users": {"updated_at": "yesterday"}}),
        );
        let (code, messages) = run_with(&[
            "read",
            "--config",
            &config,
            "--catalog",
            &catalog,
            "--state",
            &broken,
        ]);
        assert_eq!(code, 1);
        assert!(
            messages[0].to_string().contains("not an RFC 3339 time"),
            "{messages:?}"
        );
    }

    #[test]
    fn long_incremental_streams_checkpoint_their_state() {
        let catalog = configured(&[("events", "incremental")]);
        let mut plan = ReadPlan::new(
            Config {
                count: 25,
                seed: 0,
                records_per_second: 0,
            },
            &catalog,
            &Value::Null,
        )
        .unwrap();
        plan.checkpoint_every = 10;
        let mut out = Vec::new();
        plan.read(&mut out).unwrap();
        let messages: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let cursors: Vec<&Value> = states(&messages)
            .iter()
            .map(|s| &s["events"]["updated_at"])
            .collect();
        assert_eq!(
            cursors,
            [
                "2024-01-01T00:10:00Z",
                "2024-01-01T00:20:00Z",
                "2024-01-01T00:25:00Z"
            ]
        );
        // Each state follows the record it names.
        let position = |cursor: &str| {
            messages
                .iter()
                .position(|m| {
                    m["type"] == "STATE" && m["state"]["data"]["events"]["updated_at"] == cursor
                })
                .unwrap()
        };
        assert_eq!(
            messages[position("2024-01-01T00:10:00Z") - 1]["record"]["data"]["id"],
            10
        );
    }

    #[test]
    fn timestamps_match_chrono() {
        for secs in [
            0,
            951_782_400,
            EPOCH_SECS,
            updated_at(MAX_COUNT),
            4_102_444_799,
        ] {
            let mut out = Vec::new();
            push_timestamp(&mut out, secs);
            let expected = chrono::DateTime::from_timestamp(secs, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
        let mut out = Vec::new();
        for n in [0, 7, 10, 18_446_744_073_709_551_615] {
            out.clear();
            push_u64(&mut out, n);
            assert_eq!(String::from_utf8(out.clone()).unwrap(), n.to_string());
        }
        out.clear();
        push_hundredths(&mut out, 5);
        assert_eq!(out, b"0.05");
    }
}
