//! Prints how long list pages take over 100,000 rows, on SQLite and on PostgreSQL:
//! `workspaces/list` over 100,000 workspaces, `connections/list` over one workspace's
//! 100,000 connections, and `jobs/list` over one connection's 100,000 jobs. For every sort
//! and order: the first page and a page 90% deep, by keyset (what Ferry's cursors use) and,
//! for contrast, by offset. Keyset pages should cost about the same at any depth (the
//! target: a deep page within 2x of the first).
//!
//! Run: `cargo bench -p ferry-persistence --bench lists` (PostgreSQL from
//! FERRY_TEST_POSTGRES_URL, as for the tests). `FERRY_BENCH_ROWS` changes the row count.

// A benchmark: a failed step should stop it with its message.
#![allow(clippy::expect_used)]

use ferry_domain::connection::ConnectionSortBy;
use ferry_domain::job::{JobConfigType, JobSortBy};
use ferry_domain::list::{Cursor, Paging, SortOrder};
use ferry_domain::workspace::WorkspaceSortBy;
use ferry_persistence::store::connections::{self, ConnectionFilter};
use ferry_persistence::store::jobs::{self, JobFilter};
use ferry_persistence::store::paging::{ListPage, Page};
use ferry_persistence::store::workspaces::{self, WorkspaceFilter};
use ferry_persistence::testing::{
    insert_synthetic_connections, insert_synthetic_jobs, insert_synthetic_workspaces,
    seed_connections, TestBackend, TestDatabase,
};
use ferry_persistence::AnyConnection;
use std::time::{Duration, Instant};

const PAGE: i64 = 100;
const RUNS: usize = 7;

fn median_time(mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

/// One list with one sort: lists a page as `paging` asks.
type Lister<'a> = Box<dyn Fn(&mut AnyConnection, Paging) -> Page<()> + 'a>;

fn sorted<S: Copy + 'static, T>(
    sort_by: S,
    order: SortOrder,
    list: impl Fn(&mut AnyConnection, &ListPage<S>) -> ferry_domain::Result<Page<T>> + 'static,
) -> Lister<'static> {
    Box::new(move |conn, paging| {
        let page = ListPage {
            sort_by,
            order,
            paging,
        };
        list(conn, &page).expect("a page").map(|_| ())
    })
}

/// Times one list's first page, a keyset page `depth` rows in and an offset page as deep;
/// prints them and returns the keyset deep/first ratio.
fn measure(conn: &mut AnyConnection, label: &str, depth: i64, list: &Lister<'_>) -> f64 {
    // The position `depth` rows in, found once by offset (not timed).
    let marker = list(
        conn,
        Paging::Offset {
            size: 1,
            offset: depth - 1,
            total: false,
        },
    );
    let (key, id) = marker.next.expect("a row at depth");
    let deep = Paging::Keyset {
        size: PAGE,
        after: Some(Cursor { key, id, query: 0 }),
        total: false,
    };
    let first_page = Paging::Keyset {
        size: PAGE,
        after: None,
        total: false,
    };
    let by_offset = Paging::Offset {
        size: PAGE,
        offset: depth,
        total: false,
    };
    let first = median_time(|| {
        assert_eq!(list(conn, first_page.clone()).items.len() as i64, PAGE);
    });
    let keyset = median_time(|| {
        assert_eq!(list(conn, deep.clone()).items.len() as i64, PAGE);
    });
    let offset = median_time(|| {
        list(conn, by_offset.clone());
    });
    let ratio = keyset.as_secs_f64() / first.as_secs_f64();
    println!(
        "{label:<42} {first:>11.2?} {keyset:>11.2?} {ratio:>7.2} {offset:>13.2?} {:>7.2}",
        offset.as_secs_f64() / first.as_secs_f64()
    );
    ratio
}

