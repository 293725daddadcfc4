//! PostgreSQL's own ceiling: `pgbench -S` (one primary-key SELECT per transaction) at the
//! same client count, against the same server, when pgbench is installed.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct PgBench {
    pub tps: f64,
    pub p50: Duration,
    pub p99: Duration,
}

pub fn installed() -> bool {
    Command::new("pgbench")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Initialises pgbench's tables (scale 1) in `url`'s database, then runs `pgbench -S -c
/// clients -j threads` for `duration`, logging each transaction to read its latencies.
pub fn run(url: &str, clients: usize, threads: usize, duration: Duration) -> PgBench {
    let init = Command::new("pgbench")
        .args(["-i", "-s", "1", "-q", url])
        .output()
        .expect("pgbench -i");
    assert!(
        init.status.success(),
        "pgbench -i failed: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    let logs = tempfile::tempdir().expect("tempdir");
    let prefix = logs.path().join("pgbench");
    let seconds = duration.as_secs().max(1).to_string();
    let output = Command::new("pgbench")
        .args([
            "-S",
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            &threads.to_string(),
        ])
        .args(["-T", &seconds, "-l", "--log-prefix"])
        .arg(&prefix)
        .arg(url)
        .output()
        .expect("pgbench -S");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pgbench -S failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tps = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no tps in pgbench's output: {stdout}"));
    let mut latencies = read_latencies(logs.path());
    latencies.sort_unstable();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
        Duration::from_micros(latencies.get(index).copied().unwrap_or(0))
    };
    PgBench {
        tps,
        p50: at(0.50),
        p99: at(0.99),
    }
}

/// Each logged transaction's latency (the third field, in microseconds).
fn read_latencies(dir: &Path) -> Vec<u64> {
    let mut latencies = Vec::new();
    for entry in std::fs::read_dir(dir).expect("pgbench logs").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        latencies.extend(
            text.lines()
                .filter_map(|line| line.split_whitespace().nth(2)?.parse::<u64>().ok()),
        );
    }
    latencies
}
