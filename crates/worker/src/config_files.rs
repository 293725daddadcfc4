//! Where connector configuration files live while a connector runs. They hold secrets in
//! clear (a connector reads its password from them), so they are kept apart from the attempt's
//! directory, which stays for its catalog, state and log:
//!
//! - in a directory a reboot clears (by default in memory: `$XDG_RUNTIME_DIR/ferry`, else
//!   `/dev/shm/ferry-<uid>`), so that not even a crash of the machine leaves them on a disk;
//! - under this process's id (`<dir>/<pid>/<run>/`), removed as soon as the run's connector
//!   has ended, whatever ended it;
//! - and swept: the directories of processes that are gone (a `kill -9`, a crash) are removed
//!   when a process starts and at each orphan pass, so a dead replica's files do not wait for it
//!   to come back. (The `ferry` binary sweeps as it builds its launcher, before any run.)

use std::path::{Path, PathBuf};

/// The default directory: in memory where the system offers one.
pub fn default_dir() -> PathBuf {
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(runtime).join("ferry");
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        return shm.join(format!("ferry-{}", user_id()));
    }
    std::env::temp_dir().join(format!("ferry-config-files-{}", user_id()))
}

#[cfg(unix)]
fn user_id() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[cfg(not(unix))]
fn user_id() -> u32 {
    0
}

/// One run's directory: its files are written here and it is removed when dropped.
#[derive(Debug)]
pub struct RunFiles {
    dir: PathBuf,
}

impl RunFiles {
    /// A new directory for one run under `root` (`<root>/<pid>/<unique>`), readable by its
    /// owner only.
    pub fn create(root: &Path) -> std::io::Result<Self> {
        let own = root.join(std::process::id().to_string());
        private_dir_all(&own)?;
        let dir = tempfile::Builder::new().prefix("run-").tempdir_in(&own)?;
        Ok(RunFiles { dir: dir.keep() })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for RunFiles {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.dir) {
            if error.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(%error, dir = %self.dir.display(),
                    "cannot remove a run's configuration files");
            }
        }
    }
}

/// Removes the directories under `root` of processes that no longer run (and this process's
/// own, when it has none open: a leftover of an earlier process with the same id). Returns
/// how many it removed.
pub fn sweep(root: &Path, open_runs: bool) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    let own = std::process::id();
    let mut removed = 0;
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let gone = match pid == own {
            true => !open_runs,
            false => !process_runs(pid),
        };
        if gone {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => removed += 1,
                Err(error) => tracing::warn!(%error, dir = %entry.path().display(),
                    "cannot remove configuration files left by a stopped process"),
            }
        }
    }
    removed
}

/// Whether a process with this id runs on this machine (`/proc`; where there is none, every
/// process is assumed to run, so nothing of another process is removed).
fn process_runs(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Creates `dir` and its missing parents, the last with mode 0700.
fn private_dir_all(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_files_go_when_it_ends_and_dead_processes_files_are_swept() {
        let root = tempfile::tempdir().unwrap();
        let run = RunFiles::create(root.path()).unwrap();
        std::fs::write(run.path().join("config.json"), "{}").unwrap();
        let own = root.path().join(std::process::id().to_string());
        assert!(run.path().starts_with(&own));
        // A process that is gone (no pid is this large) and one that runs (pid 1).
        let dead = root.path().join("4000000000");
        std::fs::create_dir_all(dead.join("run-x")).unwrap();
        std::fs::write(dead.join("run-x/config.json"), "{}").unwrap();
        let alive = root.path().join("1");
        std::fs::create_dir_all(&alive).unwrap();
        assert_eq!(sweep(root.path(), true), 1);
        assert!(!dead.exists());
        assert!(alive.exists(), "a running process keeps its files");
        assert!(
            run.path().join("config.json").exists(),
            "an open run keeps its files"
        );
        let dir = run.path().to_path_buf();
        drop(run);
        assert!(!dir.exists());
        assert_eq!(
            sweep(root.path(), false),
            1,
            "its own leftovers, with no run open"
        );
        assert!(!own.exists());
    }

    #[test]
    fn the_default_is_in_memory_where_there_is_memory() {
        let dir = default_dir();
        if std::env::var_os("XDG_RUNTIME_DIR").is_none() && Path::new("/dev/shm").is_dir() {
            assert!(dir.starts_with("/dev/shm"), "{}", dir.display());
        }
    }
}
