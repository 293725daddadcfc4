//! A `ferry serve` process with a configuration of its own in a temporary directory: auth
//! off, its logs to /dev/null, killed and its directory removed when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Ferry {
    pub addr: SocketAddr,
    /// From the spawn to the first answer of `health` (migrations included).
    pub start_to_first_answer: Duration,
    child: Child,
    _dir: tempfile::TempDir,
}

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address")
}

impl Ferry {
    /// Starts `ferry serve` on `database_url` (secrets under `secrets_key`) and waits for its
    /// first answer.
    pub fn start(binary: &Path, database_url: &str, secrets_key: &str) -> Ferry {
        let dir = tempfile::tempdir().expect("tempdir");
        let addr = free_port();
        let local_json_root = dir.path().join("local-json");
        // FERRY_BENCH_POOL tries another pool size than the default.
        let pool = std::env::var("FERRY_BENCH_POOL")
            .map(|n| format!("max_connections = {n}\n"))
            .unwrap_or_default();
        let config = format!(
            "[server]\nlisten = \"{addr}\"\n\
             [database]\nurl = \"{database_url}\"\n{pool}\
             [worker]\nattempts_dir = \"{jobs}\"\n\
             [connectors]\ndocker = false\nlocal_json_root = \"{root}\"\n\
             [secrets]\nkey = \"{secrets_key}\"\n\
             [auth]\nenabled = false\n",
            jobs = dir.path().join("jobs").display(),
            root = local_json_root.display(),
        );
        let config_file = dir.path().join("ferry.toml");
        std::fs::write(&config_file, config).expect("write the configuration");
        let started = Instant::now();
        let mut command = Command::new(binary);
        command
            .arg("--config")
            .arg(&config_file)
            .arg("serve")
            .current_dir(dir.path())
            .env_remove("RUST_LOG");
        // Only that file configures it.
        for (name, _) in std::env::vars().filter(|(k, _)| k.starts_with("FERRY_")) {
            command.env_remove(name);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut ferry = Ferry {
            addr,
            start_to_first_answer: Duration::ZERO,
            child,
            _dir: dir,
        };
        let deadline = started + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = ferry.child.try_wait() {
                panic!("ferry serve exited with {status} before answering");
            }
            if answers_health(addr) {
                ferry.start_to_first_answer = started.elapsed();
                return ferry;
            }
            assert!(
                Instant::now() < deadline,
                "ferry serve did not answer within 60 s"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory (VmRSS), in bytes.
    pub fn resident_bytes(&self) -> u64 {
        self.status("VmRSS:")
            .and_then(|kib| kib.trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kib| kib * 1024)
            .expect("VmRSS")
    }

    fn status(&self, field: &str) -> Option<String> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .map(|value| value.trim().to_string())
    }

    /// Runs `work` (a load on this server) and then says on stderr how much memory and how
    /// many threads the server holds. With `FERRY_BENCH_PERF=DIR`, `perf record --call-graph dwarf` samples
    /// the server meanwhile into `DIR/<name>.data`, for `perf report -i`.
    pub fn observed<T>(&self, name: &str, work: impl FnOnce() -> T) -> T {
        let perf = std::env::var_os("FERRY_BENCH_PERF").map(|dir| {
            let file = Path::new(&dir).join(format!("{name}.data"));
            Command::new("perf")
                // Ferry's binaries keep no frame pointers: unwind from DWARF.
                .args(["record", "--call-graph", "dwarf,16384", "-F", "199"])
                .args(["-p", &self.pid().to_string(), "-o"])
                .arg(&file)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("perf record")
        });
        let outcome = work();
        if let Some(mut perf) = perf {
            let _ = Command::new("kill")
                .args(["-INT", &perf.id().to_string()])
                .status();
            let _ = perf.wait();
        }
        eprintln!(
            "speed:   {name}: ferry serve holds {} resident, {} threads",
            self.status("VmRSS:").unwrap_or_default(),
            self.status("Threads:").unwrap_or_default()
        );
        outcome
    }
}

fn answers_health(addr: SocketAddr) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let request =
        format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer.starts_with(b"HTTP/1.1 200")
}

impl Drop for Ferry {
    /// SIGTERM, then SIGKILL if it has not stopped within ten seconds.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
