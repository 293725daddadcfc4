//! `ferry`: the server binary. It wires configuration, logging, the database and the HTTP
//! layer together; everything else lives in the library crates.

mod admin;
mod secrets;
mod settings;

use anyhow::Context;
use clap::{Parser, Subcommand};
use ferry_api::auth::Authenticator;
use ferry_api::{ApiSettings, AppState, BodyLimit, BodyReadTimeout};
use ferry_domain::workspace::Regions;
use ferry_persistence::store::jobs::Retries;
use ferry_persistence::{Database, PoolOptions};
use ferry_worker::metrics::JobMetrics;
use ferry_worker::notify::WebhookSender;
use ferry_worker::outbound::OutboundPolicy;
use ferry_worker::runner::{Worker, WorkerSettings};
use ferry_worker::tasks::TaskRegistry;
use ferry_worker::{Connectors, ContainerSettings, Launcher, LauncherSettings};
use settings::{redact_url, LogFormat, Settings};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tracing_subscriber::EnvFilter;

/// mimalloc rather than glibc's malloc, whose allocation paths were a quarter of a large
/// list's time (see docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "ferry",
    // The commit too: a report then names the exact code (build.rs).
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("FERRY_COMMIT"), ")"),
    about = "Ferry: a control plane for data integration"
)]
struct Cli {
    /// A TOML file whose keys override the defaults (see config/default.toml).
    #[arg(long, env = "FERRY_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrates the database and serves the API (the default).
    Serve,
    /// Migrates the database and exits.
    Migrate,
    /// Runs a worker alone (no API): claims and runs pending jobs.
    Worker,
    /// Prints the OpenAPI document.
    Openapi,
    /// Checks the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Runs one of Ferry's own connectors (as the launcher does).
    Connector {
        #[command(subcommand)]
        connector: ConnectorCommand,
    },
    /// Manages users (the first instance administrator, say).
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manages applications: client credentials that applications/token exchanges for an
    /// access token.
    Applications {
        #[command(subcommand)]
        command: ApplicationsCommand,
    },
    /// Manages the keys connector secrets are encrypted under.
    Secrets {
        #[command(subcommand)]
        command: admin::SecretsCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Checks the configuration (unknown keys, values, the database URL) and prints the one
    /// ferry would run with, secrets hidden; exits non-zero with the first problem.
    Check,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Creates a user and prints it as JSON.
    Create {
        #[arg(long)]
        email: String,
        /// The display name (the email when left out).
        #[arg(long)]
        name: Option<String>,
        /// Also grant instance_admin.
        #[arg(long)]
        instance_admin: bool,
    },
}

#[derive(Subcommand)]
enum ApplicationsCommand {
    /// Creates an application for a user and prints its clientId and clientSecret (shown
    /// only this once) as JSON.
    Create {
        /// The user's email or id.
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum ConnectorCommand {
    /// Writes each stream's records as JSON lines under a directory.
    #[command(name = "destination-local-json", disable_help_flag = true)]
    DestinationLocalJson {
        /// spec | check --config FILE | write --config FILE --catalog FILE
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Generates deterministic records for the users, orders and events streams.
    #[command(name = "source-sample", disable_help_flag = true)]
    SourceSample {
        /// spec | check --config FILE | discover --config FILE | read --config FILE --catalog
        /// FILE [--state FILE]
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    // A connector speaks only the protocol: no configuration, no logging on stdout.
    if let Command::Connector { connector } = &command {
        let stdout = std::io::stdout().lock();
        let code = match connector {
            ConnectorCommand::DestinationLocalJson { args } => {
                ferry_worker::local_json::run(args, std::io::stdin().lock(), stdout)
            }
            ConnectorCommand::SourceSample { args } => {
                ferry_worker::sample_source::run(args, stdout)
            }
        };
        std::process::exit(code);
    }
    let settings = Settings::load(cli.config.as_deref()).context("invalid configuration")?;
    match command {
        Command::Connector { .. } => Ok(()),
        Command::Openapi => {
            print!("{}", ferry_api::openapi_json());
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            print!("{}", Settings::effective_toml(cli.config.as_deref())?);
            Ok(())
        }
        Command::Migrate => {
            init_logging(&settings);
            let db = open_database(&settings)?;
            migrate(&db, &settings)
        }
        Command::Serve => {
            init_logging(&settings);
            serve(settings)
        }
        Command::Worker => {
            init_logging(&settings);
            work(settings)
        }
        Command::Users { command } => {
            let db = open_database(&settings)?;
            migrate(&db, &settings)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&admin::users(&db, command)?)?
            );
            Ok(())
        }
        Command::Applications { command } => {
            let db = open_database(&settings)?;
            migrate(&db, &settings)?;
            let application = admin::applications(&db, command)?;
            println!("{}", serde_json::to_string_pretty(&application)?);
            eprintln!(
                "Keep the clientSecret: it is not shown again. Get a token with\n  \
                 POST /api/v1/applications/token {{\"client_id\": ..., \"client_secret\": ...}}"
            );
            Ok(())
        }
        Command::Secrets { command } => {
            let db = open_database(&settings)?;
            migrate(&db, &settings)?;
            let done = admin::secrets(db, &settings, command)?;
            println!("{}", serde_json::to_string_pretty(&done)?);
            Ok(())
        }
    }
}

fn init_logging(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(settings.log.level.clone()));
    // Colour codes only for a terminal: in a file or a log collector they are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    match settings.log.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

fn open_database(settings: &Settings) -> anyhow::Result<Database> {
    let options = PoolOptions {
        max_connections: settings.database.max_connections,
        connect_timeout: Duration::from_secs(settings.database.connect_timeout_secs),
        call_timeout: Duration::from_secs(settings.database.call_timeout_secs),
    };
    Database::open(&settings.database.url, &options)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("cannot open {}", redact_url(&settings.database.url)))
}

/// Migrates and seeds, retrying while the database is not reachable yet (a database
/// container that starts alongside the server, say).
fn migrate(db: &Database, settings: &Settings) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(settings.database.startup_wait_secs);
    loop {
        match ferry_persistence::bootstrap(db) {
            Ok(applied) => {
                tracing::info!(
                    backend = db.backend().name(),
                    url = %redact_url(&settings.database.url),
                    applied = ?applied,
                    "database ready"
                );
                return Ok(());
            }
            Err(error @ ferry_domain::Error::Unavailable { .. }) if Instant::now() < deadline => {
                tracing::warn!(%error, "database not reachable yet; retrying");
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(error) => return Err(anyhow::anyhow!("database start-up failed: {error}")),
        }
    }
}

#[actix_web::main]
async fn serve(settings: Settings) -> anyhow::Result<()> {
    settings
        .auth
        .check_exposure(&settings.server.listen)
        .map_err(|refusal| anyhow::anyhow!(refusal))?;
    let db = open_database(&settings)?;
    {
        let (db, settings) = (db.clone(), settings.clone());
        tokio::task::spawn_blocking(move || migrate(&db, &settings)).await??;
    }
    // Connector secrets are encrypted at rest: a missing or wrong key stops start-up here.
    let db = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || secrets::load(db, &settings))
            .await?
            .context("connector secrets")?
    };
    let regions = Regions::new(
        settings.workspaces.regions.clone(),
        settings.workspaces.default_region.clone(),
    )
    .map_err(|e| anyhow::anyhow!("invalid configuration: workspaces: {e}"))?;
    let launcher = launcher(&settings);
    let registry = prometheus::Registry::new();
    let job_metrics = JobMetrics::new(&registry)?;
    let webhooks = webhook_sender(&settings)?;
    let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
    let mut tasks = TaskRegistry::default();
    let worker = settings.worker.enabled.then(|| {
        let worker = Worker::new(
            db.clone(),
            launcher.clone(),
            worker_settings(&settings),
            job_metrics.clone(),
            webhooks.clone(),
        );
        tasks = worker.registry();
        tokio::spawn(worker.run(worker_stopped))
    });
    let auth = {
        let (db, auth) = (db.clone(), settings.auth.to_api());
        tokio::task::spawn_blocking(move || Authenticator::load(&db, auth))
            .await?
            .map_err(|e| anyhow::anyhow!("authentication set-up failed: {e}"))?
    };
    let metrics = ferry_api::metrics::Metrics::new(registry, db.backend().name())?;
    let state = AppState {
        db,
        regions,
        metrics: std::sync::Arc::new(metrics),
        connectors: Connectors::new(launcher),
        auth,
        tasks,
        webhooks,
        outbound: outbound_policy(&settings)?,
    };
    let api_settings = ApiSettings {
        body_limit: BodyLimit(settings.server.body_limit_bytes),
        body_read_timeout: BodyReadTimeout(Duration::from_secs(
            settings.server.body_read_timeout_secs,
        )),
    };
    // Signals are handled here rather than by actix, so that the worker hears of a shutdown
    // at the same moment as the HTTP server and its grace period runs alongside theirs.
    let state_for_metrics = state.clone();
    let mut server =
        actix_web::HttpServer::new(move || ferry_api::app(state.clone(), api_settings.clone()))
            .shutdown_timeout(settings.server.shutdown_timeout_secs)
            .disable_signals();
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    let server = server
        .bind(&settings.server.listen)
        .with_context(|| format!("cannot listen on {}", settings.server.listen))?;
    tracing::info!(
        listen = %settings.server.listen,
        auth = settings.auth.enabled,
        "Ferry is serving http://{}/api/v1 (docs at /api/docs/)",
        settings.server.listen
    );
    let metrics_server = match settings.metrics.listen.as_str() {
        "" => None,
        listen => {
            let state = state_for_metrics;
            let server =
                actix_web::HttpServer::new(move || ferry_api::metrics::metrics_app(state.clone()))
                    .workers(1)
                    .disable_signals()
                    .bind(listen)
                    .with_context(|| format!("cannot listen on metrics.listen {listen}"))?
                    .run();
            tracing::info!(%listen, "metrics at http://{listen}/metrics");
            Some(server)
        }
    };
    let server = server.run();
    let handle = server.handle();
    let metrics_handle = metrics_server.as_ref().map(|s| s.handle());
    if let Some(metrics_server) = metrics_server {
        actix_web::rt::spawn(metrics_server);
    }
    actix_web::rt::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: in-flight requests and the running attempt may finish");
        let _ = stop_worker.send(true);
        if let Some(metrics_handle) = metrics_handle {
            metrics_handle.stop(true).await;
        }
        handle.stop(true).await;
    });
    server.await?;
    if let Some(worker) = worker {
        stop_worker_within_grace(worker, &settings).await;
    }
    tracing::info!("Ferry stopped");
    Ok(())
}

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; only Ctrl-C stops Ferry");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Waits for a stopping worker: its running attempt finishes within the grace period or is
/// handed back, which takes a moment more (killing the connectors, recording the end).
async fn stop_worker_within_grace(worker: tokio::task::JoinHandle<()>, settings: &Settings) {
    let limit = Duration::from_secs(settings.worker.shutdown_grace_secs + 10);
    let abort = worker.abort_handle();
    if tokio::time::timeout(limit, worker).await.is_err() {
        tracing::warn!(
            "the worker did not stop in time; its attempt will be recovered as orphaned"
        );
        abort.abort();
    }
}

