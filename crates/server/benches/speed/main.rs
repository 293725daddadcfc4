//! `cargo bench -p ferry-server --bench speed`: issue 14's figures beside their ceilings, on
//! SQLite and on PostgreSQL, as one table (see `suite.rs`; docs/BENCHMARKS.md explains each
//! row). PostgreSQL comes from FERRY_TEST_POSTGRES_URL, as for the tests; `FERRY_BENCH_*`
//! variables change the run's length and sizes.

// A benchmark: a failed step should stop it with its message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../../tests/common/mod.rs"]
mod common;
mod suite;

fn main() {
    let options = suite::Options::from_env(env!("CARGO_BIN_EXE_ferry").into());
    suite::run(&options, &mut std::io::stdout());
}
