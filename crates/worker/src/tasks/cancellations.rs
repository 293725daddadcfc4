//! The cancel watch: a cancelled job's attempt stops within one period. A cancellation is a
//! row change (`jobs/cancel`, a delete, from any replica), so every worker asks in one query
//! which of the jobs it runs were cancelled, and stops those attempts' connectors at once.

use super::{BackgroundTask, Report, RunOnce};
use crate::runner::Worker;
use ferry_persistence::store::jobs;
use std::time::Duration;
use tokio::sync::watch;

/// How often a worker with running attempts looks for their cancellation. A quarter of a
/// second keeps "cancel to no connector process" well within a second, at four small reads
/// a second per busy worker.
pub const PERIOD: Duration = Duration::from_millis(250);

pub struct CancelWatch(pub Worker);

impl BackgroundTask for CancelWatch {
    fn name(&self) -> &'static str {
        "cancel_watch"
    }

    fn period(&self) -> Duration {
        PERIOD
    }

    fn run_once<'a>(&'a self, _: &'a watch::Receiver<bool>) -> RunOnce<'a> {
        Box::pin(async move {
            let running = self.0.running().job_ids();
            if running.is_empty() {
                return Ok(Report::done("no attempt runs here"));
            }
            let count = running.len();
            let cancelled = self
                .0
                .db()
                .run(move |conn| jobs::cancelled_among(conn, &running))
                .await
                .map_err(|e| format!("could not look for cancellations: {e}"))?;
            for job in &cancelled {
                if self.0.running().cancel(*job) {
                    tracing::info!(job_id = job, "job cancelled: stopping its attempt");
                }
            }
            Ok(Report::done(format!(
                "{count} attempts running, {} cancelled",
                cancelled.len()
            )))
        })
    }
}
