//! Many attempts at once through a real `ferry serve`, on SQLite and on PostgreSQL: a worker
//! fills `worker.max_concurrent_attempts` slots and no more, a check is answered while every
//! slot is busy, a cancel stops its attempt's connector processes and frees the slot, SIGTERM
//! drains every running attempt and hands the jobs back, and after a kill -9 with every slot
//! busy no job is lost and none runs twice at once. The attempts are the built-in sample
//! source at 20 records a second (it would run for years), into local-json.
//!
//! On PostgreSQL, two `ferry worker` processes beside an API without a worker: with every slot
//! of both busy, one is killed with -9; the survivor fails its attempts as orphans and runs
//! their jobs again, every job succeeds with all its records, and no job ever runs on both
//! workers or twice at once (the attempts' directories and connector processes of each worker
//! say which ran what).

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

/// Slots of each `ferry worker` in the two-worker test.
const WORKER_SLOTS: usize = 2;
/// Records per stream of its syncs, at `WORKER_RATE` a second: three streams, 15 s a sync,
/// long enough for both workers to fill their slots and one to be killed mid-sync.
const WORKER_COUNT: u64 = 50;
const WORKER_RATE: u64 = 10;

/// A `ferry worker` on `api`'s database with `WORKER_SLOTS` slots, in a directory of its own:
/// its attempts' directories (`data/jobs/<job>/<attempt>`, its connectors' working
/// directories) and its local-json output say which worker ran what. Started;
/// [`wait_until_working`] waits for it.
fn worker_on(api: &Ferry) -> Ferry {
    let mut worker = Ferry::builder(TestBackend::Postgres)
        .database(api.test_database())
        .setting(
            "worker",
            &format!("max_concurrent_attempts = {WORKER_SLOTS}"),
        )
        .setting("worker", "stale_after_secs = 5")
        .setting("worker", "retry_backoff_secs = 1")
        .setting("worker", "shutdown_grace_secs = 1")
        .configure();
    worker.spawn(&["worker"]);
    worker
}

/// Waits until `worker` (a `ferry worker` process) has started its worker.
fn wait_until_working(worker: &Ferry) {
    let pid = worker.pid();
    wait_for(
        &format!("ferry worker (pid {pid}) to log \"worker started\""),
        PATIENCE,
        || {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| Some(s.rsplit_once(')')?.1.split_whitespace().next()?.to_string()));
            if !matches!(state.as_deref(), Some(s) if s != "Z") {
                panic!(
                    "ferry worker (pid {pid}) exited; its log ends:\n{}",
                    common::tail(&worker.log_path(), 40)
                );
            }
            match worker.log().contains("worker started") {
                true => Ok(()),
                false => Err(common::tail(&worker.log_path(), 10)),
            }
        },
    );
}

