//! The job runner: claims the oldest due pending job (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, so many workers never take the same one) and runs one attempt of it. After a
//! job it looks again at once; an idle runner waits one poll interval.

use super::{BackgroundTask, Report, RunOnce};
use crate::runner::Worker;
use ferry_persistence::store::jobs;
use std::time::Duration;
use tokio::sync::watch;

pub struct JobRunner(pub Worker);

impl BackgroundTask for JobRunner {
    fn name(&self) -> &'static str {
        "job_runner"
    }

    fn period(&self) -> Duration {
        self.0.settings().poll_interval
    }

    fn run_once<'a>(&'a self, shutdown: &'a watch::Receiver<bool>) -> RunOnce<'a> {
        Box::pin(async move {
            let claimed = self
                .0
                .db()
                .write(jobs::claim)
                .await
                .map_err(|e| format!("could not claim a job: {e}"))?;
            let Some((job, attempt)) = claimed else {
                return Ok(Report::done("no job was due"));
            };
            let (id, number) = (job.id, attempt.number);
            if number == 0 {
                let lag = (chrono::Utc::now() - job.created_at)
                    .to_std()
                    .unwrap_or_default();
                self.0.metrics().started(lag);
            }
            let status = self.0.execute(job, attempt, shutdown.clone()).await;
            let ended = status.map_or("unrecorded".to_string(), |s| s.to_string());
            Ok(Report {
                summary: format!("job {id} attempt {number}: {ended}"),
                more: true,
            })
        })
    }
}
