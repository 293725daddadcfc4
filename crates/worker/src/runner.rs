//! The worker: claims pending jobs from the database and runs them. Many workers may share
//! one PostgreSQL (claims use `FOR UPDATE SKIP LOCKED`); on SQLite one process runs them.
//! Every running attempt sends heartbeats, which also carry its progress, its log lines, and
//! the news that its job was cancelled. Attempts whose heartbeats stop (a crash, a kill -9)
//! are failed by whichever worker notices, and their jobs retried.

use crate::launcher::{Image, Launcher, RuntimeError};
use crate::sync::{
    configured_catalog, run_reset, run_sync, Progress, SavedState, SyncEnd, SyncPlan,
    CONFIGURATION_FILES,
};
use ferry_domain::actor_definition::ActorType;
use ferry_domain::ids::ConnectionId;
use ferry_domain::job::{Attempt, Job, JobConfigType, JobStatus};
use ferry_domain::{Error, Result};
use ferry_persistence::store::jobs::{self, Outcome, Retries};
use ferry_persistence::store::{actor_definitions, connections};
use ferry_persistence::Database;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

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
    /// Where each attempt gets its directory (`<job>/<attempt>/`): its catalog, state and
    /// log stay there; its configuration files are removed when it ends.
    pub attempts_root: PathBuf,
    /// On shutdown, how long a running attempt may go on before it is stopped and its job
    /// handed back.
    pub shutdown_grace: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            poll_interval: Duration::from_secs(1),
            heartbeat_interval: Duration::from_secs(2),
            stale_after: Duration::from_secs(60),
            retries: Retries {
                max_attempts: 3,
                backoff: Duration::from_secs(10),
            },
            attempts_root: std::env::temp_dir().join("ferry-jobs"),
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Worker {
    db: Database,
    launcher: Launcher,
    settings: WorkerSettings,
}

impl Worker {
    pub fn new(db: Database, launcher: Launcher, settings: WorkerSettings) -> Self {
        Worker {
            db,
            launcher,
            settings,
        }
    }

