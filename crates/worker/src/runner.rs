//! The worker: the background tasks of one process, which claim pending jobs from the
//! database and run up to `max_concurrent_attempts` attempts of them at once (`attempt.rs`
//! is an attempt's life). Many workers may share one PostgreSQL (claims use `FOR UPDATE SKIP
//! LOCKED`); on SQLite one process runs them. Every running attempt sends heartbeats with its
//! progress and log lines; attempts whose heartbeats stop (a crash, a kill -9) are failed by
//! whichever worker notices, and their jobs retried.

use crate::attempt::RunningAttempts;
use crate::launcher::Launcher;
use crate::metrics::JobMetrics;
use crate::notify::WebhookSender;
use crate::tasks::cancellations::CancelWatch;
use crate::tasks::idempotency_keys::IdempotencyKeyExpiry;
use crate::tasks::jobs::JobRunner;
use crate::tasks::notifications::NotificationDelivery;
use crate::tasks::orphans::OrphanRecovery;
use crate::tasks::scheduler::Scheduler;
use crate::tasks::{BackgroundTask, TaskRegistry};
use ferry_domain::job::Retries;
use ferry_persistence::Database;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Worker settings from configuration.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// How often an idle worker looks for pending jobs.
    pub poll_interval: Duration,
    /// How often a running attempt reports progress and checks for cancellation.
    pub heartbeat_interval: Duration,
    /// After how long without a heartbeat an attempt counts as orphaned.
    pub stale_after: Duration,
    pub retries: Retries,
    /// How many attempts this process runs at once, each with its own connector processes
    /// (or containers), heartbeat, timeout, cancellation and log.
    pub max_concurrent_attempts: usize,
    /// Where each attempt gets its directory (`<job>/<attempt>/`): its catalog, state and
    /// log stay there; its configuration files are removed when it ends.
    pub attempts_root: PathBuf,
    /// On shutdown, how long a running attempt may go on before it is stopped and its job
    /// handed back.
    pub shutdown_grace: Duration,
    pub notifications: NotificationSettings,
}

/// How notification deliveries are made.
#[derive(Clone, Copy, Debug)]
pub struct NotificationSettings {
    /// How often an idle delivery task looks for due deliveries.
    pub poll_interval: Duration,
    pub policy: ferry_domain::notification::DeliveryPolicy,
}

#[derive(Clone, Debug)]
pub struct Worker {
    db: Database,
    launcher: Launcher,
    settings: WorkerSettings,
    registry: TaskRegistry,
    metrics: JobMetrics,
    webhooks: WebhookSender,
    running: RunningAttempts,
}

impl Worker {
    /// `webhooks` posts notification events (its timeout should be the policy's).
    pub fn new(
        db: Database,
        launcher: Launcher,
        settings: WorkerSettings,
        metrics: JobMetrics,
        webhooks: WebhookSender,
    ) -> Self {
        Worker {
            db,
            launcher,
            settings,
            registry: TaskRegistry::default(),
            metrics,
            webhooks,
            running: RunningAttempts::default(),
        }
    }

    pub(crate) fn webhooks(&self) -> &WebhookSender {
        &self.webhooks
    }

    pub(crate) fn metrics(&self) -> &JobMetrics {
        &self.metrics
    }

    /// The status of this worker's background tasks (for `debug`), shared with whoever
    /// shows it. Call before [`Worker::run`].
    pub fn registry(&self) -> TaskRegistry {
        self.registry.clone()
    }

    /// The background tasks a worker runs, in one place.
    fn tasks(&self) -> Vec<Arc<dyn BackgroundTask>> {
        vec![
            Arc::new(OrphanRecovery(self.clone())),
            Arc::new(Scheduler(self.clone())),
            Arc::new(JobRunner::new(self.clone())),
            Arc::new(CancelWatch(self.clone())),
            Arc::new(IdempotencyKeyExpiry(self.clone())),
            Arc::new(NotificationDelivery::new(self.clone())),
        ]
    }

    /// Runs the background tasks until `shutdown` turns true. Every running attempt then
    /// gets `shutdown_grace` to finish; after that it is stopped and its job handed back at
    /// once.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        tracing::info!("worker started");
        crate::tasks::run_all(self.tasks(), self.registry.clone(), shutdown).await;
        tracing::info!("worker stopped");
    }

    pub(crate) fn db(&self) -> &Database {
        &self.db
    }

    pub(crate) fn settings(&self) -> &WorkerSettings {
        &self.settings
    }

    pub(crate) fn launcher(&self) -> &Launcher {
        &self.launcher
    }

    /// The attempts this process runs now.
    pub fn running(&self) -> &RunningAttempts {
        &self.running
    }
}
