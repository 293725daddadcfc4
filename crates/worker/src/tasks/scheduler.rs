//! The scheduler: queues a sync for every active connection whose schedule (an interval or a
//! cron expression) is due.
//! Idempotent and safe from every worker at once (an advisory lock on PostgreSQL, the write
//! lock on SQLite; a connection has at most one pending or running job).

use super::{BackgroundTask, Report, RunOnce};
use crate::runner::Worker;
use ferry_persistence::store::jobs;
use std::time::Duration;
use tokio::sync::watch;

pub struct Scheduler(pub Worker);

impl BackgroundTask for Scheduler {
    fn name(&self) -> &'static str {
        "scheduler"
    }

    fn period(&self) -> Duration {
        self.0.settings().poll_interval
    }

    fn run_once<'a>(&'a self, _: &'a watch::Receiver<bool>) -> RunOnce<'a> {
        Box::pin(async move {
            let queued = self
                .0
                .db()
                .write(|conn| jobs::enqueue_due_syncs(conn, chrono::Utc::now()))
                .await
                .map_err(|e| format!("could not queue scheduled syncs: {e}"))?;
            if queued > 0 {
                tracing::info!(count = queued, "scheduled syncs queued");
            }
            Ok(Report::done(format!("{queued} syncs queued")))
        })
    }
}
