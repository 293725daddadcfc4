//! Runs connector processes. A definition's docker repository maps to a local command line
//! in configuration (the `process` launcher); a repository with no mapping runs in a
//! container (`docker run --rm -i ... <repository>:<tag>`, see [`crate::container`]) when
//! docker is installed.

use crate::config_files::{self, RunFiles};
use crate::container::{self, Container, ContainerSettings};
use crate::protocol::AirbyteMessage;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A connector image: what a definition names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub repository: String,
    pub tag: String,
}

impl std::fmt::Display for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.repository, self.tag)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "no way to run connector {image}: map its repository under connectors.commands, or \
         install docker"
    )]
    NoLauncher { image: String },
    #[error("connector {image} could not be started: {reason}")]
    Start { image: String, reason: String },
    #[error("connector {image} ran longer than {seconds} s and was stopped")]
    Timeout { image: String, seconds: u64 },
    #[error("connector {image} failed: {reason}")]
    Failed { image: String, reason: String },
    #[error("connector work directory: {0}")]
    Io(#[from] std::io::Error),
}

/// Launcher settings from configuration.
#[derive(Clone, Debug)]
pub struct LauncherSettings {
    /// Docker repository -> command line. `{ferry}` in a command stands for the running
    /// `ferry` binary (which carries Ferry's own connectors).
    pub commands: HashMap<String, Vec<String>>,
    /// Fall back to `docker run` for unmapped repositories when docker is on PATH.
    pub docker: bool,
    /// How long one connector operation (spec, check, discover) may run.
    pub timeout: Duration,
    /// How long one sync may run.
    pub sync_timeout: Duration,
    /// How containers run (network, limits, mounts, labels).
    pub container: ContainerSettings,
    /// Where configuration files live while their connector runs (see
    /// [`crate::config_files`]; [`crate::config_files::default_dir`] by default).
    pub config_files_dir: PathBuf,
}

