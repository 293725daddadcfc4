//! Orphan recovery: fails the attempts whose heartbeats stopped (their worker crashed or
//! was killed) so their jobs are retried, and removes the configuration files (secrets) that
//! connector runs of processes that stopped left behind (`crate::config_files`).

use super::{BackgroundTask, Report, RunOnce};
use crate::runner::Worker;
use ferry_persistence::store::jobs;
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
            // Configuration files (secrets) of connector runs whose process is gone: a
            // replica killed on this machine, say (this process's own are removed as its runs
            // end).
            let launcher = worker.launcher().clone();
            let swept = tokio::task::spawn_blocking(move || launcher.sweep_config_files(true))
                .await
                .map_err(|e| format!("could not sweep configuration files: {e}"))?;
            if swept > 0 {
                tracing::info!(
                    count = swept,
                    "removed configuration files left by processes that stopped"
                );
            }
            Ok(Report::done(format!(
                "{} orphaned attempts failed, configuration files of {swept} stopped processes \
                 removed",
                ended.len(),
            )))
        })
    }
}
