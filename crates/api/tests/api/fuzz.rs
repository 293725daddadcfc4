//! Property-based fuzzing of every operation of the served document: bodies generated from
//! each operation's request schema, then broken at one random place with a hostile value
//! (NUL, huge numbers, deep nesting, wrong types, long strings, path tricks). Whatever the
//! body, the answer is never a 500, and every refusal is the error envelope.
//!
//! The generator is seeded (FERRY_FUZZ_SEED overrides it, FERRY_FUZZ_CASES the cases per
//! operation), so a failure names the seed and the body that reproduce it.

use crate::fixtures::DEFAULT_WORKSPACE;
use crate::support::TestApp;
use serde_json::{json, Map, Value};

/// A small deterministic generator (xorshift64*), so runs are reproducible without a
/// dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Values that have broken JSON APIs before.
fn hostile(rng: &mut Rng) -> Value {
    let deep = (0..300).fold(json!(1), |inner, _| json!([inner]));
    let choices = [
        json!("\u{0}"),
        json!("a\u{0}b"),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(-1),
        json!(0),
        json!(1e308),
        json!(-1e308),
        json!(0.5),
        json!(""),
        json!("   "),
        json!("x".repeat(10_000)),
        json!("🙂".repeat(300)),
        json!("../../../../etc/passwd"),
        json!("/proc/self/environ"),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("9999-12-31T23:59:59Z"),
        json!("' OR 1=1 --"),
        json!("%s%n{}"),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
        json!([null, "\u{0}", i64::MAX]),
        json!({ "\u{0}": 1, "k": "\u{0}" }),
        deep,
    ];
    choices[rng.below(choices.len())].clone()
}

fn resolve<'d>(document: &'d Value, schema: &'d Value) -> &'d Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            resolve(document, &document["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// A value the schema describes (roughly: enough to get past the parser most of the time).
fn generate(document: &Value, schema: &Value, rng: &mut Rng, depth: usize) -> Value {
    let schema = resolve(document, schema);
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema[key].as_array().filter(|o| !o.is_empty()) {
            return generate(document, &options[rng.below(options.len())], rng, depth);
        }
    }
    if let Some(values) = schema["enum"].as_array().filter(|v| !v.is_empty()) {
        return values[rng.below(values.len())].clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or(Value::Null),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("object") => {
            let mut object = Map::new();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(properties) = schema["properties"].as_object() {
                for (name, property) in properties {
                    if depth < 6 && (required.contains(&name.as_str()) || rng.chance(60)) {
                        object.insert(name.clone(), generate(document, property, rng, depth + 1));
                    }
                }
            }
            Value::Object(object)
        }
        Some("array") if depth < 6 => {
            let items = &schema["items"];
            Value::Array(
                (0..rng.below(3))
                    .map(|_| generate(document, items, rng, depth + 1))
                    .collect(),
            )
        }
        Some("array") => json!([]),
        Some("integer") => json!([1, 7, 100, -3][rng.below(4)]),
        Some("number") => json!(1.5),
        Some("boolean") => json!(rng.chance(50)),
        Some("string") => match schema["format"].as_str() {
            Some("uuid") => match rng.below(3) {
                0 => json!(DEFAULT_WORKSPACE),
                1 => json!(uuid::Uuid::new_v4()),
                _ => json!("5ae6b09b-fdec-41af-aaf7-7d94cfc33ef7"),
            },
            Some("email") => json!("fuzz@ferry.test"),
            Some("uri") | Some("url") => json!("https://example.com/x"),
            Some("date-time") => json!("2026-01-01T00:00:00Z"),
            _ => json!(["name", "a b", "x", "default"][rng.below(4)]),
        },
        _ => json!({}),
    }
}

/// Replaces one node of `value`, chosen at random, by a hostile value.
fn mutate(value: &mut Value, rng: &mut Rng) {
    let stop_here = rng.chance(30);
    match value {
        Value::Object(fields) if !fields.is_empty() && !stop_here => {
            let key = fields
                .keys()
                .nth(rng.below(fields.len()))
                .cloned()
                .unwrap_or_default();
            if let Some(inner) = fields.get_mut(&key) {
                mutate(inner, rng);
            }
        }
        Value::Array(items) if !items.is_empty() && !stop_here => {
            let index = rng.below(items.len());
            mutate(&mut items[index], rng);
        }
        _ => *value = hostile(rng),
    }
}

fn assert_envelope(operation: &str, body_sent: &Value, status: u16, body: &Value, seed: u64) {
    let shown = {
        let text = body_sent.to_string();
        text.chars().take(600).collect::<String>()
    };
    assert_ne!(
        status, 500,
        "{operation} answered 500 to {shown} (seed {seed}): {body}"
    );
    assert!(
        !matches!(status, 503 | 504),
        "{operation} answered {status} with the database up: {shown} (seed {seed}): {body}"
    );
    if status >= 400 {
        assert_eq!(
            body["statusCode"], status,
            "{operation}: no envelope for {shown}: {body}"
        );
        assert!(body["message"].is_string(), "{operation}: {body}");
        assert!(body["error"].is_string(), "{operation}: {body}");
    }
}

async fn fuzz_every_operation(app: TestApp) {
    let seed: u64 = std::env::var("FERRY_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F022);
    let cases: usize = std::env::var("FERRY_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let document = app.get("/api/openapi.json").await.body;
    let mut rng = Rng(seed);
    let mut sent = 0;
    let paths = document["paths"].as_object().expect("paths");
    for (path, item) in paths {
        let Some(operation) = item.get("post") else {
            continue;
        };
        let name = operation["operationId"].as_str().unwrap_or(path);
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        let api_path = path.trim_start_matches("/v1/");
        for case in 0..=cases {
            let mut body = if schema.is_null() {
                json!({})
            } else {
                generate(&document, schema, &mut rng, 0)
            };
            if case > 0 {
                mutate(&mut body, &mut rng);
            }
            let reply = app.post(api_path, body.clone()).await;
            assert_envelope(name, &body, reply.status, &reply.body, seed);
            sent += 1;
        }
    }
    assert!(sent > 500, "only {sent} bodies were sent");
}

on_both_backends! {
    async fn generated_hostile_bodies_never_get_a_500(app: TestApp) {
        fuzz_every_operation(app).await;
    }
}