/// The connector launcher of this process; built once at start.
fn launcher(settings: &Settings) -> Launcher {
    let mut commands = settings.connectors.commands.clone();
    // Ferry's own connectors always run from this binary, whatever a file maps; the
    // destination confined to its root.
    let root = &settings.connectors.local_json_root;
    let root = std::path::absolute(root).unwrap_or_else(|_| root.clone());
    commands.insert(
        ferry_worker::local_json::REPOSITORY.to_string(),
        ["{ferry}", "connector", "destination-local-json", "--root"]
            .map(String::from)
            .into_iter()
            .chain([root.display().to_string()])
            .collect(),
    );
    commands.insert(
        ferry_worker::sample_source::REPOSITORY.to_string(),
        ["{ferry}", "connector", "source-sample"]
            .map(String::from)
            .to_vec(),
    );
    let container = &settings.connectors.container;
    let launcher = Launcher::new(LauncherSettings {
        commands,
        docker: settings.connectors.docker,
        timeout: Duration::from_secs(settings.connectors.timeout_secs),
        sync_timeout: Duration::from_secs(settings.connectors.sync_timeout_secs),
        container: ContainerSettings {
            networked: container.networked.clone(),
            network: container.network.clone(),
            memory_mb: container.memory_mb,
            cpus: container.cpus,
            // The same root as the built-in destination's, so that a containerised
            // local-file destination writes where Ferry's own does.
            local_root: container.mount_local_root.then(|| root.clone()),
            labels: container.labels.clone(),
        },
        config_files_dir: match settings.connectors.config_files_dir.as_os_str().is_empty() {
            true => ferry_worker::config_files::default_dir(),
            false => settings.connectors.config_files_dir.clone(),
        },
    });
    // Before this process runs any connector (the API's checks and the worker's syncs alike),
    // whatever lies under its own id is a leftover of an earlier process that had the same id.
    let swept = launcher.sweep_config_files(false);
    tracing::info!(
        swept_config_files = swept,
        "configuration files of stopped processes removed"
    );
    launcher
}

