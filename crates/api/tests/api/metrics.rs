//! `/api/metrics` in Prometheus' text format, parsed by a Prometheus text parser: the
//! counters move with what the test does.

use crate::fixtures::{self, id};
use crate::support::TestApp;
use serde_json::json;

/// One sample: its name, its labels (sorted) and its value.
type Sample = (String, Vec<(String, String)>, f64);

/// The scrape, parsed.
async fn scrape(app: &TestApp) -> Vec<Sample> {
    let reply = app.get("/api/metrics").await;
    assert_eq!(reply.status, 200);
    let text = reply.body.as_str().expect("text").to_string();
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let parsed = prometheus_parse::Scrape::parse(lines).expect("the exposition parses");
    parsed
        .samples
        .into_iter()
        .map(|sample| {
            let value = match sample.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                prometheus_parse::Value::Histogram(buckets) => {
                    buckets.last().map_or(0.0, |b| b.count)
                }
                prometheus_parse::Value::Summary(_) => 0.0,
            };
            let mut labels: Vec<(String, String)> = sample
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            labels.sort();
            (sample.metric, labels, value)
        })
        .collect()
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|(metric, have, _)| {
            metric == name
                && labels
                    .iter()
                    .all(|(k, v)| have.iter().any(|(hk, hv)| hk == k && hv == v))
        })
        .map(|(_, _, value)| *value)
        .sum()
}

on_both_backends! {
    async fn metrics_count_what_happened(app: TestApp) {
        let before = scrape(&app).await;
        for _ in 0..3 {
            app.ok("workspaces/list", json!({})).await;
        }
        let missing = app.post("workspaces/get", json!({ "workspaceId": fixtures::UNKNOWN_ID })).await;
        assert_eq!(missing.status, 404);
        let (_, source, destination) = fixtures::pair(&app, "Metrics").await;
        let connection = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        app.ok("connections/sync", json!({ "connectionId": connection })).await;
        let after = scrape(&app).await;

        let requests = |samples: &_, operation: &str, status: &str| {
            value(samples, "ferry_http_requests_total", &[("operation", operation), ("status", status)])
        };
        assert_eq!(requests(&after, "listWorkspaces", "200") - requests(&before, "listWorkspaces", "200"), 3.0);
        assert_eq!(requests(&after, "getWorkspace", "404") - requests(&before, "getWorkspace", "404"), 1.0);
        let timed = value(&after, "ferry_http_request_duration_seconds_count", &[("operation", "listWorkspaces")]);
        assert!(timed >= 3.0, "latency observed: {timed}");
        assert_eq!(value(&after, "ferry_jobs_pending", &[]), 1.0, "the queued sync");
        assert_eq!(value(&after, "ferry_jobs", &[("config_type", "sync"), ("status", "pending")]), 1.0);
        assert!(value(&after, "ferry_jobs_oldest_pending_age_seconds", &[]) >= 0.0);
        assert_eq!(value(&after, "ferry_db_pool_connections_max", &[]), 8.0);
        assert!(value(&after, "ferry_db_pool_waits_total", &[]) > value(&before, "ferry_db_pool_waits_total", &[]));
        let backend = if app.database.url.starts_with("postgres") { "postgres" } else { "sqlite" };
        assert_eq!(value(&after, "ferry_build_info", &[("backend", backend)]), 1.0);
        // The process's own figures, under their conventional names.
        assert!(value(&after, "process_resident_memory_bytes", &[]) > 1_000_000.0);
        assert!(value(&after, "process_open_fds", &[]) > 0.0);
        assert!(value(&after, "process_cpu_seconds_total", &[]) >= 0.0);
    }
}
