//! The scale benchmark (`cargo bench -p ferry-server --bench scale`) runs end to end with tiny
//! sizes and prints every row of its table. No figure is checked: speed belongs in the
//! benchmark's output, not in assertions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../benches/scale/suite.rs"]
mod suite;

use ferry_persistence::testing::TestBackend;

#[test]
fn the_scale_benchmark_prints_every_figure() {
    let options = suite::Options {
        backends: vec![TestBackend::Sqlite, TestBackend::Postgres],
        skip: Vec::new(),
        syncs: 3,
        sync_records: 100,
        due: 10,
        slow_secs: 3,
        cancels: 2,
        workers: 2,
        worker_syncs: 10,
        list_sizes: vec![20, 60],
    };
    let mut out = Vec::new();
    let rows = suite::run(&options, &mut out);
    let table = String::from_utf8(out).unwrap();
    println!("{table}");
    for backend in ["sqlite", "postgres"] {
        for figure in [
            "peak attempts running",
            "failures",
            "wall time",
            "Ferry's peak RSS",
            "cancel to no connector process",
            "manual sync in another workspace",
            "attempt started after due",
            "scheduler pass",
            "RSS after 3 unpaged",
            "20 fast syncs beside a slow one",
            "`connections/list` page of 50 at 20 / 60 rows",
            "`web_backend/connections/list` page of 50",
            "`web_backend/workspaces/list` page of 50",
            "`jobs/list` page of 50",
            "unpaged `web_backend/connections/list` of 60",
        ] {
            assert!(
                rows.iter()
                    .any(|r| r.backend == backend && r.figure.contains(figure)),
                "no {figure} row for {backend} in\n{table}"
            );
        }
    }
    // Several workers on one database: PostgreSQL only, and SQLite says so.
    for figure in [
        "claims/s",
        "attempts per worker",
        "jobs run more than once",
        "on 2 `ferry worker` x 4 slots: wall time",
    ] {
        assert!(
            rows.iter()
                .any(|r| r.backend == "postgres" && r.figure.contains(figure)),
            "no {figure} row for postgres in\n{table}"
        );
    }
    assert!(
        rows.iter().any(|r| r.backend == "sqlite"
            && r.figure.contains("`ferry worker` on one database")
            && r.value.contains("PostgreSQL only")),
        "no row saying the workers part does not run on sqlite in\n{table}"
    );
}
