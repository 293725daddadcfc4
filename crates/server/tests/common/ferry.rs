//! The one `ferry` process harness of the binary-level tests and the benchmarks: a
//! configuration file written from defaults plus the settings a test names, `ferry serve`
//! started in a temporary directory on a fresh database (or one the test gives) and waited
//! for, admin commands, requests, signals, and the process killed when the harness drops.
//!
//! ```ignore
//! let mut ferry = Ferry::builder(backend).setting("worker", "max_attempts = 1").start();
//! let answer = ferry.ok("workspaces/list", json!({}));
//! ferry.stop_with("TERM");
//! ```

use super::{
    free_port, http, http_with, tail, wait_for, wait_for_exit, wait_until_healthy, PATIENCE,
};
use ferry_persistence::testing::{TestBackend, TestDatabase};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// Where the server's output (its log on stdout, anything on stderr) goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Log {
    /// Both appended to `ferry.log` in its directory ([`Ferry::log_path`]), across restarts:
    /// what a failure shows the end of. The default.
    File,
    /// Its log (stdout) to /dev/null, stderr inherited (a panic still shows): for a
    /// benchmark, whose server would log every request.
    Discard,
}

/// The database a `ferry` runs on.
enum Store {
    /// A fresh, empty [`TestDatabase`] of the backend, which the harness holds.
    Fresh(TestBackend),
    /// A database the test holds: its URL and key.
    Given { url: String, key: String },
    /// A SQLite file at this path under the server's directory, which `ferry` creates.
    File(String),
}

/// How a `ferry` process is started: the binary, its environment and its output.
struct Launch {
    binary: PathBuf,
    /// Variables set (`Some`) or removed (`None`), in this order, after `RUST_LOG` (and,
    /// with `clear_ferry_env`, every `FERRY_*` variable) was removed.
    env: Vec<(String, Option<String>)>,
    clear_ferry_env: bool,
    log: Log,
}

impl Launch {
    fn set(&mut self, name: &str, value: Option<&str>) {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.to_string(), value.map(str::to_string)));
    }
}

/// The settings of a `ferry` to start: TOML sections, each a list of `key = value` lines (a
/// line for a key already set replaces it), its database, environment and output.
pub struct FerryBuilder {
    store: Store,
    secrets_key: bool,
    sections: BTreeMap<String, Vec<String>>,
    launch: Launch,
}

impl FerryBuilder {
    /// Sets `line` (`key = value`, TOML) in `section` (`worker`, `connectors.commands`, ...).
    pub fn setting(mut self, section: &str, line: &str) -> Self {
        set(&mut self.sections, section, line);
        self
    }

    /// Runs the connector of `repository` as the command `argv` (`connectors.commands`).
    pub fn connector_command(self, repository: &str, argv: &[&str]) -> Self {
        let argv: Vec<String> = argv.iter().map(|a| toml_string(a)).collect();
        let line = format!("{} = [{}]", toml_string(repository), argv.join(", "));
        self.setting("connectors.commands", &line)
    }

    /// Maps `ferry-test/source-fixture` to the API tests' fixture connector
    /// (`crates/api/tests/connectors/fixture-connector.sh`: a spec with secrets and a oneOf;
    /// its check accepts the password hunter2).
    pub fn fixture_connector(self) -> Self {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../api/tests/connectors/fixture-connector.sh");
        self.connector_command(
            "ferry-test/source-fixture",
            &["sh", fixture.to_str().unwrap()],
        )
    }

    /// Runs on `database`, which the test holds and keeps until the server is gone (one
    /// database for two servers, one the test seeded or reads): its URL and key.
    pub fn database(mut self, database: &TestDatabase) -> Self {
        self.store = Store::Given {
            url: database.url.clone(),
            key: database.secrets_key.clone(),
        };
        self
    }