fn worker_settings(settings: &Settings) -> WorkerSettings {
    let worker = &settings.worker;
    WorkerSettings {
        poll_interval: Duration::from_millis(worker.poll_interval_ms),
        heartbeat_interval: Duration::from_secs(worker.heartbeat_secs),
        stale_after: Duration::from_secs(worker.stale_after_secs),
        retries: Retries {
            max_attempts: worker.max_attempts,
            backoff: Duration::from_secs(worker.retry_backoff_secs),
        },
        max_concurrent_attempts: worker.max_concurrent_attempts,
        attempts_root: worker.attempts_dir.clone(),
        shutdown_grace: Duration::from_secs(worker.shutdown_grace_secs),
        notifications: settings.notifications.to_worker(),
    }
}

/// What outbound requests may reach (`outbound.allow`).
fn outbound_policy(settings: &Settings) -> anyhow::Result<OutboundPolicy> {
    OutboundPolicy::new(&settings.outbound.allow).map_err(|e| anyhow::anyhow!(e))
}

/// The client that posts notification events (deliveries and test events alike).
fn webhook_sender(settings: &Settings) -> anyhow::Result<WebhookSender> {
    WebhookSender::new(
        Duration::from_secs(settings.notifications.timeout_secs),
        outbound_policy(settings)?,
    )
    .map_err(|e| anyhow::anyhow!(e))
}

/// `ferry worker`: migrations, then a worker until SIGTERM or Ctrl-C.
#[tokio::main]
async fn work(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings)?;
    {
        let (db, settings) = (db.clone(), settings.clone());
        tokio::task::spawn_blocking(move || migrate(&db, &settings)).await??;
    }
    // Connector secrets are encrypted at rest: a missing or wrong key stops start-up here.
    let db = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || secrets::load(db, &settings))
            .await?
            .context("connector secrets")?
    };
    // A worker alone serves no HTTP: its metrics are kept for a future metrics.listen.
    let job_metrics = JobMetrics::new(&prometheus::Registry::new())?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(
        Worker::new(
            db,
            launcher(&settings),
            worker_settings(&settings),
            job_metrics,
            webhook_sender(&settings)?,
        )
        .run(stopped),
    );
    shutdown_signal().await;
    tracing::info!("worker stopping");
    let _ = stop.send(true);
    stop_worker_within_grace(worker, &settings).await;
    Ok(())
}
