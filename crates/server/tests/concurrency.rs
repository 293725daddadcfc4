//! Many attempts at once through a real `ferry serve`, on SQLite and on PostgreSQL: a worker
//! fills `worker.max_concurrent_attempts` slots and no more, a check is answered while every
//! slot is busy, a cancel stops its attempt's connector processes and frees the slot, SIGTERM
//! drains every running attempt and hands the jobs back, and after a kill -9 with every slot
//! busy no job is lost and none runs twice at once. The attempts are the built-in sample
//! source at 20 records a second (it would run for years), into local-json.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ferry::Ferry;
use common::{wait_for, PATIENCE};
use ferry_persistence::testing::TestBackend;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

const WORKSPACE: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";
const SLOTS: usize = 3;
const CONNECTIONS: usize = 5;

/// The source-sample processes running now whose working directory (their attempt's,
/// `<attempts>/<job>/<attempt>`) is under `attempts`: by job id, how many.
fn sources_by_job(attempts: &Path) -> BTreeMap<i64, usize> {
    let attempts = std::fs::canonicalize(attempts).unwrap_or(attempts.to_path_buf());
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if !cmdline.contains("connector source-sample") {
            continue;
        }
        let Ok(cwd) = std::fs::read_link(entry.path().join("cwd")) else {
            continue;
        };
        let job = cwd
            .strip_prefix(&attempts)
            .ok()
            .and_then(|rest| rest.iter().next())
            .and_then(|job| job.to_str()?.parse::<i64>().ok());
        if let Some(job) = job {
            *found.entry(job).or_insert(0) += 1;
        }
    }
    found
}

/// Each job's status, by id.
fn statuses(ferry: &Ferry, jobs: &[i64]) -> BTreeMap<i64, String> {
    jobs.iter()
        .map(|id| {
            let info = ferry.ok("jobs/get", json!({ "id": id }));
            (*id, info["job"]["status"].as_str().unwrap().to_string())
        })
        .collect()
}

fn count(statuses: &BTreeMap<i64, String>, status: &str) -> usize {
    statuses.values().filter(|s| *s == status).count()
}

/// Waits until exactly `running` of `jobs` run and `SLOTS` source processes of running jobs
/// exist; returns the running job ids.
fn wait_for_full_slots(ferry: &Ferry, jobs: &[i64], running: usize) -> Vec<i64> {
    let attempts = ferry.dir.path().join("data/jobs");
    wait_for(
        &format!("{running} jobs running, each with its source process"),
        PATIENCE,
        || {
            let now = statuses(ferry, jobs);
            let processes = sources_by_job(&attempts);
            let running_jobs: Vec<i64> = now
                .iter()
                .filter(|(_, s)| *s == "running")
                .map(|(id, _)| *id)
                .collect();
            let all_have_processes = running_jobs.iter().all(|id| processes.get(id) == Some(&1));
            match running_jobs.len() == running && all_have_processes && processes.len() == running
            {
                true => Ok(running_jobs),
                false => Err(format!(
                    "jobs {now:?}; source processes by job {processes:?}"
                )),
            }
        },
    )
}

