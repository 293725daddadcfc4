//! The `lists` part: what a page costs through the API as a table grows. One workspace's
//! connections (each with a job), grown to each of `FERRY_BENCH_LIST_SIZES` (1,000, 10,000
//! and 100,000) by copying one connection and its job in the database, as the persistence
//! bench does; at each size the median of `LIST_CALLS` calls of a page of 50 of every list
//! that grows with them, and the unpaged `web_backend/connections/list`'s time and Ferry's
//! memory after it. The rows give each page's time at every size and the largest size's
//! ratio to the smallest (the goal: 2x at most).

use super::{backend_name, ferry, mb, row, rss, workspace_with_source, Options, Row};
use crate::common::ferry::Ferry;
use crate::common::{http, PATIENCE};
use ferry_persistence::testing::TestBackend;
use ferry_persistence::testing::{insert_synthetic_connections, insert_synthetic_jobs};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Calls per page figure (the median counts).
const LIST_CALLS: usize = 15;

pub fn pages_as_tables_grow(options: &Options, backend: TestBackend) -> Vec<Row> {
    let name = backend_name(backend);
    let ferry = ferry(backend, 1)
        .setting("worker", "enabled = false")
        .start();
    let (workspace, source, schema) = workspace_with_source(&ferry, Some("lists"), json!({}));
    let model = super::connection(&ferry, &workspace, &source, &schema, "lists", json!({}));
    let job = super::sync(&ferry, &model);
    ferry.ok("jobs/cancel", json!({ "id": job }));
    let model_id: ferry_domain::ids::ConnectionId = serde_json::from_value(model.clone()).unwrap();
    // Loading 100,000 rows in one statement takes longer than a request may.
    let loading = ferry_persistence::connection::PoolOptions {
        call_timeout: Duration::from_secs(3600),
        ..Default::default()
    };
    let db = ferry_persistence::connection::Database::open(ferry.database_url(), &loading).unwrap();

    let pages: [(&str, Value, &str); 4] = [
        (
            "connections/list",
            json!({ "workspaceId": workspace, "pageSize": 50 }),
            "connections",
        ),
        (
            "web_backend/connections/list",
            json!({ "workspaceId": workspace, "pageSize": 50 }),
            "connections",
        ),
        (
            "web_backend/workspaces/list",
            json!({ "pageSize": 50 }),
            "workspaces",
        ),
        (
            "jobs/list",
            json!({ "configType": "sync", "configId": model, "pageSize": 50 }),
            "jobs",
        ),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); pages.len()];
    let mut unpaged = Vec::new();
    let mut have = 1;
    for &size in &options.list_sizes {
        let more = u32::try_from(size.saturating_sub(have)).unwrap_or(u32::MAX);
        let loaded = Instant::now();
        db.run_blocking(move |conn| {
            insert_synthetic_connections(conn, model_id, more)?;
            insert_synthetic_jobs(conn, model_id, more)
        })
        .unwrap();
        have = size;
        // As autovacuum would soon: the planner's statistics describe the grown tables.
        if backend == TestBackend::Postgres {
            db.run_blocking(|conn| {
                use diesel::connection::SimpleConnection;
                conn.batch_execute("ANALYZE connections; ANALYZE jobs; ANALYZE actors")
                    .map_err(ferry_persistence::error::from_diesel)
            })
            .unwrap();
        }
        eprintln!(
            "scale: lists: {size} connections and jobs in {:.1?}",
            loaded.elapsed()
        );
        for (index, (path, body, items)) in pages.iter().enumerate() {
            times[index].push(median_call(&ferry, path, body, items));
        }
        let before = rss(ferry.pid());
        let started = Instant::now();
        let listed = ferry.ok(
            "web_backend/connections/list",
            json!({ "workspaceId": workspace }),
        );
        let took = started.elapsed();
        let count = listed["connections"].as_array().map_or(0, Vec::len);
        drop(listed);
        unpaged.push((size, count, took, before, rss(ferry.pid())));
    }

    let sizes = &options.list_sizes;
    let labels: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
    let mut rows = Vec::new();
    for (index, (path, _, _)) in pages.iter().enumerate() {
        let measured: Vec<String> = times[index]
            .iter()
            .map(|t| format!("{:.2} ms", ms(*t)))
            .collect();
        let ratio = match (times[index].first(), times[index].last()) {
            (Some(first), Some(last)) => ms(*last) / ms(*first),
            _ => f64::NAN,
        };
        rows.push(row(
            format!(
                "`{path}` page of 50 at {} rows (median of {LIST_CALLS})",
                labels.join(" / ")
            ),
            name,
            format!("{} ({ratio:.2}x)", measured.join(" / ")),
            "largest <= 2x smallest",
        ));
    }
    for (size, count, took, before, after) in unpaged {
        rows.push(row(
            format!("unpaged `web_backend/connections/list` of {size} ({count} answered): time, Ferry's RSS before / after"),
            name,
            format!("{:.2} s, {} / {}", took.as_secs_f64(), mb(before), mb(after)),
            "within 20 MB of before",
        ));
    }
    rows
}

/// The median time of `LIST_CALLS` calls of a page, each of which must answer 200 with items.
fn median_call(ferry: &Ferry, path: &str, body: &Value, items: &str) -> Duration {
    let mut times: Vec<Duration> = (0..LIST_CALLS)
        .map(|_| {
            let started = Instant::now();
            let (status, answer) =
                http(ferry.port, "POST", &format!("/api/v1/{path}"), Some(body)).unwrap();
            let took = started.elapsed();
            assert_eq!(status, 200, "{path}: {answer}");
            assert!(
                answer[items].as_array().is_some_and(|a| !a.is_empty()),
                "{path}: {answer}"
            );
            assert!(took < PATIENCE, "{path} took {took:?}");
            took
        })
        .collect();
    times.sort();
    times[LIST_CALLS / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
