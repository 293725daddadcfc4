//! One attempt's whole life, in one place: its directory (configuration files live apart:
//! `crate::config_files`), the
//! connectors launched and pumped (`sync`), its heartbeats and log, cancellation, the grace
//! period on shutdown, and the record of how it ended. The job runner (`tasks/jobs.rs`) only
//! claims jobs and hosts attempts in its slots; the cancel watch (`tasks/cancellations.rs`)
//! tells running attempts that their job was cancelled.

use crate::launcher::{Image, RuntimeError};
use crate::runner::Worker;
use crate::sync::{
    configured_catalog, run_reset, run_sync, Progress, SavedState, SyncEnd, SyncPlan,
};
use ferry_domain::actor_definition::ActorType;
use ferry_domain::ids::ConnectionId;
use ferry_domain::job::{Attempt, Job, JobConfigType, JobStatus};
use ferry_domain::{Error, Result};
use ferry_persistence::store::jobs::{self, Outcome};
use ferry_persistence::store::{actor_definitions, connections};
use ferry_persistence::Database;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The attempts this worker process runs now, by job id, each with the signal that stops
/// it. Shared by the job runner (which adds and removes them) and the cancel watch.
#[derive(Clone, Debug, Default)]
pub struct RunningAttempts {
    by_job: Arc<Mutex<HashMap<i64, Arc<watch::Sender<bool>>>>>,
}