/// Five connections of a never-ending slow source; a sync of each queued. Returns the jobs.
fn queue_slow_syncs(ferry: &Ferry) -> (Value, Vec<i64>) {
    let source = ferry.ok(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": ferry.builtin("source", "ferry/source-sample"),
                "name": "slow", "connectionConfiguration": { "count": 1_000_000_000u64, "records_per_second": 20 } }),
    )["sourceId"]
        .clone();
    let destination = ferry.ok(
        "destinations/create",
        json!({ "workspaceId": WORKSPACE,
                "destinationDefinitionId": ferry.builtin("destination", "ferry/destination-local-json"),
                "name": "files", "connectionConfiguration": { "destination_path": "slow" } }),
    )["destinationId"]
        .clone();
    let schema =
        ferry.ok("sources/discover_schema", json!({ "sourceId": source }))["schema"].clone();
    let jobs = (0..CONNECTIONS)
        .map(|i| {
            let connection = ferry.ok(
                "connections/create",
                json!({ "name": format!("slow {i}"), "sourceId": source, "destinationId": destination,
                        "syncMode": "full_refresh", "syncSchema": schema, "status": "active" }),
            )["connectionId"]
                .clone();
            ferry.ok("connections/sync", json!({ "connectionId": connection }))["job"]["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    (source, jobs)
}

fn slots(backend: TestBackend) {
    let mut ferry = Ferry::builder(backend)
        .setting("worker", &format!("max_concurrent_attempts = {SLOTS}"))
        .setting("worker", "shutdown_grace_secs = 1")
        .setting("worker", "stale_after_secs = 4")
        .start();
    let attempts = ferry.dir.path().join("data/jobs");
    let (source, jobs) = queue_slow_syncs(&ferry);

    // Every slot busy, no more: three attempts with their processes, two jobs waiting.
    let running = wait_for_full_slots(&ferry, &jobs, SLOTS);
    let now = statuses(&ferry, &jobs);
    assert_eq!(count(&now, "pending"), CONNECTIONS - SLOTS, "{now:?}");
    let metrics = common::http(ferry.port, "GET", "/api/metrics", None)
        .unwrap()
        .1;
    let metrics = metrics.as_str().unwrap();
    assert!(
        metrics.contains(&format!("ferry_attempt_slots {SLOTS}")),
        "{metrics}"
    );

    // A check is answered while every slot is busy: it never waits for one.
    let check = ferry.ok("sources/check_connection", json!({ "sourceId": source }));
    assert_eq!(check["status"], "succeeded", "{check}");

    // A cancel stops its attempt's connectors, and a waiting job takes the slot.
    let cancelled = running[0];
    let asked = Instant::now();
    ferry.ok("jobs/cancel", json!({ "id": cancelled }));
    wait_for(
        &format!("job {cancelled}'s source process to end"),
        PATIENCE,
        || match sources_by_job(&attempts).get(&cancelled) {
            None => Ok(()),
            Some(n) => Err(format!("{n} still running")),
        },
    );
    println!("cancel to no connector process: {:?}", asked.elapsed());
    let info = common::wait_for_job(ferry.port, &json!(cancelled));
    assert_eq!(info["job"]["status"], "cancelled", "{info}");
    let rest: Vec<i64> = jobs.iter().copied().filter(|id| *id != cancelled).collect();
    let running = wait_for_full_slots(&ferry, &rest, SLOTS);

    // SIGTERM: every running attempt is drained within the grace period, its connectors
    // stopped, and its job handed back at once.
    let status = ferry.stop_with("TERM");
    assert!(status.success(), "ferry exited with {status} after SIGTERM");
    assert_eq!(
        sources_by_job(&attempts),
        BTreeMap::new(),
        "no connector outlives ferry"
    );
    let log = std::fs::read_to_string(ferry.log_path()).unwrap();
    assert!(log.contains("waiting for the running attempts"), "{log}");
    ferry.serve();
    for id in &running {
        let info = ferry.ok("jobs/get", json!({ "id": id }));
        let first = &info["attempts"][0];
        assert_eq!(first["attempt"]["status"], "failed", "{info}");
        let lines = first["logs"]["logLines"].to_string();
        assert!(
            lines.contains("interrupted"),
            "job {id} was handed back: {info}"
        );
    }

    // kill -9 with every slot busy: the orphans are failed and retried, nothing is lost,
    // and no job ever has two attempts running.
    let running = wait_for_full_slots(&ferry, &rest, SLOTS);
    ferry.stop_with("KILL");
    ferry.serve();
    wait_for(
        "the killed attempts to be failed and their jobs run again",
        PATIENCE,
        || {
            let mut waiting = Vec::new();
            for id in &rest {
                let info = ferry.ok("jobs/get", json!({ "id": id }));
                let attempts = info["attempts"].as_array().unwrap();
                let running_attempts = attempts
                    .iter()
                    .filter(|a| a["attempt"]["status"] == "running")
                    .count();
                assert!(running_attempts <= 1, "job {id} runs twice: {info}");
                assert!(
                    !common::ended(&info["job"]["status"]),
                    "job {id} was lost: {info}"
                );
                let orphaned = attempts.iter().any(|a| {
                    a["logs"]["logLines"]
                        .to_string()
                        .contains("stopped sending heartbeats")
                });
                if running.contains(id) && !orphaned {
                    waiting.push(*id);
                }
            }
            match waiting.is_empty() {
                true => Ok(()),
                false => Err(format!("not yet recovered: {waiting:?}")),
            }
        },
    );
    wait_for_full_slots(&ferry, &rest, SLOTS);
    for id in &rest {
        ferry.ok("jobs/cancel", json!({ "id": id }));
    }
    wait_for(
        "every connector to stop",
        PATIENCE,
        || match sources_by_job(&attempts) {
            left if left.is_empty() => Ok(()),
            left => Err(format!("{left:?}")),
        },
    );
}

#[test]
fn slots_fill_cancel_frees_one_sigterm_drains_and_kill_9_loses_nothing_on_sqlite() {
    slots(TestBackend::Sqlite);
}

#[test]
fn slots_fill_cancel_frees_one_sigterm_drains_and_kill_9_loses_nothing_on_postgres() {
    slots(TestBackend::Postgres);
}
