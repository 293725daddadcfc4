//! The job runner: hosts up to `max_concurrent_attempts` attempts at once, one per slot.
//! Whenever a slot is free it claims the next pending job the queue's policy names
//! (`ferry_domain::job::QueuePolicy`: manual before scheduled, then fair across workspaces;
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, so many workers never take the same one) and
//! starts an attempt of it in the slot (`attempt.rs`). An idle runner looks again after one
//! poll interval; a freed slot is filled at once.

use super::{BackgroundTask, Drain, Report, RunOnce};
use crate::runner::Worker;
use ferry_persistence::store::jobs;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

pub struct JobRunner {
    worker: Worker,
    slots: Arc<Semaphore>,
    attempts: Mutex<JoinSet<()>>,
}

impl JobRunner {
    pub fn new(worker: Worker) -> Self {
        let slots = worker.settings().max_concurrent_attempts.max(1);
        worker.metrics().slots(slots, 0);
        JobRunner {
            worker,
            slots: Arc::new(Semaphore::new(slots)),
            attempts: Mutex::new(JoinSet::new()),
        }
    }

    fn attempts(&self) -> std::sync::MutexGuard<'_, JoinSet<()>> {
        self.attempts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn capacity(&self) -> usize {
        self.worker.settings().max_concurrent_attempts.max(1)
    }
}

impl BackgroundTask for JobRunner {
    fn name(&self) -> &'static str {
        "job_runner"
    }

    fn period(&self) -> Duration {
        self.worker.settings().poll_interval
    }

    fn run_once<'a>(&'a self, shutdown: &'a watch::Receiver<bool>) -> RunOnce<'a> {
        Box::pin(async move {
            // Attempts that ended leave the set here, so it holds only running ones.
            while self.attempts().try_join_next().is_some() {}
            let mut stopping = shutdown.clone();
            let slot = tokio::select! {
                slot = Arc::clone(&self.slots).acquire_owned() => {
                    slot.map_err(|e| format!("the attempt slots are closed: {e}"))?
                }
                _ = stopping.wait_for(|stop| *stop) => return Ok(Report::done("stopping")),
            };
            let claimed = self
                .worker
                .db()
                .write(jobs::claim)
                .await
                .map_err(|e| format!("could not claim a job: {e}"))?;
            let capacity = self.capacity();
            let Some((job, attempt)) = claimed else {
                let busy = capacity - self.slots.available_permits() - 1;
                return Ok(Report::done(format!(
                    "no job was due; {busy} of {capacity} slots busy"
                )));
            };
            let (id, number) = (job.id, attempt.number);
            if number == 0 {
                let lag = (chrono::Utc::now() - job.created_at)
                    .to_std()
                    .unwrap_or_default();
                self.worker.metrics().started(lag);
            }
            let busy = capacity - self.slots.available_permits();
            self.worker.metrics().slots(capacity, busy);
            let (worker, slots, shutdown) = (
                self.worker.clone(),
                Arc::clone(&self.slots),
                shutdown.clone(),
            );
            self.attempts().spawn(async move {
                worker.execute(job, attempt, shutdown).await;
                drop(slot);
                worker
                    .metrics()
                    .slots(capacity, capacity - slots.available_permits());
            });
            Ok(Report {
                summary: format!(
                    "job {id} attempt {number} started; {busy} of {capacity} slots busy"
                ),
                more: true,
            })
        })
    }

    /// Waits for every running attempt: each finishes within the shutdown grace or is
    /// stopped and handed back (`attempt.rs`).
    fn drain(&self) -> Drain<'_> {
        Box::pin(async move {
            let mut attempts = std::mem::take(&mut *self.attempts());
            if !attempts.is_empty() {
                tracing::info!(running = attempts.len(), "waiting for the running attempts");
            }
            while let Some(ended) = attempts.join_next().await {
                if let Err(error) = ended {
                    tracing::error!(%error, "an attempt's task ended abnormally");
                }
            }
        })
    }
}
