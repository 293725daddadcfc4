//! The benchmark's `ferry serve`: the tests' one process harness (`tests/common/ferry.rs`)
//! with only what a user would configure (its address, the database, auth off), nothing
//! but its configuration file (no `FERRY_*` variable reaches it), its log discarded; and
//! what the benchmark reads of the running process (resident memory, threads).

use crate::common::ferry::{Ferry as Process, Log};
use ferry_persistence::testing::{TestBackend, TestDatabase};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

pub struct Ferry {
    pub addr: SocketAddr,
    /// From the spawn to the first answer of `health` (migrations included).
    pub start_to_first_answer: Duration,
    process: Process,
}

impl Ferry {
    /// Starts `binary serve` on `database` (of `backend`) and waits for its first answer.
    /// `FERRY_BENCH_POOL` tries another pool size than the default.
    pub fn start(binary: &Path, backend: TestBackend, database: &TestDatabase) -> Ferry {
        let mut builder = Process::plain(backend)
            .binary(binary)
            .database(database)
            .setting("auth", "enabled = false")
            .clear_ferry_env()
            .log(Log::Discard);
        if let Ok(pool) = std::env::var("FERRY_BENCH_POOL") {
            builder = builder.setting("database", &format!("max_connections = {pool}"));
        }
        let process = builder.start();
        Ferry {
            addr: SocketAddr::from(([127, 0, 0, 1], process.port)),
            start_to_first_answer: process.start_to_first_answer(),
            process,
        }
    }

    pub fn pid(&self) -> u32 {
        self.process.pid()
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
