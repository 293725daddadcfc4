//! The docker launcher's containers. A connector with no command mapped runs as `docker run
//! --rm -i ...`, and the `docker` client Ferry starts is only a window onto the container:
//! killing it (a cancel, a timeout, a dropped run) leaves the container running. So every
//! container gets a unique name, and Ferry removes it by that name (`docker rm -f`) whenever
//! a run ends other than by the container's own exit.

use crate::launcher::Image;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// How connector containers run (configuration `connectors.container`).
#[derive(Clone, Debug, Default)]
pub struct ContainerSettings {
    /// Repositories whose containers join `network`; every other container runs with
    /// `--network none`.
    pub networked: Vec<String>,
    /// The docker network of a networked connector (`bridge` when empty).
    pub network: String,
    /// `--memory` in MiB for every container; 0: no limit.
    pub memory_mb: u64,
    /// `--cpus` for every container; 0: no limit.
    pub cpus: f64,
    /// A host directory mounted read-write at `/local` in every container (Airbyte's
    /// convention for destinations that write local files); `None`: none.
    pub local_root: Option<PathBuf>,
    /// Labels every container carries besides [`CONNECTOR_LABEL`].
    pub labels: BTreeMap<String, String>,
}

/// The label every connector container carries; its value is the image.
pub const CONNECTOR_LABEL: &str = "ferry.connector";

/// Where a run's files are mounted in its container (its working directory).
pub const DATA_DIR: &str = "/data";

/// Where a run's configuration files (secrets) are mounted, read-only.
pub const CONFIG_DIR: &str = "/secrets";

/// Where [`ContainerSettings::local_root`] is mounted.
pub const LOCAL_DIR: &str = "/local";

/// A unique container name for a run whose first argument is `verb` (`spec`, `read`...).
pub(crate) fn unique_name(verb: &str) -> String {
    let verb: String = verb
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(16)
        .collect();
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("ferry-{verb}-{}", &id[..16])
}

/// The arguments of `docker` that run `image` as container `name` with the run's files in
/// `dir` and its configuration files in `config_dir` (read-only), as `user` (`uid:gid`):
/// everything before the connector's own arguments.
pub(crate) fn run_args(
    settings: &ContainerSettings,
    name: &str,
    image: &Image,
    dir: &Path,
    config_dir: Option<&Path>,
    user: Option<String>,
) -> Vec<String> {
    let mut args: Vec<String> = ["run", "--rm", "-i", "--init", "--name", name, "--label"]
        .map(String::from)
        .to_vec();
    args.push(format!("{CONNECTOR_LABEL}={image}"));
    for (key, value) in &settings.labels {
        args.extend(["--label".to_string(), format!("{key}={value}")]);
    }
    let network = match settings.networked.contains(&image.repository) {
        true if settings.network.is_empty() => "bridge",
        true => settings.network.as_str(),
        false => "none",
    };
    args.extend(["--network".to_string(), network.to_string()]);
    // Records pass through the attached stdout; docker's own log would keep a second copy
    // of every one on the daemon's disk until the container is removed.
    args.extend(["--log-driver", "none"].map(String::from));
    if let Some(user) = user {
        args.extend(["--user".to_string(), user]);
    }
    if settings.memory_mb > 0 {
        args.extend(["--memory".to_string(), format!("{}m", settings.memory_mb)]);
    }
    if settings.cpus > 0.0 {
        args.extend(["--cpus".to_string(), settings.cpus.to_string()]);
    }
    args.extend(["-w", DATA_DIR, "-v"].map(String::from));
    args.push(format!("{}:{DATA_DIR}", dir.display()));
    if let Some(config_dir) = config_dir {
        args.extend([
            "-v".to_string(),
            format!("{}:{CONFIG_DIR}:ro", config_dir.display()),
        ]);
    }
    if let Some(local) = &settings.local_root {
        args.extend(["-v".to_string(), format!("{}:{LOCAL_DIR}", local.display())]);
    }
    args.push(image.to_string());
    args
}

/// Ferry's own user as `uid:gid`: the container runs as the user that wrote its files
/// (readable by their owner only), and what it writes belongs to Ferry too.
#[cfg(unix)]
pub(crate) fn ferry_user() -> Option<String> {
    let uid = rustix::process::geteuid().as_raw();
    let gid = rustix::process::getegid().as_raw();
    Some(format!("{uid}:{gid}"))
}

#[cfg(not(unix))]
pub(crate) fn ferry_user() -> Option<String> {
    None
}

/// A named container that must not outlive its run: removed by [`Container::remove`], or
/// when dropped before that (in the background: a drop cannot wait).
#[derive(Debug)]
pub(crate) struct Container {
    name: String,
    gone: bool,
}

impl Container {
    pub(crate) fn new(name: String) -> Self {
        Container { name, gone: false }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The container ended by itself and `--rm` removed it; nothing left to do.
    pub(crate) fn exited(&mut self) {
        self.gone = true;
    }

    /// Kills and removes the container, if it is still there, and waits until it is gone.
    pub(crate) async fn remove(&mut self) {
        if self.gone {
            return;
        }
        let name = self.name.clone();
        if let Err(error) = tokio::task::spawn_blocking(move || remove_and_wait(&name)).await {
            tracing::error!(%error, container = self.name, "removing a connector container failed");
        }
        self.gone = true;
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if self.gone {
            return;
        }
        let name = std::mem::take(&mut self.name);
        // A thread rather than a task: it also runs while the runtime shuts down.
        let spawned = std::thread::Builder::new()
            .name("ferry-container-rm".into())
            .spawn(move || remove_and_wait(&name));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot remove a connector container: it may still run");
        }
    }
}

