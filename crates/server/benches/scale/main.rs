//! `cargo bench -p ferry-server --bench scale`: issue 24's figures for running many syncs on
//! one machine, each beside its goal, on SQLite and on PostgreSQL (`suite.rs` says what each
//! part does; docs/BENCHMARKS.md, "Scale", explains the rows). PostgreSQL comes from
//! FERRY_TEST_POSTGRES_URL, as for the tests; `FERRY_BENCH_*` variables change the sizes.

// A benchmark: a failed step should stop it with its message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../../tests/common/mod.rs"]
mod common;
mod suite;

fn main() {
    let options = suite::Options::from_env();
    suite::run(&options, &mut std::io::stdout());
}