/// An argument of a connector command: a literal, or a file Ferry writes for the run (the
/// launcher decides the path the connector sees). A `Config` file holds a connector's
/// configuration, and so its secrets: it is written apart from the run's other files, where a
/// reboot clears it, and removed as soon as the connector ends ([`crate::config_files`]).
#[derive(Clone, Debug)]
pub enum Arg {
    Literal(&'static str),
    File { name: &'static str, contents: Value },
    Config { name: &'static str, contents: Value },
}

/// What a finished connector run printed.
#[derive(Clone, Debug, Default)]
pub struct RunOutput {
    pub messages: Vec<AirbyteMessage>,
    /// stderr lines, non-protocol stdout lines and LOG messages, in order.
    pub logs: Vec<String>,
    pub exit_code: Option<i32>,
}

impl RunOutput {
    /// Why a run failed, in the connector's words where it gave any.
    pub fn failure_reason(&self) -> String {
        if let Some(error) = self
            .messages
            .iter()
            .rev()
            .find_map(AirbyteMessage::trace_error)
        {
            return error;
        }
        let tail: Vec<&str> = self
            .logs
            .iter()
            .rev()
            .take(5)
            .rev()
            .map(String::as_str)
            .collect();
        match self.exit_code {
            Some(code) => format!("exit code {code}; last log lines: {}", tail.join(" | ")),
            None => format!("killed by a signal; last log lines: {}", tail.join(" | ")),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Launcher {
    settings: LauncherSettings,
}

impl Launcher {
    pub fn new(settings: LauncherSettings) -> Self {
        Launcher { settings }
    }

    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    pub fn sync_timeout(&self) -> Duration {
        self.settings.sync_timeout
    }

    /// Runs `image` with `args` to completion (or until the timeout, when it is killed) and
    /// collects what it printed. Files for the run live in a private directory that is
    /// removed afterwards; configuration files are readable by the owner only.
    pub async fn run(&self, image: &Image, args: &[Arg]) -> Result<RunOutput, RuntimeError> {
        let dir = tempfile::Builder::new()
            .prefix("ferry-connector-")
            .tempdir()?;
        let mut process = self.spawn(image, args, dir.path(), false).await?;
        let stdout = process.stdout.take();
        let stderr = process.stderr.take();
        let collect = async {
            let mut output = RunOutput::default();
            let mut out_lines = stdout.map(|s| BufReader::new(s).lines());
            let mut err_lines = stderr.map(|s| BufReader::new(s).lines());
            loop {
                tokio::select! {
                    line = next_line(&mut out_lines), if out_lines.is_some() => match line {
                        Some(line) => match AirbyteMessage::parse(&line) {
                            Some(AirbyteMessage::Log { log }) => {
                                output.logs.push(format!("{} {}", log.level, log.message));
                            }
                            Some(message) => output.messages.push(message),
                            None => output.logs.push(line),
                        },
                        None => out_lines = None,
                    },
                    line = next_line(&mut err_lines), if err_lines.is_some() => match line {
                        Some(line) => output.logs.push(line),
                        None => err_lines = None,
                    },
                    else => break,
                }
            }
            let status = process.wait().await?;
            output.exit_code = status.code();
            Ok::<_, RuntimeError>(output)
        };
        let finished = tokio::time::timeout(self.settings.timeout, collect).await;
        // Whatever happened, nothing of the run may go on: the process is killed and its
        // container removed (no-ops when it ended by itself).
        process.stop().await;
        match finished {
            Ok(output) => {
                let output = output?;
                tracing::info!(%image, exit_code = ?output.exit_code, "connector finished");
                Ok(output)
            }
            Err(_) => Err(RuntimeError::Timeout {
                image: image.to_string(),
                seconds: self.settings.timeout.as_secs(),
            }),
        }
    }

    /// Starts `image` with its files in `dir` (which the caller keeps until the process ends),
    /// stdout and stderr piped and, when `stdin` is set, stdin piped too. The process is
    /// killed, and its container removed, by [`Process::stop`] or when it is dropped.
    pub async fn spawn(
        &self,
        image: &Image,
        args: &[Arg],
        dir: &Path,
        stdin: bool,
    ) -> Result<Process, RuntimeError> {
        let (mut command, container, config_files) = self.command(image, args, dir).await?;
        command
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                // No client, no container to remove.
                if let Some(mut container) = container {
                    container.exited();
                }
                return Err(RuntimeError::Start {
                    image: image.to_string(),
                    reason: e.to_string(),
                });
            }
        };
        let name = container.as_ref().map(Container::name);
        tracing::info!(%image, pid = child.id(), container = name, "connector started");
        Ok(Process {
            child,
            container,
            config_files,
        })
    }

    /// The command that runs `image`: a mapped command line, or docker (with the container
    /// it will run); and the directory of its configuration files, if it has any.
    async fn command(
        &self,
        image: &Image,
        args: &[Arg],
        dir: &Path,
    ) -> Result<(Command, Option<Container>, Option<RunFiles>), RuntimeError> {
        let config_files = match args.iter().any(|arg| matches!(arg, Arg::Config { .. })) {
            true => Some(RunFiles::create(&self.settings.config_files_dir)?),
            false => None,
        };
        let files = write_files(args, dir, config_files.as_ref()).await?;
        if let Some(line) = self.settings.commands.get(&image.repository) {
            let mut parts = line.iter().map(|part| expand(part));
            let program = parts.next().ok_or_else(|| RuntimeError::Start {
                image: image.to_string(),
                reason: "its command line in connectors.commands is empty".into(),
            })?;
            let mut command = Command::new(program);
            command.args(parts).current_dir(dir);
            for (arg, file) in args.iter().zip(&files) {
                match (arg, file) {
                    (Arg::Literal(text), _) => command.arg(text),
                    (_, Some(path)) => command.arg(path),
                    (_, None) => &mut command,
                };
            }
            return Ok((command, None, config_files));
        }
        if self.settings.docker && on_path("docker") {
            let settings = &self.settings.container;
            if let Some(local) = &settings.local_root {
                // Docker would create a missing mount source itself, owned by root.
                tokio::fs::create_dir_all(local).await?;
            }
            let verb = args.iter().find_map(|arg| match arg {
                Arg::Literal(text) => Some(*text),
                Arg::File { .. } | Arg::Config { .. } => None,
            });
            let name = container::unique_name(verb.unwrap_or("run"));
            let user = container::ferry_user();
            let mut command = Command::new("docker");
            let config_dir = config_files.as_ref().map(RunFiles::path);
            command.args(container::run_args(
                settings, &name, image, dir, config_dir, user,
            ));
            for arg in args {
                match arg {
                    Arg::Literal(text) => command.arg(text),
                    Arg::File { name, .. } => {
                        command.arg(format!("{}/{name}", container::DATA_DIR))
                    }
                    Arg::Config { name, .. } => {
                        command.arg(format!("{}/{name}", container::CONFIG_DIR))
                    }
                };
            }
            return Ok((command, Some(Container::new(name)), config_files));
        }
        Err(RuntimeError::NoLauncher {
            image: image.to_string(),
        })
    }

    /// Removes the configuration files of processes that no longer run ([`config_files::sweep`]);
    /// `open_runs`: whether this process may have runs of its own open.
    pub fn sweep_config_files(&self, open_runs: bool) -> usize {
        config_files::sweep(&self.settings.config_files_dir, open_runs)
    }
}

/// A running connector: its process (for docker, the `docker` client) and, under docker,
/// its container. It reads as its [`Child`]; [`Process::wait`] and [`Process::stop`] also
/// account for the container.
#[derive(Debug)]
pub struct Process {
    child: Child,
    container: Option<Container>,
    /// Removed as soon as the process has ended (or when this is dropped).
    config_files: Option<RunFiles>,
}

impl Process {
    /// Waits for the process to end. A docker client that exits with the container's own
    /// status (below 125; above are docker's errors and signals) leaves nothing behind:
    /// `--rm` removed the container before the client returned.
    pub async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        let status = self.child.wait().await?;
        self.config_files = None;
        if let (Some(code), Some(container)) = (status.code(), self.container.as_mut()) {
            if code < 125 {
                container.exited();
            }
        }
        Ok(status)
    }

    /// Kills the process and removes its container, and waits for both: afterwards
    /// nothing of the run is left. Harmless when it has already ended.
    pub async fn stop(&mut self) {
        if let Err(error) = self.child.kill().await {
            // It had already ended and been waited for.
            tracing::debug!(%error, "connector process already ended");
        }
        if let Some(container) = self.container.as_mut() {
            container.remove().await;
        }
        self.config_files = None;
    }
}

impl std::ops::Deref for Process {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.child
    }
}

impl std::ops::DerefMut for Process {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

async fn next_line<R: tokio::io::AsyncBufRead + Unpin>(
    lines: &mut Option<tokio::io::Lines<R>>,
) -> Option<String> {
    match lines {
        Some(lines) => lines.next_line().await.ok().flatten(),
        None => std::future::pending().await,
    }
}

/// Writes each file argument, readable by the owner only: a configuration into
/// `config_files`, any other file into the run's directory.
async fn write_files(
    args: &[Arg],
    dir: &Path,
    config_files: Option<&RunFiles>,
) -> Result<Vec<Option<PathBuf>>, RuntimeError> {
    let mut paths = Vec::with_capacity(args.len());
    for arg in args {
        let (folder, name, contents) = match arg {
            Arg::File { name, contents } => (dir, name, contents),
            Arg::Config { name, contents } => match config_files {
                Some(files) => (files.path(), name, contents),
                None => {
                    return Err(
                        std::io::Error::other("no directory for configuration files").into(),
                    )
                }
            },
            Arg::Literal(_) => {
                paths.push(None);
                continue;
            }
        };
        let path = folder.join(name);
        let bytes = serde_json::to_vec(contents).map_err(std::io::Error::other)?;
        // Created owner-only, so a configuration is never readable by others, even briefly.
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(&path).await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, &bytes).await?;
        restrict(&path).await?;
        paths.push(Some(path));
    }
    Ok(paths)
}

#[cfg(unix)]
async fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).await
}