/// How long a removal the daemon already started (`--rm` after the client was killed) may
/// take before Ferry stops waiting for it.
const REMOVAL_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// `docker rm -f`, then, when the daemon was already removing it (the container's `--rm`
/// began as its client was killed), waits until it is gone: afterwards nothing of the run is
/// left, however loaded the machine.
fn remove_and_wait(name: &str) {
    let output = std::process::Command::new("docker")
        .args(["rm", "-f", name])
        .stdin(Stdio::null())
        .output();
    let in_progress = matches!(&output, Ok(o) if String::from_utf8_lossy(&o.stderr).contains("already in progress"));
    if !in_progress {
        report_removal(name, output);
        return;
    }
    let started = std::time::Instant::now();
    while started.elapsed() < REMOVAL_PATIENCE {
        let inspected = std::process::Command::new("docker")
            .args([
                "container",
                "inspect",
                "--format",
                "{{.State.Status}}",
                name,
            ])
            .stdin(Stdio::null())
            .output();
        match inspected {
            Ok(o) if !o.status.success() => {
                tracing::info!(container = name, "connector container removed");
                return;
            }
            Err(error) => {
                tracing::warn!(container = name, %error, "cannot run docker container inspect");
                return;
            }
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
    tracing::warn!(
        container = name,
        "the daemon's removal of a connector container did not finish within a minute"
    );
}

fn report_removal(name: &str, output: std::io::Result<std::process::Output>) {
    match output {
        Ok(output) if output.status.success() => {
            tracing::info!(container = name, "connector container removed")
        }
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            // Already gone: it ended while we were stopping it.
            if !stderr.contains("No such container") {
                tracing::warn!(container = name, error = %stderr.trim(), "docker rm -f failed");
            }
        }
        Err(error) => tracing::warn!(container = name, %error, "cannot run docker rm -f"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(repository: &str) -> Image {
        Image {
            repository: repository.into(),
            tag: "1".into(),
        }
    }

    fn value_of<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
        args.windows(2)
            .filter(|w| w[0] == flag)
            .map(|w| w[1].as_str())
            .collect()
    }

    #[test]
    fn containers_run_without_network_unless_their_repository_is_networked() {
        let settings = ContainerSettings {
            networked: vec!["acme/source-api".into()],
            ..ContainerSettings::default()
        };
        let dir = Path::new("/srv/jobs/1/0");
        let isolated = run_args(&settings, "n", &image("acme/source-file"), dir, None, None);
        assert_eq!(value_of(&isolated, "--network"), ["none"]);
        let networked = run_args(&settings, "n", &image("acme/source-api"), dir, None, None);
        assert_eq!(value_of(&networked, "--network"), ["bridge"]);
        let settings = ContainerSettings {
            network: "connectors".into(),
            ..settings
        };
        let networked = run_args(&settings, "n", &image("acme/source-api"), dir, None, None);
        assert_eq!(value_of(&networked, "--network"), ["connectors"]);
    }

    #[test]
    fn the_run_is_named_labelled_mounted_and_limited() {
        let settings = ContainerSettings {
            memory_mb: 512,
            cpus: 1.5,
            local_root: Some("/srv/local".into()),
            labels: [("team".to_string(), "data".to_string())].into(),
            ..ContainerSettings::default()
        };
        let args = run_args(
            &settings,
            "ferry-spec-1",
            &image("acme/x"),
            Path::new("/srv/jobs/1/0"),
            Some(Path::new("/dev/shm/ferry-0/7/run-x")),
            Some("1000:1000".into()),
        );
        assert_eq!(&args[..4], ["run", "--rm", "-i", "--init"]);
        assert_eq!(value_of(&args, "--name"), ["ferry-spec-1"]);
        assert_eq!(
            value_of(&args, "--label"),
            ["ferry.connector=acme/x:1", "team=data"]
        );
        assert_eq!(value_of(&args, "--user"), ["1000:1000"]);
        assert_eq!(value_of(&args, "--memory"), ["512m"]);
        assert_eq!(value_of(&args, "--cpus"), ["1.5"]);
        assert_eq!(value_of(&args, "--log-driver"), ["none"]);
        assert_eq!(
            value_of(&args, "-v"),
            [
                "/srv/jobs/1/0:/data",
                "/dev/shm/ferry-0/7/run-x:/secrets:ro",
                "/srv/local:/local"
            ]
        );
        assert_eq!(args.last().map(String::as_str), Some("acme/x:1"));
        let bare = run_args(
            &ContainerSettings::default(),
            "n",
            &image("acme/x"),
            Path::new("/d"),
            None,
            None,
        );
        for absent in ["--memory", "--cpus", "--user"] {
            assert!(!bare.iter().any(|a| a == absent), "{bare:?}");
        }
        assert_eq!(value_of(&bare, "-v"), ["/d:/data"]);
    }

    #[test]
    fn names_are_unique_and_valid() {
        let a = unique_name("spec");
        let b = unique_name("spec");
        assert_ne!(a, b);
        assert!(a.starts_with("ferry-spec-"), "{a}");
        // docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+
        assert!(unique_name("--weird verb!")
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
