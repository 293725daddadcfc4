//! The one `ferry` process harness of the binary-level tests: a configuration file written
//! from defaults plus the settings a test names, `ferry serve` started in a temporary
//! directory on a fresh database and waited for, admin commands, requests, signals, and the
//! process killed when the harness drops.

use super::{http, tail, wait_for, wait_until_healthy, PATIENCE};
use ferry_persistence::testing::{TestBackend, TestDatabase};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// The settings of a `ferry` to start: TOML sections, each a list of `key = value` lines. A
/// line for a key the defaults set replaces it.
pub struct FerryBuilder {
    backend: TestBackend,
    sections: BTreeMap<String, Vec<String>>,
}

impl FerryBuilder {
    /// Sets `line` (`key = value`, TOML) in `section` (`worker`, `connectors.commands`, ...).
    pub fn setting(mut self, section: &str, line: &str) -> Self {
        let key = line
            .split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let lines = self.sections.entry(section.to_string()).or_default();
        lines.retain(|l| l.split('=').next().unwrap_or_default().trim() != key);
        lines.push(line.to_string());
        self
    }

    /// Writes the configuration and the directory, without starting the server (for admin
    /// commands that must run first); [`Ferry::serve`] starts it.
    pub fn configure(self) -> Ferry {
        let database = TestDatabase::empty(self.backend);
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let builder = self
            .setting("server", &format!("listen = \"127.0.0.1:{port}\""))
            .setting("database", &format!("url = \"{}\"", database.url))
            .setting("secrets", &format!("key = \"{}\"", database.secrets_key));
        let text: String = builder
            .sections
            .iter()
            .map(|(section, lines)| format!("[{section}]\n{}\n", lines.join("\n")))
            .collect();
        let config = dir.path().join("ferry.toml");
        std::fs::write(&config, text).unwrap();
        Ferry {
            child: None,
            port,
            dir,
            config,
            _database: database,
        }
    }

    /// Writes the configuration and starts `ferry serve`; returns once it answers.
    pub fn start(self) -> Ferry {
        let mut ferry = self.configure();
        ferry.serve();
        ferry
    }
}

/// A `ferry` of the tests: its port, directory (the working directory, so `data/` is there)
/// and process.
pub struct Ferry {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    config: PathBuf,
    _database: TestDatabase,
}

impl Ferry {
    /// Defaults every test shares: two HTTP workers, a worker that looks for jobs five times
    /// a second and beats every second, connectors as local processes.
    pub fn builder(backend: TestBackend) -> FerryBuilder {
        FerryBuilder {
            backend,
            sections: BTreeMap::new(),
        }
        .setting("server", "workers = 2")
        .setting("worker", "poll_interval_ms = 200")
        .setting("worker", "heartbeat_secs = 1")
        .setting("connectors", "docker = false")
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("ferry.log")
    }

    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// Starts `ferry serve` (again, after a stop), logging to `ferry.log`, and waits until it
    /// answers.
    pub fn serve(&mut self) {
        assert!(self.child.is_none(), "ferry is running already");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(["--config", self.config.to_str().unwrap(), "serve"])
            .env_remove("RUST_LOG")
            .current_dir(self.dir.path())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let log = self.log_path();
        wait_until_healthy(self.port, self.child.insert(child), &log);
    }

    /// The process id of the running server.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("ferry is running").id()
    }

    /// Runs `ferry <args>` (an admin command) on the same configuration; its JSON output.
    pub fn admin(&self, args: &[&str]) -> Value {
        let output = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(["--config", self.config.to_str().unwrap()])
            .args(args)
            .env_remove("RUST_LOG")
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "ferry {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// `POST /api/v1/<path>`: the status and the body.
    pub fn post(&self, path: &str, body: Value) -> (u16, Value) {
        http(self.port, "POST", &format!("/api/v1/{path}"), Some(&body)).unwrap()
    }

    /// `POST /api/v1/<path>` that must answer 200; the body.
    #[track_caller]
    pub fn ok(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.post(path, body);
        assert_eq!(status, 200, "{path}: {answer}");
        answer
    }

    /// Sends `signal` (`TERM`, `KILL`, ...) to the server and waits for it to exit.
    pub fn stop_with(&mut self, signal: &str) -> ExitStatus {
        let mut child = self.child.take().expect("ferry is running");
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} {}", child.id());
        let log = self.log_path();
        wait_for(
            &format!("ferry to exit after SIG{signal}"),
            PATIENCE,
            || {
                child
                    .try_wait()
                    .unwrap()
                    .ok_or_else(|| format!("still running; its log ends:\n{}", tail(&log, 20)))
            },
        )
    }
}

impl Drop for Ferry {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