/// `count` connections of a slow sample source that ends (`WORKER_COUNT` records per stream at
/// `WORKER_RATE` a second), each into its own local-json path `w<i>`; a sync of each queued.
/// Returns the jobs, by connection.
fn queue_finite_slow_syncs(ferry: &Ferry, count: usize) -> Vec<i64> {
    let source = ferry.ok(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": ferry.builtin("source", "ferry/source-sample"),
                "name": "slow but finite",
                "connectionConfiguration": { "count": WORKER_COUNT, "records_per_second": WORKER_RATE } }),
    )["sourceId"]
        .clone();
    let schema =
        ferry.ok("sources/discover_schema", json!({ "sourceId": source }))["schema"].clone();
    let files = ferry.builtin("destination", "ferry/destination-local-json");
    let connections: Vec<Value> = (0..count)
        .map(|i| {
            let destination = ferry.ok(
                "destinations/create",
                json!({ "workspaceId": WORKSPACE, "destinationDefinitionId": files,
                        "name": format!("w{i}"), "connectionConfiguration": { "destination_path": format!("w{i}") } }),
            )["destinationId"]
                .clone();
            ferry.ok(
                "connections/create",
                json!({ "name": format!("slow {i}"), "sourceId": source, "destinationId": destination,
                        "syncMode": "full_refresh", "syncSchema": schema, "status": "active" }),
            )["connectionId"]
                .clone()
        })
        .collect();
    connections
        .iter()
        .map(|connection| {
            ferry.ok("connections/sync", json!({ "connectionId": connection }))["job"]["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

/// The source processes now under each worker's attempts directory, by job; panics if a job
/// has two at once, in one worker or across both (its attempt would run twice).
fn sources_by_worker(dirs: &[std::path::PathBuf; 2]) -> [BTreeMap<i64, usize>; 2] {
    let seen = [sources_by_job(&dirs[0]), sources_by_job(&dirs[1])];
    for (job, n) in seen.iter().flatten() {
        assert_eq!(
            *n, 1,
            "job {job} has {n} source processes in one worker: {seen:?}"
        );
        assert!(
            !(seen[0].contains_key(job) && seen[1].contains_key(job)),
            "job {job} runs on both workers at once: {seen:?}"
        );
    }
    seen
}

/// Which worker directories hold the attempt directory `<job>/<number>`: 0, 1 or both.
fn ran_in(dirs: &[std::path::PathBuf; 2], job: i64, number: i64) -> Vec<usize> {
    (0..2)
        .filter(|w| {
            dirs[*w]
                .join(job.to_string())
                .join(number.to_string())
                .is_dir()
        })
        .collect()
}

#[test]
fn two_workers_on_one_postgres_kill_9_of_one_loses_nothing_and_runs_nothing_twice() {
    let started = Instant::now();
    // The API alone, and two workers on its database: the survivor (0) and the killed (1).
    let api = Ferry::builder(TestBackend::Postgres)
        .setting("worker", "enabled = false")
        .start();
    let survivor = worker_on(&api);
    let mut killed = worker_on(&api);
    wait_until_working(&survivor);
    wait_until_working(&killed);
    let dirs = [
        survivor.dir.path().join("data/jobs"),
        killed.dir.path().join("data/jobs"),
    ];
    let jobs = queue_finite_slow_syncs(&api, 2 * WORKER_SLOTS);

    // Every slot of both workers busy: each runs WORKER_SLOTS attempts, with their sources.
    let seen = wait_for(
        &format!("both workers to run {WORKER_SLOTS} attempts each, with their source processes"),
        PATIENCE,
        || {
            let seen = sources_by_worker(&dirs);
            let now = statuses(&api, &jobs);
            match seen.iter().all(|s| s.len() == WORKER_SLOTS)
                && count(&now, "running") == jobs.len()
            {
                true => Ok(seen),
                false => Err(format!(
                    "source processes by worker and job {seen:?}; jobs {now:?}"
                )),
            }
        },
    );
    let survivor_jobs: Vec<i64> = seen[0].keys().copied().collect();
    let killed_jobs: Vec<i64> = seen[1].keys().copied().collect();

    // kill -9 of the second worker mid-sync: its connectors go with it (their pipes close).
    let kill = Instant::now();
    killed.stop_with("KILL");
    wait_for(
        "the killed worker's source processes to exit",
        PATIENCE,
        || match sources_by_worker(&dirs)[1].clone() {
            left if left.is_empty() => Ok(()),
            left => Err(format!("{left:?}")),
        },
    );

    // The survivor fails the killed worker's attempts once their heartbeats are stale, and
    // runs their jobs again once its own slots free; nothing is lost or runs twice meanwhile.
    let (mut orphans_failed, mut orphans_retried) = (None, None);
    let infos = wait_for(
        "every job to succeed, the killed worker's on their second attempt",
        PATIENCE,
        || {
            let seen = sources_by_worker(&dirs);
            assert!(seen[1].is_empty(), "the killed worker runs: {seen:?}");
            let mut infos = BTreeMap::new();
            let mut waiting = Vec::new();
            for id in &jobs {
                let info = api.ok("jobs/get", json!({ "id": id }));
                let attempts = info["attempts"].as_array().unwrap();
                let running = attempts
                    .iter()
                    .filter(|a| a["attempt"]["status"] == "running")
                    .count();
                assert!(running <= 1, "job {id} runs twice: {info}");
                let status = info["job"]["status"].as_str().unwrap().to_string();
                assert!(
                    !common::ended(&info["job"]["status"]) || status == "succeeded",
                    "job {id} was lost: {info}"
                );
                let all_ended = attempts.iter().all(|a| a["attempt"]["endedAt"].is_i64());
                if status != "succeeded" || !all_ended {
                    waiting.push(common::job_summary(&info));
                }
                infos.insert(*id, info);
            }
            let attempts_of = |id: &i64| infos[id]["attempts"].as_array().unwrap().clone();
            let failed = killed_jobs
                .iter()
                .all(|id| attempts_of(id)[0]["attempt"]["status"] == "failed");
            if failed && orphans_failed.is_none() {
                orphans_failed = Some(kill.elapsed());
            }
            let retried = killed_jobs.iter().all(|id| attempts_of(id).len() > 1);
            if retried && orphans_retried.is_none() {
                orphans_retried = Some(kill.elapsed());
            }
            match waiting.is_empty() {
                true => Ok(infos),
                false => Err(format!(
                    "{} of {} jobs not done: {}\nsource processes by worker and job {seen:?}",
                    waiting.len(),
                    jobs.len(),
                    waiting.join("\n")
                )),
            }
        },
    );

    // What each job ran, and where.
    for id in &survivor_jobs {
        let info = &infos[id];
        let attempts = info["attempts"].as_array().unwrap();
        assert_eq!(
            attempts.len(),
            1,
            "the survivor's job {id} ran once: {info}"
        );
        assert_eq!(attempts[0]["attempt"]["status"], "succeeded", "{info}");
        assert_eq!(
            ran_in(&dirs, *id, 0),
            [0],
            "job {id}'s attempt ran on the survivor only"
        );
    }
    for id in &killed_jobs {
        let info = &infos[id];
        let attempts = info["attempts"].as_array().unwrap();
        assert_eq!(
            attempts.len(),
            2,
            "the killed worker's job {id} ran again once: {info}"
        );
        let (first, second) = (&attempts[0], &attempts[1]);
        assert_eq!(first["attempt"]["status"], "failed", "{info}");
        assert!(
            first["logs"]["logLines"]
                .to_string()
                .contains("stopped sending heartbeats"),
            "job {id}'s first attempt was failed as an orphan: {info}"
        );
        assert_eq!(second["attempt"]["status"], "succeeded", "{info}");
        assert!(
            first["attempt"]["endedAt"].as_i64() <= second["attempt"]["createdAt"].as_i64(),
            "job {id}'s second attempt started after its first ended: {info}"
        );
        assert_eq!(
            ran_in(&dirs, *id, 0),
            [1],
            "job {id}'s first attempt ran on the killed worker only"
        );
        assert_eq!(
            ran_in(&dirs, *id, 1),
            [0],
            "job {id}'s second attempt ran on the survivor only"
        );
    }
    // Nothing lost: every connection's records, every stream, all written by the survivor.
    let all: Vec<u64> = (1..=WORKER_COUNT).collect();
    for i in 0..jobs.len() {
        let out = survivor.local_json(&format!("w{i}"));
        for stream in ["users", "orders", "events"] {
            assert_eq!(
                common::ids_on_disk(&out, stream),
                all,
                "{}: {stream}",
                out.display()
            );
        }
    }
    assert!(
        survivor
            .log()
            .contains("failed attempts orphaned by a stopped worker"),
        "the survivor logged the orphans it failed:\n{}",
        common::tail(&survivor.log_path(), 40)
    );
    println!(
        "kill -9 to the killed worker's attempts failed: {:?}, to their jobs running again on \
         the survivor: {:?}; the whole test: {:?}",
        orphans_failed.unwrap_or_default(),
        orphans_retried.unwrap_or_default(),
        started.elapsed()
    );
}
