//! Prints how long `workspaces/list` pages take over 100,000 workspaces, on SQLite and on
//! PostgreSQL: the first page and a page 90,000 rows deep, for every sort, by keyset (what
//! Ferry's cursors use) and, for contrast, by offset. Keyset pages should cost about the same
//! at any depth (the target: a deep page within 2x of the first).
//!
//! Run: `cargo bench -p ferry-persistence --bench workspace_list` (PostgreSQL from
//! FERRY_TEST_POSTGRES_URL, as for the tests). `FERRY_BENCH_ROWS` changes the row count.

// A benchmark: a failed step should stop it with its message.
#![allow(clippy::expect_used)]

use ferry_domain::list::{Cursor, Paging, SortOrder};
use ferry_domain::workspace::WorkspaceSortBy;
use ferry_persistence::store::workspaces::{self, WorkspaceFilter, WorkspacePage};
use ferry_persistence::testing::{insert_synthetic_workspaces, TestBackend, TestDatabase};
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

fn page(sort_by: WorkspaceSortBy, order: SortOrder) -> WorkspacePage {
    WorkspacePage {
        sort_by,
        order,
        paging: Paging::Keyset {
            size: PAGE,
            after: None,
        },
    }
}

fn main() {
    let rows: u32 = std::env::var("FERRY_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let depth = i64::from(rows) * 9 / 10;
    println!("workspaces/list over {rows} workspaces, pages of {PAGE}, median of {RUNS} runs; deep = after row {depth}");
    println!(
        "{:<9} {:<10} {:<5} {:>11} {:>11} {:>7} {:>13} {:>7}",
        "backend", "sort", "order", "first", "deep", "ratio", "offset deep", "ratio"
    );
    let mut worst: f64 = 0.0;
    for backend in [TestBackend::Sqlite, TestBackend::Postgres] {
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().expect("connection");
        let conn: &mut AnyConnection = &mut pooled;
        let load = Instant::now();
        insert_synthetic_workspaces(conn, rows).expect("load");
        if let AnyConnection::Postgres(_) = conn {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("ANALYZE workspaces").expect("analyze");
        }
        eprintln!("{backend:?}: loaded {rows} rows in {:.1?}", load.elapsed());
        let filter = WorkspaceFilter::default();
        for sort_by in [
            WorkspaceSortBy::Name,
            WorkspaceSortBy::CreatedAt,
            WorkspaceSortBy::UpdatedAt,
        ] {
            for order in [SortOrder::Asc, SortOrder::Desc] {
                // The position `depth` rows in, found once by offset (not timed).
                let mut at_depth = page(sort_by, order);
                at_depth.paging = Paging::Offset {
                    size: 1,
                    offset: depth - 1,
                };
                let listed = workspaces::list(conn, &filter, &at_depth).expect("position");
                let marker = listed.items.first().expect("a row at depth");
                let key = match sort_by {
                    WorkspaceSortBy::Name => marker.name.to_lowercase(),
                    WorkspaceSortBy::CreatedAt => marker
                        .created_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    WorkspaceSortBy::UpdatedAt => marker
                        .updated_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                };
                let mut deep = page(sort_by, order);
                deep.paging = Paging::Keyset {
                    size: PAGE,
                    after: Some(Cursor {
                        key,
                        id: marker.id.0,
                        query: 0,
                    }),
                };
                let mut by_offset = page(sort_by, order);
                by_offset.paging = Paging::Offset {
                    size: PAGE,
                    offset: depth,
                };

                let first_page = page(sort_by, order);
                let first = median_time(|| {
                    workspaces::list(conn, &filter, &first_page).expect("first page");
                });
                let keyset = median_time(|| {
                    let listed = workspaces::list(conn, &filter, &deep).expect("deep page");
                    assert_eq!(listed.items.len() as i64, PAGE);
                });
                let offset = median_time(|| {
                    workspaces::list(conn, &filter, &by_offset).expect("offset page");
                });
                let ratio = keyset.as_secs_f64() / first.as_secs_f64();
                worst = worst.max(ratio);
                println!(
                    "{:<9} {:<10} {:<5} {:>11.2?} {:>11.2?} {:>7.2} {:>13.2?} {:>7.2}",
                    format!("{backend:?}"),
                    sort_by.as_str(),
                    order.as_str(),
                    first,
                    keyset,
                    ratio,
                    offset,
                    offset.as_secs_f64() / first.as_secs_f64()
                );
            }
        }
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