impl RunningAttempts {
    /// The jobs whose attempts run here now.
    pub fn job_ids(&self) -> Vec<i64> {
        self.lock().keys().copied().collect()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Stops the attempt of `job` running here, if any: its connectors are killed at once.
    /// True when this stopped it (not when it was stopping already).
    pub fn cancel(&self, job: i64) -> bool {
        self.lock()
            .get(&job)
            .is_some_and(|stop| stop.send_if_modified(|stopped| !std::mem::replace(stopped, true)))
    }

    /// Registers the attempt of `job`; it is forgotten when the guard drops (however the
    /// attempt ends, a panic included).
    fn enter(&self, job: i64, stop: Arc<watch::Sender<bool>>) -> Registered {
        self.lock().insert(job, stop);
        Registered {
            running: self.clone(),
            job,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<watch::Sender<bool>>>> {
        self.by_job.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Registered {
    running: RunningAttempts,
    job: i64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.running.lock().remove(&self.job);
    }
}

impl Worker {
    pub(crate) fn attempt_dir(&self, job: i64, number: i32) -> PathBuf {
        self.settings()
            .attempts_root
            .join(job.to_string())
            .join(number.to_string())
    }

    pub(crate) async fn execute(
        &self,
        job: Job,
        attempt: Attempt,
        shutdown: watch::Receiver<bool>,
    ) -> Option<JobStatus> {
        tracing::info!(job_id = job.id, attempt = attempt.number, config_type = %job.config_type, "attempt started");
        let started = std::time::Instant::now();
        let progress = Arc::new(Progress::default());
        let (log_tx, log_rx) = mpsc::unbounded_channel::<String>();
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let cancel_tx = Arc::new(cancel_tx);
        let _registered = self.running().enter(job.id, Arc::clone(&cancel_tx));
        let (stop_tx, stop_rx) = watch::channel(false);
        let interrupted = Arc::new(AtomicBool::new(false));
        let interrupter = tokio::spawn(interrupt_after_grace(
            shutdown,
            self.settings().shutdown_grace,
            Arc::clone(&cancel_tx),
            Arc::clone(&interrupted),
        ));
        // Absolute: connectors run inside it, so a relative path would resolve twice.
        let dir = self.attempt_dir(job.id, attempt.number);
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        if let Err(error) = std::fs::create_dir_all(&dir) {
            tracing::error!(%error, dir = %dir.display(), "cannot create the attempt's directory");
        }
        let beat = Beat {
            log_file: dir.join("logs.log"),
            db: self.db().clone(),
            attempt: attempt.clone(),
            progress: Arc::clone(&progress),
            interval: self.settings().heartbeat_interval,
        };
        let heartbeat = tokio::spawn(heartbeats(beat, log_rx, stop_rx));
        let end = self
            .perform(&job, &dir, &log_tx, Arc::clone(&progress), cancel_rx)
            .await;
        interrupter.abort();
        let end = end.unwrap_or_else(|error| SyncEnd::Failed {
            reason: error.to_string(),
        });
        let outcome = match &end {
            SyncEnd::Succeeded { .. } => Outcome::Succeeded,
            SyncEnd::Failed { reason } => {
                let _ = log_tx.send(format!("attempt failed: {reason}"));
                Outcome::Failed
            }
            SyncEnd::Cancelled if interrupted.load(Ordering::SeqCst) => {
                let _ = log_tx.send(
                    "interrupted: the worker shut down before the attempt finished; the job is \
                     handed back to run again"
                        .to_string(),
                );
                Outcome::Interrupted
            }
            SyncEnd::Cancelled => Outcome::Cancelled,
        };
        drop(log_tx);
        let _ = stop_tx.send(true);
        let _ = heartbeat.await;
        let (records, bytes) = progress.snapshot();
        let retries = self.settings().retries;
        let connection = job.connection_id().ok_or(());
        let config_type = job.config_type;
        let attempt_for_finish = attempt.clone();
        let finished = self
            .db()
            .write(move |conn| {
                if let (SyncEnd::Succeeded { state }, Ok(connection)) = (&end, &connection) {
                    match (config_type, state) {
                        (JobConfigType::ResetConnection, _) => {
                            jobs::clear_state(conn, *connection)?
                        }
                        (_, Some(state)) => jobs::set_state(
                            conn,
                            *connection,
                            &serde_json::to_value(state).map_err(Error::internal)?,
                        )?,
                        (_, None) => {}
                    }
                }
                jobs::finish(conn, &attempt_for_finish, outcome, records, bytes, retries)
            })
            .await;
        let outcome_name = match outcome {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Interrupted => "interrupted",
        };
        self.metrics().ended(
            job.config_type.as_str(),
            outcome_name,
            started.elapsed(),
            records,
            bytes,
        );
        match finished {
            Ok(status) => {
                tracing::info!(job_id = job.id, attempt = attempt.number, records, bytes, %status, "attempt ended");
                Some(status)
            }
            Err(error) => {
                tracing::error!(job_id = job.id, %error, "could not record the end of an attempt");
                None
            }
        }
    }

    async fn perform(
        &self,
        job: &Job,
        dir: &Path,
        logs: &mpsc::UnboundedSender<String>,
        progress: Arc<Progress>,
        cancel: watch::Receiver<bool>,
    ) -> std::result::Result<SyncEnd, PerformError> {
        let connection: ConnectionId = job.connection_id().ok_or_else(|| {
            PerformError::Plan(Error::internal(format!(
                "job {} names no connection",
                job.id
            )))
        })?;
        let reset = job.config_type == JobConfigType::ResetConnection;
        let plan = self
            .plan(connection, reset)
            .await
            .map_err(PerformError::Plan)?;
        if reset {
            return Ok(run_reset(self.launcher(), &plan, dir, logs, cancel).await?);
        }
        Ok(run_sync(self.launcher(), &plan, progress, logs.clone(), dir, cancel).await?)
    }

    async fn plan(&self, connection: ConnectionId, reset: bool) -> Result<SyncPlan> {
        self.db()
            .run(move |conn| {
                let (connection_row, source, destination) =
                    connections::get_with_actors(conn, connection)?;
                let source_definition =
                    actor_definitions::get(conn, ActorType::Source, source.definition_id)?;
                let destination_definition = actor_definitions::get(
                    conn,
                    ActorType::Destination,
                    destination.definition_id,
                )?;
                let state = match reset {
                    true => None,
                    false => jobs::state(conn, connection)?
                        .map(serde_json::from_value::<SavedState>)
                        .transpose()
                        .map_err(Error::internal)?,
                };
                Ok(SyncPlan {
                    source: Image {
                        repository: source_definition.docker_repository,
                        tag: source_definition.docker_image_tag,
                    },
                    source_config: source.configuration,
                    destination: Image {
                        repository: destination_definition.docker_repository,
                        tag: destination_definition.docker_image_tag,
                    },
                    destination_config: destination.configuration,
                    catalog: configured_catalog(
                        &connection_row.sync_schema,
                        connection_row.sync_mode,
                        reset,
                    ),
                    state,
                })
            })
            .await
    }
}

#[derive(Debug, thiserror::Error)]
enum PerformError {
    #[error("{0}")]
    Plan(Error),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// What a heartbeat loop reports on: every `interval` it writes the log lines gathered so
/// far and reports progress (a cancellation reaches the attempt through the cancel watch, at
/// once). It ends (after a last flush) when `stop` turns true.
struct Beat {
    log_file: PathBuf,
    db: Database,
    attempt: Attempt,
    progress: Arc<Progress>,
    interval: Duration,
}

/// Once `shutdown` turns true, waits `grace`, then stops the running attempt (through the
/// same signal a cancellation uses) and notes that it was interrupted.
async fn interrupt_after_grace(
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
    cancel: Arc<watch::Sender<bool>>,
    interrupted: Arc<AtomicBool>,
) {
    while !*shutdown.borrow() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
    tracing::info!(
        grace_secs = grace.as_secs(),
        "shutting down: the running attempt may finish within the grace period"
    );
    tokio::time::sleep(grace).await;
    interrupted.store(true, Ordering::SeqCst);
    let _ = cancel.send(true);
}

async fn heartbeats(
    beat: Beat,
    mut logs: mpsc::UnboundedReceiver<String>,
    mut stop: watch::Receiver<bool>,
) {
    let Beat {
        log_file,
        db,
        attempt,
        progress,
        interval,
    } = beat;
    loop {
        let stopping = tokio::select! {
            _ = tokio::time::sleep(interval) => false,
            _ = stop.changed() => true,
        };
        let mut lines = Vec::new();
        while let Ok(line) = logs.try_recv() {
            lines.push(line);
        }
        append_to_file(&log_file, &lines);
        let (records, bytes) = progress.snapshot();
        let beat = attempt.clone();
        let written = db
            .write(move |conn| {
                jobs::append_logs(conn, beat.id, &lines)?;
                jobs::heartbeat(conn, &beat, records, bytes)
            })
            .await;
        if let Err(error) = written {
            tracing::warn!(%error, attempt_id = attempt.id, "heartbeat failed");
        }
        if stopping {
            // Lines sent after the stop signal but before the channel closed.
            let mut rest = Vec::new();
            while let Ok(line) = logs.try_recv() {
                rest.push(line);
            }
            if !rest.is_empty() {
                append_to_file(&log_file, &rest);
                let id = attempt.id;
                let _ = db
                    .write(move |conn| jobs::append_logs(conn, id, &rest))
                    .await;
            }
            return;
        }
    }
}

/// The attempt's log file beside its files (the database keeps the same lines for the API).
fn append_to_file(path: &Path, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| lines.iter().try_for_each(|line| writeln!(file, "{line}")));
    if let Err(error) = written {
        tracing::warn!(%error, path = %path.display(), "cannot write the attempt's log file");
    }
}
