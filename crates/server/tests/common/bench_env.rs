//! The benchmarks' knobs, `FERRY_BENCH_*` variables: one reading of them for every suite, so
//! a value that does not parse stops the run naming the variable instead of quietly becoming
//! the default.

use ferry_persistence::testing::TestBackend;

/// `name` parsed, or `default` when it is not set.
pub fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a valid value")),
        Err(_) => default,
    }
}

/// `name` as a comma-separated list (empty items dropped), each item parsed, or `default`
/// when it is not set.
pub fn list<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    var(name, default.to_string())
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse()
                .unwrap_or_else(|_| panic!("{name}: {item:?} is not a valid value"))
        })
        .collect()
}

/// `FERRY_BENCH_BACKENDS`: `sqlite`, `postgres` or both (the default).
pub fn backends() -> Vec<TestBackend> {
    list::<String>("FERRY_BENCH_BACKENDS", "sqlite,postgres")
        .iter()
        .map(|backend| match backend.as_str() {
            "sqlite" => TestBackend::Sqlite,
            "postgres" => TestBackend::Postgres,
            other => panic!("FERRY_BENCH_BACKENDS: unknown backend {other:?}"),
        })
        .collect()
}
