//! The sync figures: records per second of the built-in sample source into the built-in
//! local-json destination, through Ferry's pump (the launcher, counting, state handling) and
//! through a direct shell pipe of the same two commands; and the source alone, to show that
//! it is fast enough for the pump, not the source, to be measured.

use ferry_worker::launcher::{Image, Launcher, LauncherSettings};
use ferry_worker::sync::{run_sync, Progress, SyncEnd, SyncPlan};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct SyncFigures {
    pub records: u64,
    /// Records per second: the source alone into /dev/null, the direct pipe, Ferry's pump
    /// (each the best of `rounds` runs).
    pub source_alone: f64,
    pub pipe: f64,
    pub pump: f64,
}

fn lines_in(file: &Path) -> u64 {
    std::fs::read(file)
        .map(|bytes| bytes.iter().filter(|&&b| b == b'\n').count() as u64)
        .unwrap_or(0)
}

fn rate(records: u64, elapsed: Duration) -> f64 {
    records as f64 / elapsed.as_secs_f64()
}

pub fn measure(ferry: &Path, records: u64, rounds: usize) -> SyncFigures {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, value: &serde_json::Value| {
        let path = dir.path().join(name);
        std::fs::write(&path, value.to_string()).expect("write");
        path
    };
    let source_config = json!({ "count": records, "seed": 1 });
    let catalog = json!({ "streams": [{
        "stream": { "name": "users", "json_schema": { "type": "object" }, "supported_sync_modes": ["full_refresh"] },
        "sync_mode": "full_refresh", "cursor_field": [], "destination_sync_mode": "overwrite"
    }] });
    let source_file = write("source.json", &source_config);
    let catalog_file = write("catalog.json", &catalog);
    let destination_file = write("destination.json", &json!({ "destination_path": "pipe" }));
    let ferry_q = shell_quote(ferry);
    let source = format!(
        "{ferry_q} connector source-sample read --config {} --catalog {}",
        shell_quote(&source_file),
        shell_quote(&catalog_file)
    );
    let pipe = format!(
        "{source} | {ferry_q} connector destination-local-json --root {} write --config {} --catalog {} > /dev/null",
        shell_quote(dir.path()),
        shell_quote(&destination_file),
        shell_quote(&catalog_file)
    );
    let through_ferry = dir.path().join("pump");
    std::fs::create_dir_all(&through_ferry).expect("the pump's root");
    let launcher = Launcher::new(LauncherSettings {
        commands: [
            (
                "bench/source-sample".to_string(),
                vec![
                    ferry.display().to_string(),
                    "connector".into(),
                    "source-sample".into(),
                ],
            ),
            (
                "bench/local-json".to_string(),
                vec![
                    ferry.display().to_string(),
                    "connector".into(),
                    "destination-local-json".into(),
                    "--root".into(),
                    through_ferry.display().to_string(),
                ],
            ),
        ]
        .into_iter()
        .collect(),
        docker: false,
        timeout: Duration::from_secs(600),
        sync_timeout: Duration::from_secs(3600),
        container: Default::default(),
        config_files_dir: ferry_worker::config_files::default_dir(),
    });
    let plan = SyncPlan {
        source: Image {
            repository: "bench/source-sample".into(),
            tag: "bench".into(),
        },
        source_config,
        destination: Image {
            repository: "bench/local-json".into(),
            tag: "bench".into(),
        },
        destination_config: json!({ "destination_path": "." }),
        catalog,
        state: None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let (mut source_alone, mut piped, mut pumped) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        let started = Instant::now();
        shell(&format!("{source} > /dev/null"));
        source_alone = source_alone.min(started.elapsed());

        let started = Instant::now();
        shell(&pipe);
        piped = piped.min(started.elapsed());
        assert_eq!(lines_in(&dir.path().join("pipe/users.jsonl")), records);

        let attempt = tempfile::tempdir().expect("tempdir");
        let progress = Arc::new(Progress::default());
        let (logs, mut drain) = tokio::sync::mpsc::unbounded_channel();
        let (_cancel, cancelled) = tokio::sync::watch::channel(false);
        let started = Instant::now();
        let end = runtime.block_on(async {
            tokio::spawn(async move { while drain.recv().await.is_some() {} });
            run_sync(
                &launcher,
                &plan,
                Arc::clone(&progress),
                logs,
                attempt.path(),
                cancelled,
            )
            .await
            .expect("the sync ran")
        });
        pumped = pumped.min(started.elapsed());
        assert!(matches!(end, SyncEnd::Succeeded { .. }), "{end:?}");
        let (counted, _) = progress.snapshot();
        assert_eq!(counted as u64, records, "Ferry counted every record");
        assert_eq!(lines_in(&through_ferry.join("users.jsonl")), records);
    }
    SyncFigures {
        records,
        source_alone: rate(records, source_alone),
        pipe: rate(records, piped),
        pump: rate(records, pumped),
    }
}

fn shell(command: &str) {
    let status = std::process::Command::new("sh")
        .args(["-c", command])
        .status()
        .expect("sh");
    assert!(status.success(), "{command} failed: {status}");
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}
