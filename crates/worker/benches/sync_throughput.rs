//! Prints records per second through a Ferry sync of 100,000 faker records (source ->
//! Ferry's pump -> local-json), and through the same two connectors piped directly in a
//! shell, so that the platform's overhead shows as a ratio. Not a timed test: it only prints.
//!
//! Run: `cargo bench -p ferry-worker --bench sync_throughput`, with source-faker from
//! FERRY_TEST_SOURCE_FAKER, PATH, or the virtualenv the end-to-end tests install under
//! target/tmp. FERRY_BENCH_RECORDS changes the record count.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use ferry_worker::launcher::{Image, Launcher, LauncherSettings};
use ferry_worker::sync::{run_sync, Progress, SyncEnd, SyncPlan};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn faker() -> PathBuf {
    if let Some(path) = std::env::var_os("FERRY_TEST_SOURCE_FAKER") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("source-faker"))
            .find(|p| p.is_file())
    });
    let installed =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("connectors-venv/bin/source-faker");
    on_path
        .or_else(|| installed.is_file().then_some(installed))
        .expect("source-faker not found: set FERRY_TEST_SOURCE_FAKER, or run the server's end-to-end tests once")
}

fn lines_in(dir: &std::path::Path) -> usize {
    std::fs::read_to_string(dir.join("users.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let records: u64 = std::env::var("FERRY_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let faker = faker();
    let destination = env!("CARGO_BIN_EXE_ferry-destination-local-json");
    let source_config =
        json!({ "count": records, "seed": 1, "parallelism": 1, "records_per_slice": 1000 });
    let catalog = json!({ "streams": [{
        "stream": { "name": "users", "json_schema": { "type": "object" }, "supported_sync_modes": ["full_refresh"] },
        "sync_mode": "full_refresh", "cursor_field": [], "destination_sync_mode": "overwrite"
    }] });

    // Through Ferry: the launcher, the pump that counts and forwards, the state handling.
    let through_ferry = tempfile::tempdir().unwrap();
    let launcher = Launcher::new(LauncherSettings {
        commands: [
            (
                "bench/source-faker".to_string(),
                vec![faker.display().to_string()],
            ),
            (
                "bench/local-json".to_string(),
                vec![
                    destination.to_string(),
                    "--root".to_string(),
                    through_ferry.path().display().to_string(),
                ],
            ),
        ]
        .into_iter()
        .collect(),
        docker: false,
        timeout: Duration::from_secs(600),
        sync_timeout: Duration::from_secs(3600),
        container: Default::default(),
    });
    let plan = SyncPlan {
        source: Image {
            repository: "bench/source-faker".into(),
            tag: "bench".into(),
        },
        source_config: source_config.clone(),
        destination: Image {
            repository: "bench/local-json".into(),
            tag: "bench".into(),
        },
        destination_config: json!({ "destination_path": "." }),
        catalog: catalog.clone(),
        state: None,
    };
    let (logs, mut drain) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move { while drain.recv().await.is_some() {} });
    let (_cancel, cancelled) = tokio::sync::watch::channel(false);
    let progress = Arc::new(Progress::default());
    let attempt_dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let end = run_sync(
        &launcher,
        &plan,
        Arc::clone(&progress),
        logs,
        attempt_dir.path(),
        cancelled,
    )
    .await
    .expect("sync");
    let ferry_time = started.elapsed();
    assert!(matches!(end, SyncEnd::Succeeded { .. }), "{end:?}");
    let (counted, bytes) = progress.snapshot();
    assert_eq!(
        lines_in(through_ferry.path()) as i64,
        counted,
        "the files hold what was counted"
    );

    // The same connectors, piped directly.
    let direct = tempfile::tempdir().unwrap();
    let write = |name: &str, value: &serde_json::Value| {
        let path = direct.path().join(name);
        std::fs::write(&path, value.to_string()).unwrap();
        path
    };
    let source_file = write("source.json", &source_config);
    let catalog_file = write("catalog.json", &catalog);
    let destination_file = write("destination.json", &json!({ "destination_path": "out" }));
    let pipeline = format!(
        "'{}' read --config '{}' --catalog '{}' | '{}' --root '{}' write --config '{}' --catalog '{}' > /dev/null",
        faker.display(),
        source_file.display(),
        catalog_file.display(),
        destination,
        direct.path().display(),
        destination_file.display(),
        catalog_file.display()
    );
    let started = Instant::now();
    let status = std::process::Command::new("sh")
        .args(["-c", &pipeline])
        .status()
        .unwrap();
    let direct_time = started.elapsed();
    assert!(status.success());
    let direct_records = lines_in(&direct.path().join("out"));
    assert_eq!(direct_records as i64, counted);

    let rate = |n: i64, t: Duration| n as f64 / t.as_secs_f64();
    println!("sync of {counted} faker records ({bytes} bytes of messages) into local-json:");
    println!(
        "  through Ferry:  {:>9.1?}  {:>10.0} records/s",
        ferry_time,
        rate(counted, ferry_time)
    );
    println!(
        "  direct pipe:    {:>9.1?}  {:>10.0} records/s",
        direct_time,
        rate(counted, direct_time)
    );
    println!(
        "  Ferry / direct time: {:.2} (overhead {:+.1}%)",
        ferry_time.as_secs_f64() / direct_time.as_secs_f64(),
        (ferry_time.as_secs_f64() / direct_time.as_secs_f64() - 1.0) * 100.0
    );
}
