//! Background work has one shape: a [`BackgroundTask`] with a name, a period and an
//! idempotent `run_once`, driven by [`run_all`], which records each run's start, duration,
//! summary or error in a [`TaskRegistry`] (shown by `GET /api/v1/debug`). Every task is safe
//! to run from every worker at once; a task that found more to do runs again at once.
//!
//! The tasks, one file each: [`orphans::OrphanRecovery`], [`scheduler::Scheduler`],
//! [`jobs::JobRunner`], [`cancellations::CancelWatch`],
//! [`idempotency_keys::IdempotencyKeyExpiry`], [`notifications::NotificationDelivery`].
//! Register a new one in `Worker::tasks` (runner.rs).

pub mod cancellations;
pub mod idempotency_keys;
pub mod jobs;
pub mod notifications;
pub mod orphans;
pub mod scheduler;

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What one run did: a line for the status, and whether there is more to do right away.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub summary: String,
    pub more: bool,
}

impl Report {
    pub fn done(summary: impl Into<String>) -> Self {
        Report {
            summary: summary.into(),
            more: false,
        }
    }
}

pub type RunOnce<'a> = Pin<Box<dyn Future<Output = Result<Report, String>> + Send + 'a>>;
pub type Drain<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// One kind of background work.
pub trait BackgroundTask: Send + Sync {
    /// A short stable name (`scheduler`, `orphan_recovery`, ...).
    fn name(&self) -> &'static str;
    /// How long to wait between runs that found nothing more to do.
    fn period(&self) -> Duration;
    /// Does the work once. Idempotent: running it twice, or on two workers at once, does
    /// no harm. `shutdown` turns true when the process is stopping.
    fn run_once<'a>(&'a self, shutdown: &'a watch::Receiver<bool>) -> RunOnce<'a>;
    /// Once the process is stopping and `run_once` will not run again: waits for work the
    /// task started and still owns (the job runner's attempts, each within its grace).
    fn drain(&self) -> Drain<'_> {
        Box::pin(async {})
    }
}

/// The last run of one task, as `debug` shows it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatus {
    pub period_ms: u64,
    pub runs: u64,
    pub failures: u64,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_duration_ms: Option<u64>,
    pub last_summary: Option<String>,
    pub last_error: Option<String>,
}

/// The status of every task of this process; cheap to clone and share with the API.
#[derive(Clone, Debug, Default)]
pub struct TaskRegistry {
    statuses: Arc<Mutex<BTreeMap<&'static str, TaskStatus>>>,
}

impl TaskRegistry {
    fn register(&self, task: &dyn BackgroundTask) {
        let status = TaskStatus {
            period_ms: u64::try_from(task.period().as_millis()).unwrap_or(u64::MAX),
            runs: 0,
            failures: 0,
            last_started_at: None,
            last_duration_ms: None,
            last_summary: None,
            last_error: None,
        };
        self.lock().insert(task.name(), status);
    }

    fn record(
        &self,
        name: &'static str,
        started_at: DateTime<Utc>,
        took: Duration,
        outcome: &Result<Report, String>,
    ) {
        let mut statuses = self.lock();
        let Some(status) = statuses.get_mut(name) else {
            return;
        };
        status.runs += 1;
        status.last_started_at = Some(started_at);
        status.last_duration_ms = Some(u64::try_from(took.as_millis()).unwrap_or(u64::MAX));
        match outcome {
            Ok(report) => {
                status.last_summary = Some(report.summary.clone());
                status.last_error = None;
            }
            Err(error) => {
                status.failures += 1;
                status.last_error = Some(error.clone());
            }
        }
    }

    /// Every task's status, by name.
    pub fn snapshot(&self) -> BTreeMap<&'static str, TaskStatus> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, TaskStatus>> {
        self.statuses.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs every task in its own loop until `shutdown` turns true, then waits for each to end
/// (a task in the middle of a run finishes it, then drains: the job runner's attempts get
/// their grace).
pub async fn run_all(
    tasks: Vec<Arc<dyn BackgroundTask>>,
    registry: TaskRegistry,
    shutdown: watch::Receiver<bool>,
) {
    let loops: Vec<_> = tasks
        .into_iter()
        .map(|task| {
            registry.register(task.as_ref());
            tokio::spawn(drive(task, registry.clone(), shutdown.clone()))
        })
        .collect();
    for task_loop in loops {
        if let Err(error) = task_loop.await {
            tracing::error!(%error, "a background task loop ended abnormally");
        }
    }
}

async fn drive(
    task: Arc<dyn BackgroundTask>,
    registry: TaskRegistry,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        let (started_at, started) = (Utc::now(), Instant::now());
        let outcome = task.run_once(&shutdown).await;
        registry.record(task.name(), started_at, started.elapsed(), &outcome);
        let more = match &outcome {
            Ok(report) => report.more,
            Err(error) => {
                tracing::warn!(task = task.name(), %error, "background task failed; it runs again next period");
                false
            }
        };
        if !more {
            tokio::select! {
                _ = tokio::time::sleep(task.period()) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
    task.drain().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Fails on its second run, has more to do on its first.
    struct Counting(AtomicU32);

    impl BackgroundTask for Counting {
        fn name(&self) -> &'static str {
            "counting"
        }
        fn period(&self) -> Duration {
            Duration::from_millis(10)
        }
        fn run_once<'a>(&'a self, _: &'a watch::Receiver<bool>) -> RunOnce<'a> {
            Box::pin(async move {
                match self.0.fetch_add(1, Ordering::SeqCst) {
                    0 => Ok(Report {
                        summary: "first".into(),
                        more: true,
                    }),
                    1 => Err("second fails".into()),
                    n => Ok(Report::done(format!("run {n}"))),
                }
            })
        }
    }

    #[tokio::test]
    async fn runs_are_recorded_and_shutdown_ends_the_loops() {
        let registry = TaskRegistry::default();
        let (stop, stopped) = watch::channel(false);
        let task: Arc<dyn BackgroundTask> = Arc::new(Counting(AtomicU32::new(0)));
        let running = tokio::spawn(run_all(vec![task], registry.clone(), stopped));
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), running)
            .await
            .unwrap()
            .unwrap();
        let status = registry.snapshot()["counting"].clone();
        assert!(status.runs >= 3, "{status:?}");
        assert_eq!(status.failures, 1);
        assert_eq!(status.last_error, None, "a later success clears the error");
        assert!(status.last_summary.unwrap().starts_with("run "));
        assert_eq!(status.period_ms, 10);
    }
}
