//! Orphan recovery: fails the attempts whose heartbeats stopped (their worker crashed or
//! was killed) so their jobs are retried, and removes the configuration files (secrets)
//! that such attempts, or any attempt that no longer runs, left in their directories.

use super::{BackgroundTask, Report, RunOnce};
use crate::runner::Worker;
use crate::sync::CONFIGURATION_FILES;
use ferry_persistence::store::jobs;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::watch;

pub struct OrphanRecovery(pub Worker);

impl BackgroundTask for OrphanRecovery {
    fn name(&self) -> &'static str {
        "orphan_recovery"
    }

    /// Twice per staleness period, so an orphan waits at most one and a half periods.
    fn period(&self) -> Duration {
        self.0.settings().stale_after / 2
    }

    fn run_once<'a>(&'a self, _: &'a watch::Receiver<bool>) -> RunOnce<'a> {
        Box::pin(async move {
            let worker = &self.0;
            let (stale_after, retries) = (worker.settings().stale_after, worker.settings().retries);
            let ended = worker
                .db()
                .write(move |conn| jobs::recover_orphans(conn, stale_after, retries))
                .await
                .map_err(|e| format!("could not look for orphaned attempts: {e}"))?;
            if !ended.is_empty() {
                tracing::warn!(
                    count = ended.len(),
                    "failed attempts orphaned by a stopped worker"
                );
            }
            let root = worker.settings().attempts_root.clone();
            let leftovers = worker
                .db()
                .run(move |conn| {
                    let mut leftovers = Vec::new();
                    for (job, number, dir) in attempt_dirs(&root) {
                        let holds_secrets =
                            CONFIGURATION_FILES.iter().any(|f| dir.join(f).exists());
                        // Files of attempts still running, here or in another process
                        // sharing the directory, are in use.
                        if holds_secrets && !jobs::attempt_is_running(conn, job, number)? {
                            leftovers.push(dir);
                        }
                    }
                    Ok(leftovers)
                })
                .await
                .map_err(|e| format!("could not sweep configuration files: {e}"))?;
            for dir in &leftovers {
                worker.remove_configuration_files(dir);
            }
            if !leftovers.is_empty() {
                tracing::info!(
                    count = leftovers.len(),
                    "removed configuration files left by ended attempts"
                );
            }
            Ok(Report::done(format!(
                "{} orphaned attempts failed, {} leftover configurations removed",
                ended.len(),
                leftovers.len()
            )))
        })
    }
}

/// The attempt directories under `root`, as (job id, attempt number, path).
fn attempt_dirs(root: &Path) -> Vec<(i64, i32, PathBuf)> {
    let numbered = |dir: &Path| -> Vec<(String, PathBuf)> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.path().is_dir())
            .map(|entry| {
                (
                    entry.file_name().to_string_lossy().into_owned(),
                    entry.path(),
                )
            })
            .collect()
    };
    let mut found = Vec::new();
    for (job, job_dir) in numbered(root) {
        let Ok(job) = job.parse::<i64>() else {
            continue;
        };
        for (number, dir) in numbered(&job_dir) {
            if let Ok(number) = number.parse::<i32>() {
                found.push((job, number, dir));
            }
        }
    }
    found
}