/// What `web_backend/workspaces/list` adds to a page of workspaces: each one's counts and
/// newest sync job. Times the summary of the workspace holding `rows` connections (each with
/// a job) against one holding a hundredth as many; the target is the same 2x.
fn summaries(
    conn: &mut AnyConnection,
    backend: TestBackend,
    big: ferry_domain::ids::WorkspaceId,
    rows: u32,
) -> f64 {
    let few = (rows / 100).max(1);
    let model = seed_connections(conn, 1, None)[0];
    insert_synthetic_connections(conn, model, few).expect("connections");
    insert_synthetic_jobs(conn, model, few).expect("jobs");
    let small = connections::get(conn, model)
        .expect("the model")
        .workspace_id;
    let time = |conn: &mut AnyConnection, workspace| {
        median_time(|| {
            let summary = workspaces::summaries(conn, &[workspace]).expect("summaries");
            assert!(summary[&workspace].latest_sync_job.is_some());
        })
    };
    let (few_time, many_time) = (time(conn, small), time(conn, big));
    let ratio = many_time.as_secs_f64() / few_time.as_secs_f64();
    println!(
        "{:<42} {few_time:>11.2?} {many_time:>11.2?} {ratio:>7.2}",
        format!("{backend:?} workspace summary {few} vs {rows}")
    );
    ratio
}

fn main() {
    let rows: u32 = std::env::var("FERRY_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let depth = i64::from(rows) * 9 / 10;
    println!("lists over {rows} rows each, pages of {PAGE}, median of {RUNS} runs; deep = after row {depth}");
    println!(
        "{:<42} {:>11} {:>11} {:>7} {:>13} {:>7}",
        "backend list sort order", "first", "deep", "ratio", "offset deep", "ratio"
    );
    let mut worst: f64 = 0.0;
    for backend in [TestBackend::Sqlite, TestBackend::Postgres] {
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().expect("connection");
        let conn: &mut AnyConnection = &mut pooled;
        let load = Instant::now();
        insert_synthetic_workspaces(conn, rows).expect("workspaces");
        let model = seed_connections(conn, 1, None)[0];
        insert_synthetic_connections(conn, model, rows).expect("connections");
        insert_synthetic_jobs(conn, model, rows).expect("jobs");
        if let AnyConnection::Postgres(_) = conn {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("ANALYZE workspaces; ANALYZE connections; ANALYZE jobs")
                .expect("analyze");
        }
        eprintln!(
            "{backend:?}: loaded 3 x {rows} rows in {:.1?}",
            load.elapsed()
        );
        let workspace = connections::get(conn, model)
            .expect("the model")
            .workspace_id;

        let mut lists: Vec<(String, Lister<'static>)> = Vec::new();
        for order in [SortOrder::Asc, SortOrder::Desc] {
            for sort_by in WorkspaceSortBy::ALL {
                let filter = WorkspaceFilter::default();
                lists.push((
                    format!("workspaces/list {} {}", sort_by.as_str(), order.as_str()),
                    sorted(*sort_by, order, move |conn, page| {
                        workspaces::list(conn, &filter, page)
                    }),
                ));
            }
            for sort_by in ConnectionSortBy::ALL {
                let filter = ConnectionFilter::workspace(workspace);
                lists.push((
                    format!("connections/list {} {}", sort_by.as_str(), order.as_str()),
                    sorted(*sort_by, order, move |conn, page| {
                        connections::list(conn, &filter, page)
                    }),
                ));
            }
            for sort_by in JobSortBy::ALL {
                let filter = JobFilter::of(JobConfigType::Sync, model.to_string());
                lists.push((
                    format!("jobs/list {} {}", sort_by.as_str(), order.as_str()),
                    sorted(*sort_by, order, move |conn, page| {
                        jobs::list(conn, &filter, page)
                    }),
                ));
            }
        }
        for (label, list) in &lists {
            let ratio = measure(conn, &format!("{backend:?} {label}"), depth, list);
            worst = worst.max(ratio);
        }
        worst = worst.max(summaries(conn, backend, workspace, rows));
    }
    println!(
        "worst keyset deep/first ratio: {worst:.2} ({})",
        if worst <= 2.0 {
            "within the 2x target"
        } else {
            "OVER the 2x target"
        }
    );
}