    /// Runs jobs until `shutdown` turns true. A running attempt then gets
    /// `shutdown_grace` to finish; after that it is stopped and its job handed back at once.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("worker started");
        self.sweep_configuration_files().await;
        let mut last_recovery: Option<Instant> = None;
        while !*shutdown.borrow() {
            if last_recovery.is_none_or(|at| at.elapsed() >= self.settings.stale_after / 2) {
                self.recover().await;
                last_recovery = Some(Instant::now());
            }
            self.schedule().await;
            match self.db.write(jobs::claim).await {
                Ok(Some((job, attempt))) => self.execute(job, attempt, shutdown.clone()).await,
                Ok(None) => {
                    tokio::select! {
                        _ = tokio::time::sleep(self.settings.poll_interval) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "could not claim a job");
                    tokio::time::sleep(self.settings.poll_interval).await;
                }
            }
        }
        tracing::info!("worker stopped");
    }

    /// Queues the syncs whose schedule is due (idempotent: safe from every worker at once).
    pub async fn schedule(&self) {
        match self
            .db
            .write(|conn| jobs::enqueue_due_syncs(conn, chrono::Utc::now()))
            .await
        {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "scheduled syncs queued"),
            Err(error) => tracing::warn!(%error, "could not queue scheduled syncs"),
        }
    }

    /// Fails orphaned attempts (idempotent: safe from every worker at once).
    pub async fn recover(&self) {
        let (stale_after, retries) = (self.settings.stale_after, self.settings.retries);
        match self
            .db
            .write(move |conn| jobs::recover_orphans(conn, stale_after, retries))
            .await
        {
            Ok(ended) => {
                if !ended.is_empty() {
                    tracing::warn!(
                        count = ended.len(),
                        "failed attempts orphaned by a stopped worker"
                    );
                }
                // Their configuration files (secrets) outlived them: remove them now.
                for (job, number) in ended {
                    self.remove_configuration_files(&self.attempt_dir(job, number));
                }
            }
            Err(error) => tracing::warn!(%error, "could not look for orphaned attempts"),
        }
    }

    /// At start-up: removes the configuration files that attempts which are no longer running
    /// left behind (a crash or kill -9 skips the removal at their end). Files of attempts still
    /// running, here or in another process sharing the directory, are left alone; an orphan
    /// found later is cleaned up by `recover`.
    async fn sweep_configuration_files(&self) {
        let root = self.settings.attempts_root.clone();
        let swept = self
            .db
            .run(move |conn| {
                let mut leftovers = Vec::new();
                for (job, number, dir) in attempt_dirs(&root) {
                    let holds_secrets = CONFIGURATION_FILES.iter().any(|f| dir.join(f).exists());
                    if holds_secrets && !jobs::attempt_is_running(conn, job, number)? {
                        leftovers.push(dir);
                    }
                }
                Ok(leftovers)
            })
            .await;
        match swept {
            Ok(leftovers) => {
                for dir in &leftovers {
                    self.remove_configuration_files(dir);
                }
                if !leftovers.is_empty() {
                    tracing::info!(
                        count = leftovers.len(),
                        "removed configuration files left by ended attempts"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "could not sweep old configuration files"),
        }
    }

    fn attempt_dir(&self, job: i64, number: i32) -> PathBuf {
        self.settings
            .attempts_root
            .join(job.to_string())
            .join(number.to_string())
    }

    fn remove_configuration_files(&self, dir: &Path) {
        for file in CONFIGURATION_FILES {
            match std::fs::remove_file(dir.join(file)) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    tracing::warn!(%error, dir = %dir.display(), "cannot remove a configuration file")
                }
            }
        }
    }

    async fn execute(&self, job: Job, attempt: Attempt, shutdown: watch::Receiver<bool>) {
        tracing::info!(job_id = job.id, attempt = attempt.number, config_type = %job.config_type, "attempt started");
        let progress = Arc::new(Progress::default());
        let (log_tx, log_rx) = mpsc::unbounded_channel::<String>();
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let cancel_tx = Arc::new(cancel_tx);
        let (stop_tx, stop_rx) = watch::channel(false);
        let interrupted = Arc::new(AtomicBool::new(false));
        let interrupter = tokio::spawn(interrupt_after_grace(
            shutdown,
            self.settings.shutdown_grace,
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
            db: self.db.clone(),
            attempt: attempt.clone(),
            progress: Arc::clone(&progress),
            interval: self.settings.heartbeat_interval,
        };
        let heartbeat = tokio::spawn(heartbeats(beat, log_rx, cancel_tx, stop_rx));
        let end = self
            .perform(&job, &dir, &log_tx, Arc::clone(&progress), cancel_rx)
            .await;
        interrupter.abort();
        self.remove_configuration_files(&dir);
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
        let retries = self.settings.retries;
        let connection = job.config_id.parse().map(ConnectionId);
        let config_type = job.config_type;
        let attempt_for_finish = attempt.clone();
        let finished = self
            .db
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
        match finished {
            Ok(status) => {
                tracing::info!(job_id = job.id, attempt = attempt.number, records, bytes, %status, "attempt ended")
            }
            Err(error) => {
                tracing::error!(job_id = job.id, %error, "could not record the end of an attempt")
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
        let connection: ConnectionId = job.config_id.parse().map(ConnectionId).map_err(|_| {
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
            return Ok(run_reset(&self.launcher, &plan, dir, logs).await?);
        }
        Ok(run_sync(&self.launcher, &plan, progress, logs.clone(), dir, cancel).await?)
    }

    async fn plan(&self, connection: ConnectionId, reset: bool) -> Result<SyncPlan> {
        self.db
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

/// Every `interval`: writes the log lines gathered so far, reports progress, and turns
/// `cancel` true once the job was cancelled. Ends (after a last flush) when `stop` turns true.
/// What a heartbeat loop reports on.
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

async fn heartbeats(
    beat: Beat,
    mut logs: mpsc::UnboundedReceiver<String>,
    cancel: Arc<watch::Sender<bool>>,
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
        let status = db
            .write(move |conn| {
                jobs::append_logs(conn, beat.id, &lines)?;
                jobs::heartbeat(conn, &beat, records, bytes)
            })
            .await;
        match status {
            Ok(JobStatus::Cancelled) => {
                let _ = cancel.send(true);
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, attempt_id = attempt.id, "heartbeat failed"),
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
