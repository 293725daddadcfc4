//! The speed benchmark (`cargo bench -p ferry-server --bench speed`) runs end to end, with a
//! tiny load and tiny sizes, and prints every row of its table. No figure is checked: speed
//! belongs in the benchmark's output, not in assertions.

// A benchmark run as a test: a failed step should stop it with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../benches/speed/suite.rs"]
mod suite;

use ferry_persistence::testing::TestBackend;
use std::time::Duration;

#[test]
fn the_speed_benchmark_prints_every_figure() {
    let options = suite::Options {
        load: Duration::from_millis(300),
        connections: 5,
        list_calls: 2,
        workspaces: 300,
        records: 5_000,
        sync_rounds: 1,
        backends: vec![TestBackend::Sqlite, TestBackend::Postgres],
        skip: Vec::new(),
        ..suite::Options::from_env(env!("CARGO_BIN_EXE_ferry").into())
    };
    let mut out = Vec::new();
    suite::run(&options, &mut out);
    let table = String::from_utf8(out).unwrap();
    println!("{table}");
    for backend in ["sqlite", "postgres"] {
        for figure in [
            "start to first answer",
            "empty actix-web handler",
            "destinations/get",
            "destinations/get: p99 / p50",
            "health",
            "web_backend/connections/list, 5 connections",
            "web_backend/connections/list: statements per call",
            "resident memory",
            "workspaces/list: page of 100",
        ] {
            assert!(
                table
                    .lines()
                    .any(|l| l.starts_with(&format!("| {figure}")) && l.contains(backend)),
                "no {figure} row for {backend} in\n{table}"
            );
        }
    }
    assert!(table.contains("destinations/get vs pgbench -S"), "{table}");
    assert!(table.contains("sync: Ferry's pump"), "{table}");
    assert!(table.contains("sync: sample source alone"), "{table}");
    // The one outcome that is not a speed: the list's statement count.
    assert!(!table.contains("GROWS"), "{table}");
}