#[cfg(not(unix))]
async fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// `{ferry}` is the running binary, which carries Ferry's own connectors.
fn expand(part: &str) -> String {
    if part.contains("{ferry}") {
        let exe = std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "ferry".to_string());
        part.replace("{ferry}", &exe)
    } else {
        part.to_string()
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launcher(commands: &[(&str, &[&str])], timeout: Duration) -> Launcher {
        Launcher::new(LauncherSettings {
            commands: commands
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
            docker: false,
            timeout,
            sync_timeout: timeout,
            container: ContainerSettings::default(),
            config_files_dir: crate::config_files::default_dir(),
        })
    }

    fn image(repository: &str) -> Image {
        Image {
            repository: repository.into(),
            tag: "dev".into(),
        }
    }

    #[tokio::test]
    async fn a_configuration_lives_apart_owner_only_and_goes_when_the_connector_ends() {
        let config_root = tempfile::tempdir().unwrap();
        // Prints where its configuration is, its mode, and its contents.
        let script = r#"echo "$1"; stat -c %a "$1"; cat "$1"; echo"#;
        let launcher = Launcher::new(LauncherSettings {
            config_files_dir: config_root.path().to_path_buf(),
            ..launcher(
                &[("test/show", &["sh", "-c", script, "sh"])],
                Duration::from_secs(30),
            )
            .settings
        });
        let args = [Arg::Config {
            name: "config.json",
            contents: serde_json::json!({"password": "hunter2"}),
        }];
        let output = launcher.run(&image("test/show"), &args).await.unwrap();
        assert_eq!(output.exit_code, Some(0), "{:?}", output.logs);
        let path = std::path::PathBuf::from(&output.logs[0]);
        let own = config_root.path().join(std::process::id().to_string());
        assert!(path.starts_with(&own), "{}", path.display());
        assert_eq!(output.logs[1], "600");
        assert!(output.logs[2].contains("hunter2"));
        assert!(!path.exists(), "removed when the connector ended");
        assert!(!path.parent().unwrap().exists(), "its run's directory too");
    }

    #[tokio::test]
    async fn a_process_speaks_the_protocol() {
        let script = r#"echo '{"type":"LOG","log":{"level":"INFO","message":"hello"}}'; echo plain; echo oops >&2; cat "$1"; echo; echo '{"type":"CONNECTION_STATUS","connectionStatus":{"status":"SUCCEEDED"}}'"#;
        let launcher = launcher(
            &[("test/echo", &["sh", "-c", script, "sh"])],
            Duration::from_secs(30),
        );
        let args = [Arg::File {
            name: "config.json",
            contents: serde_json::json!({"type": "RECORD", "record": {"stream": "s", "data": {}}}),
        }];
        let output = launcher.run(&image("test/echo"), &args).await.unwrap();
        assert_eq!(output.exit_code, Some(0));
        assert_eq!(output.messages.len(), 2, "{:?}", output.messages);
        assert!(output.logs.contains(&"INFO hello".to_string()));
        assert!(output.logs.contains(&"plain".to_string()));
        assert!(output.logs.contains(&"oops".to_string()));
    }

    #[tokio::test]
    async fn failures_and_timeouts_are_reported() {
        let launcher = launcher(
            &[
                ("test/fail", &["sh", "-c", "echo doomed >&2; exit 3"]),
                ("test/slow", &["sleep", "30"]),
            ],
            Duration::from_millis(500),
        );
        let output = launcher.run(&image("test/fail"), &[]).await.unwrap();
        assert_eq!(output.exit_code, Some(3));
        assert!(output.failure_reason().contains("exit code 3"));
        assert!(output.failure_reason().contains("doomed"));
        let started = std::time::Instant::now();
        let error = launcher.run(&image("test/slow"), &[]).await.unwrap_err();
        assert!(matches!(error, RuntimeError::Timeout { .. }), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the process was not killed"
        );
        let error = launcher.run(&image("test/unknown"), &[]).await.unwrap_err();
        assert!(matches!(error, RuntimeError::NoLauncher { .. }));
    }
}