    /// Runs on a SQLite file at `relative` under its directory (`ferry` creates it), with no
    /// `secrets.key` configured: `ferry` generates one beside it unless `FERRY_SECRETS__KEY`
    /// gives one.
    pub fn sqlite_file(mut self, relative: &str) -> Self {
        self.store = Store::File(relative.to_string());
        self.secrets_key = false;
        self
    }

    /// Configures no `secrets.key` (on PostgreSQL `ferry` then refuses to start unless
    /// `FERRY_SECRETS__KEY` gives one).
    pub fn without_secrets_key(mut self) -> Self {
        self.secrets_key = false;
        self
    }

    /// Sets the variable `name` for every `ferry` command of this server.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.launch.set(name, Some(value));
        self
    }

    /// Removes the variable `name` from every `ferry` command of this server.
    pub fn env_remove(mut self, name: &str) -> Self {
        self.launch.set(name, None);
        self
    }

    /// Removes every `FERRY_*` variable (but those [`FerryBuilder::env`] sets) from its
    /// environment: only its configuration file configures it.
    pub fn clear_ferry_env(mut self) -> Self {
        self.launch.clear_ferry_env = true;
        self
    }

    /// Where its output goes (default [`Log::File`]).
    pub fn log(mut self, log: Log) -> Self {
        self.launch.log = log;
        self
    }

    /// Runs this `ferry` binary instead of the one Cargo built for the tests.
    pub fn binary(mut self, binary: &Path) -> Self {
        self.launch.binary = binary.to_path_buf();
        self
    }

    /// Writes the configuration and the directory, without starting the server (for admin
    /// commands that must run first); [`Ferry::serve`] starts it.
    pub fn configure(self) -> Ferry {
        let FerryBuilder {
            store,
            secrets_key,
            mut sections,
            launch,
        } = self;
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let (database, url, key) = match store {
            Store::Fresh(backend) => {
                let database = TestDatabase::empty(backend);
                let (url, key) = (database.url.clone(), database.secrets_key.clone());
                (Some(database), url, Some(key))
            }
            Store::Given { url, key } => (None, url, Some(key)),
            Store::File(relative) => {
                let path = dir.path().join(relative);
                (None, format!("sqlite://{}", path.display()), None)
            }
        };
        set(
            &mut sections,
            "server",
            &format!("listen = \"127.0.0.1:{port}\""),
        );
        set(
            &mut sections,
            "database",
            &format!("url = {}", toml_string(&url)),
        );
        // Connector configuration files (secrets) go to a folder of the test's, where tests
        // can see them come and go, rather than to the machine's shared memory.
        let config_files_set = sections
            .get("connectors")
            .is_some_and(|lines| lines.iter().any(|l| l.starts_with("config_files_dir")));
        if !config_files_set {
            let root = dir.path().join(CONFIG_FILES_DIR);
            set(
                &mut sections,
                "connectors",
                &format!(
                    "config_files_dir = {}",
                    toml_string(&root.display().to_string())
                ),
            );
        }
        // The tests' webhook receivers and remote servers listen on this machine.
        if !sections.contains_key("outbound") {
            set(&mut sections, "outbound", "allow = [\"127.0.0.0/8\"]");
        }
        if let Some(key) = key.filter(|_| secrets_key) {
            set(&mut sections, "secrets", &format!("key = \"{key}\""));
        }
        let text: String = sections
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
            database_url: url,
            launch,
            start_to_first_answer: Duration::ZERO,
            database,
        }
    }

    /// Writes the configuration and starts `ferry serve`; returns once it answers.
    pub fn start(self) -> Ferry {
        let mut ferry = self.configure();
        ferry.serve();
        ferry
    }
}

/// Where the harness puts connector configuration files, in the server's directory.
const CONFIG_FILES_DIR: &str = "config-files";

/// Sets `line` (`key = value`) in `section`, replacing the line of the same key.
fn set(sections: &mut BTreeMap<String, Vec<String>>, section: &str, line: &str) {
    let key = |line: &str| {
        line.split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let lines = sections.entry(section.to_string()).or_default();
    lines.retain(|l| key(l) != key(line));
    lines.push(line.to_string());
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A `ferry` of the tests: its port, directory (the working directory, so `data/` is there)
/// and process.
pub struct Ferry {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    config: PathBuf,
    database_url: String,
    launch: Launch,
    start_to_first_answer: Duration,
    /// Last, so that it is dropped after the process is killed.
    database: Option<TestDatabase>,
}

impl Ferry {
    /// Defaults every test shares: two HTTP workers, a worker that looks for jobs five times
    /// a second and beats every second, connectors as local processes.
    pub fn builder(backend: TestBackend) -> FerryBuilder {
        Ferry::plain(backend)
            .setting("server", "workers = 2")
            .setting("worker", "poll_interval_ms = 200")
            .setting("worker", "heartbeat_secs = 1")
            .setting("connectors", "docker = false")
    }

    /// Only what the harness needs (its address, database and key): `ferry`'s own defaults
    /// for everything else, as a user would run it.
    pub fn plain(backend: TestBackend) -> FerryBuilder {
        FerryBuilder {
            store: Store::Fresh(backend),
            secrets_key: true,
            sections: BTreeMap::new(),
            launch: Launch {
                binary: PathBuf::from(env!("CARGO_BIN_EXE_ferry")),
                env: Vec::new(),
                clear_ferry_env: false,
                log: Log::File,
            },
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("ferry.log")
    }

    /// Everything it logged so far (empty when it logs elsewhere).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// Its `database.url`.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The fresh test database the harness made for it (a handle with its key).
    pub fn test_database(&self) -> &TestDatabase {
        self.database
            .as_ref()
            .expect("ferry runs on a database the harness made")
    }

    /// The folder its connector configuration files live in (`<pid>/<run>/...`).
    pub fn config_files_root(&self) -> PathBuf {
        self.dir.path().join(CONFIG_FILES_DIR)
    }

    /// Every connector configuration file there now.
    pub fn config_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                match entry.file_type().is_ok_and(|t| t.is_dir()) {
                    true => walk(&entry.path(), found),
                    false => found.push(entry.path()),
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.config_files_root(), &mut found);
        found
    }

    /// Where its local-json destination writes `relative` (its root is `data/local-json` in
    /// the server's working directory).
    pub fn local_json(&self, relative: &str) -> PathBuf {
        self.dir.path().join("data/local-json").join(relative)
    }

    /// Sets (`Some`) or removes (`None`) the variable `name` for its next commands and starts.
    pub fn set_env(&mut self, name: &str, value: Option<&str>) {
        self.launch.set(name, value);
    }

    /// `ferry --config <its configuration> <args>`, in its directory, with its environment;
    /// to run as the test likes.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.launch.binary);
        command
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env_remove("RUST_LOG")
            .current_dir(self.dir.path());
        if self.launch.clear_ferry_env {
            for (name, _) in std::env::vars_os() {
                if name.to_string_lossy().starts_with("FERRY_") {
                    command.env_remove(name);
                }
            }
        }
        for (name, value) in &self.launch.env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        command
    }

    /// Starts `ferry <args>` (`serve`, `worker`) in the background, its output where
    /// [`FerryBuilder::log`] says; waits for nothing. Killed when the harness drops.
    pub fn spawn(&mut self, args: &[&str]) {
        assert!(self.child.is_none(), "ferry is running already");
        let mut command = self.command(args);
        command.stdin(Stdio::null());
        match self.launch.log {
            Log::File => {
                let log = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.log_path())
                    .unwrap();
                command
                    .stdout(Stdio::from(log.try_clone().unwrap()))
                    .stderr(Stdio::from(log))
            }
            Log::Discard => command.stdout(Stdio::null()).stderr(Stdio::inherit()),
        };
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.launch.binary.display()));
        self.child = Some(child);
    }

    /// Starts `ferry serve` (again, after a stop) and waits until it answers.
    pub fn serve(&mut self) {
        let started = Instant::now();
        self.spawn(&["serve"]);
        let log = self.log_path();
        wait_until_healthy(self.port, self.child.as_mut().unwrap(), &log);
        self.start_to_first_answer = started.elapsed();
    }

    /// From the start of the last [`Ferry::serve`] to its first answer (migrations included).
    pub fn start_to_first_answer(&self) -> Duration {
        self.start_to_first_answer
    }

    /// Starts `ferry serve` that must refuse to start: waits for it to exit (not for an
    /// answer) and returns what it printed. Panics if it exits 0.
    pub fn serve_refused(&mut self) -> Output {
        assert!(self.child.is_none(), "ferry is running already");
        let child = self
            .command(&["serve"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Held as the running server, so that a ferry that started after all is killed
        // when the test fails.
        let child = self.child.insert(child);
        let port = self.port;
        let status = wait_for("ferry serve to refuse to start and exit", PATIENCE, || {
            child.try_wait().unwrap().ok_or_else(|| {
                match http(port, "GET", "/api/v1/health", None) {
                    Ok(answer) => format!("it runs, and answers health: {answer:?}"),
                    Err(_) => "it runs".to_string(),
                }
            })
        });
        // It has exited: this reads what it printed and returns at once.
        let output = self.child.take().unwrap().wait_with_output().unwrap();
        assert!(
            !status.success(),
            "ferry serve exited 0: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// The process id of the running server.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("ferry is running").id()
    }

    /// Runs `ferry <args>` (an admin command) on the same configuration; its JSON output.
    pub fn admin(&self, args: &[&str]) -> Value {
        let output = self.command(args).output().unwrap();
        assert!(
            output.status.success(),
            "ferry {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// `POST /api/v1/<path>`: the status and the body.
    pub fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post_with(path, body, None)
    }

    /// [`Ferry::post`] with an `Authorization` header.
    pub fn post_with(&self, path: &str, body: Value, authorization: Option<&str>) -> (u16, Value) {
        http_with(
            self.port,
            "POST",
            &format!("/api/v1/{path}"),
            Some(&body),
            authorization,
        )
        .unwrap()
    }

    /// The id of the built-in definition of `repository` in `family` (`source` or
    /// `destination`), registered once.
    #[track_caller]
    pub fn builtin(&self, family: &str, repository: &str) -> Value {
        let list = self.ok(&format!("{family}_definitions/list"), serde_json::json!({}));
        let found: Vec<&Value> = list[format!("{family}Definitions")]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|d| d["dockerRepository"] == repository)
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(found.len(), 1, "{repository} registered once: {list}");
        found[0][format!("{family}DefinitionId")].clone()
    }

    /// Waits until the first attempt of `job` has moved records (it runs, and data flows).
    #[track_caller]
    pub fn wait_for_records(&self, job: &Value) {
        wait_for(&format!("job {job} to move records"), PATIENCE, || {
            let info = self.ok("jobs/get", serde_json::json!({ "id": job }));
            match info["attempts"][0]["attempt"]["recordsSynced"]
                .as_i64()
                .unwrap_or(0)
            {
                0 => Err(format!(
                    "{}\n--- ferry's log ends:\n{}",
                    super::job_summary(&info),
                    tail(&self.log_path(), 20)
                )),
                _ => Ok(()),
            }
        });
    }

    /// `POST /api/v1/<path>` that must answer 200; the body.
    #[track_caller]
    pub fn ok(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.post(path, body);
        assert_eq!(
            status,
            200,
            "{path}: {answer}\n--- ferry's log ends:\n{}",
            tail(&self.log_path(), 40)
        );
        answer
    }

    /// Sends `signal` (`TERM`, `KILL`, ...) to the server and waits for it to exit.
    /// Still held while it is waited for: one that outlives the wait is killed on drop.
    pub fn stop_with(&mut self, signal: &str) -> ExitStatus {
        let log = self.log_path();
        let child = self.child.as_mut().expect("ferry is running");
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} {}", child.id());
        let status = wait_for_exit(child, &format!("ferry, after SIG{signal},"), &log);
        self.child = None;
        status
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
