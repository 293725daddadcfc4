//! Connectors in containers, through a real docker daemon. Ferry's own connectors are put
//! into images with `docker import` (the `ferry` binary and the libraries `ldd` lists; no
//! registry), registered under repositories that no command maps, and driven through `ferry
//! serve` on SQLite and PostgreSQL: spec, check, discover, syncs (the second from the first's
//! state), a reset and a cancelled sync. The launcher's timeouts and a dropped run are
//! driven directly, with an image that never answers. Every test labels its containers
//! `ferry.test=<its id>` and ends with none left, running or not.
//!
//! Without a daemon (`docker info` fails) the tests skip with a loud message, and fail when
//! the environment variable CI is set: CI must run them (`.ci/run` starts `dockerd`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ferry::Ferry;
use ferry_persistence::testing::TestBackend;
use ferry_worker::launcher::{Arg, Image, Launcher, LauncherSettings, RuntimeError};
use ferry_worker::sync::{run_reset, run_sync, Progress, SyncEnd, SyncPlan};
use ferry_worker::ContainerSettings;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

const WORKSPACE: &str = "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6";

/// The label the tests put on their images, so that old ones can be pruned.
const IMAGE_LABEL: &str = "ferry.test-image";

/// Whether docker answers. When it does not: a loud skip, or a failure under CI.
fn docker_ready() -> bool {
    let answered = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !answered {
        let why = "`docker info` failed: no docker daemon to run the container tests against";
        if std::env::var_os("CI").is_some() {
            panic!("{why}; CI must run them (.ci/run installs docker.io and starts dockerd)");
        }
        // Once, and past the test harness's capture (which only takes the print macros),
        // so that the skip shows in a plain `cargo test`.
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!!!!!!!\n!!! SKIPPED: the container tests (crates/server/tests/docker.rs): \
                 {why}.\n!!! Start one (as root: `dockerd &`) to run them; with CI set they \
                 fail instead.\n!!!!!!!!\n"
            );
        });
    }
    answered
}

/// Runs docker; panics with its stderr unless it succeeds; returns its stdout.
fn docker(args: &[&str]) -> String {
    let output = Command::new("docker").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The containers (running or not) that carry the test label `id`.
fn containers(id: &str) -> Vec<String> {
    docker(&[
        "ps",
        "-a",
        "-q",
        "--filter",
        &format!("label=ferry.test={id}"),
    ])
    .split_whitespace()
    .map(String::from)
    .collect()
}

fn assert_no_containers(id: &str, when: &str) {
    let left = containers(id);
    assert!(
        left.is_empty(),
        "{when}: containers left behind: {left:?}: {}",
        docker(&["ps", "-a", "--filter", &format!("label=ferry.test={id}")])
    );
}

/// Waits until the containers labelled `id` number `count`.
fn wait_for_containers(id: &str, count: usize) -> Vec<String> {
    common::wait_for(
        &format!("{count} containers labelled ferry.test={id}"),
        common::PATIENCE,
        || {
            let found = containers(id);
            match found.len() == count {
                true => Ok(found),
                false => Err(format!("{} containers: {found:?}", found.len())),
            }
        },
    )
}

/// The test images, all made of one tarball: the source, the destination (confined to
/// `/local`) and a connector that never answers.
struct Images {
    tag: String,
}

impl Images {
    const SOURCE: &'static str = "ferry-test/source-sample";
    const DESTINATION: &'static str = "ferry-test/destination-local-json";
    const HANG: &'static str = "ferry-test/hang";

    fn image(&self, repository: &str) -> Image {
        Image {
            repository: repository.to_string(),
            tag: self.tag.clone(),
        }
    }
}

fn images() -> &'static Images {
    static IMAGES: OnceLock<Images> = OnceLock::new();
    IMAGES.get_or_init(build_images)
}

/// Imports the test images, unless this build of `ferry` already has them (their tag
/// names the binary's size and modification time).
fn build_images() -> Images {
    let binary = Path::new(env!("CARGO_BIN_EXE_ferry"));
    let metadata = std::fs::metadata(binary).unwrap();
    let modified = metadata
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let images = Images {
        tag: format!("b{}-{modified}", metadata.len()),
    };
    // Images of earlier builds go once unused for an hour (only the tests' own, by label).
    docker(&[
        "image",
        "prune",
        "-a",
        "-f",
        "--filter",
        &format!("label={IMAGE_LABEL}"),
        "--filter",
        "until=1h",
    ]);
    let entrypoints = [
        (
            Images::SOURCE,
            r#"["/ferry", "connector", "source-sample"]"#,
        ),
        (
            Images::DESTINATION,
            r#"["/ferry", "connector", "destination-local-json", "--root", "/local"]"#,
        ),
        // The launcher's arguments become $0, $1...: ignored.
        (Images::HANG, r#"["/bin/sh", "-c", "sleep 3600", "hang"]"#),
    ];
    let names: Vec<String> = entrypoints
        .iter()
        .map(|(repository, _)| images.image(repository).to_string())
        .collect();
    let present = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}"])
        .args(&names)
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return images;
    }
    let started = Instant::now();
    let tarball = root_filesystem(binary);
    for ((_, entrypoint), name) in entrypoints.iter().zip(&names) {
        docker(&[
            "import",
            "--change",
            &format!("ENTRYPOINT {entrypoint}"),
            "--change",
            &format!("LABEL {IMAGE_LABEL}=1"),
            tarball.to_str().unwrap(),
            name,
        ]);
    }
    let size: u64 = docker(&["image", "inspect", "--format", "{{.Size}}", &names[0]])
        .trim()
        .parse()
        .unwrap();
    eprintln!(
        "docker import: {} images in {:.1} s; each {:.1} MB (tarball {:.1} MB)",
        names.len(),
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6,
        std::fs::metadata(&tarball).unwrap().len() as f64 / 1e6,
    );
    std::fs::remove_file(&tarball).unwrap();
    images
}

/// A tarball of a root filesystem holding `/ferry` (stripped of debug information), `/bin/sh`
/// and `/bin/sleep` (for the connector that hangs), the shared libraries `ldd` lists for
/// them, and `/tmp`.
fn root_filesystem(binary: &Path) -> PathBuf {
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let root = work.path().join("root");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    let ferry = root.join("ferry");
    std::fs::copy(binary, &ferry).unwrap();
    // Only smaller: a binary that keeps its debug information works the same.
    let _ = Command::new("strip")
        .args(["--strip-debug", ferry.to_str().unwrap()])
        .status();
    std::fs::copy("/bin/sh", root.join("bin/sh")).unwrap();
    std::fs::copy("/bin/sleep", root.join("bin/sleep")).unwrap();
    for program in ["ferry", "bin/sh", "bin/sleep"] {
        let ldd = Command::new("ldd")
            .arg(root.join(program))
            .output()
            .unwrap();
        assert!(ldd.status.success(), "ldd {program}");
        // `libx.so.1 => /lib/.../libx.so.1 (0x...)` and `/lib64/ld-linux-x86-64.so.2 (0x...)`
        for library in String::from_utf8(ldd.stdout)
            .unwrap()
            .split_whitespace()
            .filter(|word| word.starts_with('/'))
        {
            let target = root.join(library.trim_start_matches('/'));
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(library, &target).unwrap();
        }
    }
    let tarball = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "ferry-test-image-{}.tar",
        uuid::Uuid::new_v4().simple()
    ));
    let status = Command::new("tar")
        .args(["--numeric-owner", "--owner=0", "--group=0", "-C"])
        .arg(&root)
        .arg("-cf")
        .arg(&tarball)
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success(), "tar");
    tarball
}

/// A `ferry serve` whose connectors run in containers labelled `ferry.test=<id>`: the
/// server and its id.
fn start(backend: TestBackend) -> (Ferry, String) {
    let id = uuid::Uuid::new_v4().to_string();
    let ferry = Ferry::builder(backend)
        .setting("connectors", "docker = true")
        .setting("connectors", "timeout_secs = 120")
        .setting("connectors.container", "mount_local_root = true")
        .setting("connectors.container", "memory_mb = 512")
        .setting("connectors.container", "cpus = 1.0")
        .setting(
            "connectors.container.labels",
            &format!("\"ferry.test\" = \"{id}\""),
        )
        .start();
    (ferry, id)
}

/// Waits until the job has ended and its attempt too (its end recorded); returns its
/// JobInfoRead.
fn wait_for_end(server: &Ferry, job: &Value) -> Value {
    let info = common::wait_for_job(server.port, job);
    assert!(info["attempts"][0]["attempt"]["endedAt"].is_i64(), "{info}");
    info
}

/// Runs a job of `connection` (`connections/sync` or `connections/reset`) to success;
/// returns its records synced. No container labelled `id` is left once it ended.
fn run(server: &Ferry, id: &str, verb: &str, connection: &Value) -> i64 {
    let job = server.ok(
        &format!("connections/{verb}"),
        json!({ "connectionId": connection }),
    )["job"]["id"]
        .clone();
    let info = wait_for_end(server, &job);
    assert_eq!(
        info["job"]["status"],
        "succeeded",
        "{info}\n{}",
        server.log()
    );
    assert_no_containers(id, &format!("after {verb} job {job}"));
    info["attempts"][0]["attempt"]["recordsSynced"]
        .as_i64()
        .unwrap()
}

fn scenario(backend: TestBackend) {
    if !docker_ready() {
        return;
    }
    let images = images();
    let (server, id) = start(backend);
    let source_definition = server.ok(
        "source_definitions/create",
        json!({ "name": "Sample in a container", "dockerRepository": Images::SOURCE,
                "dockerImageTag": images.tag, "documentationUrl": "https://docs.ferry.invalid/sample" }),
    )["sourceDefinitionId"]
        .clone();
    let destination_definition = server.ok(
        "destination_definitions/create",
        json!({ "name": "Local JSON in a container", "dockerRepository": Images::DESTINATION,
                "dockerImageTag": images.tag, "documentationUrl": "https://docs.ferry.invalid/local-json" }),
    )["destinationDefinitionId"]
        .clone();

    // spec: no command maps these repositories, so only docker can answer.
    let asked = Instant::now();
    let spec = server.ok(
        "source_definition_specifications/get",
        json!({ "sourceDefinitionId": source_definition }),
    );
    eprintln!(
        "{backend:?}: source_definition_specifications/get through docker: {} ms",
        asked.elapsed().as_millis()
    );
    assert_eq!(
        spec["connectionSpecification"]["properties"]["count"]["type"], "integer",
        "{spec}"
    );
    let spec = server.ok(
        "destination_definition_specifications/get",
        json!({ "destinationDefinitionId": destination_definition }),
    );
    assert!(
        spec["connectionSpecification"]["properties"]["destination_path"].is_object(),
        "{spec}"
    );
    assert_no_containers(&id, "after spec");

    // check and discover get their configuration file in the container.
    let source = server.ok(
        "sources/create",
        json!({ "workspaceId": WORKSPACE, "sourceDefinitionId": source_definition, "name": "sample",
                "connectionConfiguration": { "count": 250, "seed": 5 } }),
    )["sourceId"]
        .clone();
    let check = server.ok("sources/check_connection", json!({ "sourceId": source }));
    assert_eq!(check["status"], "succeeded", "{check}");
    let mut schema =
        server.ok("sources/discover_schema", json!({ "sourceId": source }))["schema"].clone();
    let mut names = Vec::new();
    for stream in schema["streams"].as_array_mut().unwrap() {
        let name = stream["name"].as_str().unwrap().to_string();
        match name.as_str() {
            "users" => stream["syncMode"] = json!("incremental"),
            "orders" => stream["syncMode"] = json!("full_refresh"),
            _ => stream["selected"] = json!(false),
        }
        names.push(name);
    }
    assert_eq!(names, ["users", "orders", "events"]);
    let destination = server.ok(
        "destinations/create",
        json!({ "workspaceId": WORKSPACE, "destinationDefinitionId": destination_definition,
                "name": "files", "connectionConfiguration": { "destination_path": "in-docker" } }),
    )["destinationId"]
        .clone();
    let check = server.ok(
        "destinations/check_connection",
        json!({ "destinationId": destination }),
    );
    assert_eq!(check["status"], "succeeded", "{check}");
    let out = server.local_json("in-docker");
    assert!(
        out.is_dir(),
        "the container's /local/in-docker is the server's local-json root's"
    );
    assert_no_containers(&id, "after check and discover");

    // A sync: records and states come back through the containers, files land on the host.
    let connection = server.ok(
        "connections/create",
        json!({ "sourceId": source, "destinationId": destination, "syncMode": "incremental",
                "syncSchema": schema, "status": "active" }),
    )["connectionId"]
        .clone();
    let all = |n: u64| (1..=n).collect::<Vec<u64>>();
    assert_eq!(run(&server, &id, "sync", &connection), 500);
    assert_eq!(common::ids_on_disk(&out, "users"), all(250));
    assert_eq!(common::ids_on_disk(&out, "orders"), all(250));
    assert!(
        !out.join("events.jsonl").exists(),
        "events was not selected"
    );

    // The second sync starts from the state the first one's destination committed: users
    // gets only the new records; orders, in full refresh, is rewritten.
    server.ok(
        "sources/update",
        json!({ "sourceId": source, "name": "sample",
                "connectionConfiguration": { "count": 300, "seed": 5 } }),
    );
    assert_eq!(run(&server, &id, "sync", &connection), 50 + 300);
    assert_eq!(common::ids_on_disk(&out, "users"), all(300));
    assert_eq!(common::ids_on_disk(&out, "orders"), all(300));

    // A reset through the destination's container empties the files.
    run(&server, &id, "reset", &connection);
    assert!(common::ids_on_disk(&out, "users").is_empty());

    // A long sync, cancelled while records flow: both containers go.
    server.ok(
        "sources/update",
        json!({ "sourceId": source, "name": "sample",
                "connectionConfiguration": { "count": 50_000_000, "seed": 5 } }),
    );
    let job =
        server.ok("connections/sync", json!({ "connectionId": connection }))["job"]["id"].clone();
    server.wait_for_records(&job);
    // While it runs: a source and a destination, without network, limited, as Ferry's user.
    let running = wait_for_containers(&id, 2);
    let inspect = |format: &str| -> Vec<String> {
        let mut args = vec!["inspect", "--format", format];
        args.extend(running.iter().map(String::as_str));
        let mut values: Vec<String> = docker(&args).lines().map(String::from).collect();
        values.sort();
        values
    };
    assert_eq!(inspect("{{.HostConfig.NetworkMode}}"), ["none", "none"]);
    let memory = (512 * 1024 * 1024).to_string();
    assert_eq!(
        inspect("{{.HostConfig.Memory}}"),
        [memory.as_str(), memory.as_str()]
    );
    assert_eq!(
        inspect(r#"{{index .Config.Labels "ferry.connector"}}"#),
        [
            images.image(Images::DESTINATION).to_string(),
            images.image(Images::SOURCE).to_string()
        ]
    );
    let user = own_user();
    assert_eq!(inspect("{{.Config.User}}"), [user.as_str(), user.as_str()]);
    let cancelled = server.ok("jobs/cancel", json!({ "id": job }));
    assert_eq!(cancelled["job"]["status"], "cancelled");
    let info = wait_for_end(&server, &job);
    assert_eq!(info["job"]["status"], "cancelled", "{info}");
    assert_no_containers(&id, "after the cancelled sync");
    let lines = info["attempts"][0]["logs"]["logLines"].to_string();
    assert!(
        lines.contains("cancelled: the connectors were stopped"),
        "{lines}"
    );
    let log = server.log();
    assert!(log.contains("connector container removed"), "{log}");
}

/// `uid:gid` of this process, as the owner of a file it creates.
fn own_user() -> String {
    use std::os::unix::fs::MetadataExt;
    let file = tempfile::NamedTempFile::new().unwrap();
    let metadata = file.as_file().metadata().unwrap();
    format!("{}:{}", metadata.uid(), metadata.gid())
}

#[test]
fn connectors_run_in_containers_on_sqlite() {
    scenario(TestBackend::Sqlite);
}

#[test]
fn connectors_run_in_containers_on_postgres() {
    scenario(TestBackend::Postgres);
}

/// A launcher for the test images alone: only docker, labelled `ferry.test=<id>`.
fn launcher(id: &str, timeout: Duration) -> Launcher {
    Launcher::new(LauncherSettings {
        commands: Default::default(),
        docker: true,
        timeout,
        sync_timeout: timeout,
        container: ContainerSettings {
            labels: [("ferry.test".to_string(), id.to_string())].into(),
            ..ContainerSettings::default()
        },
        config_files_dir: ferry_worker::config_files::default_dir(),
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_timed_out_operation_leaves_no_container() {
    if !docker_ready() {
        return;
    }
    let id = uuid::Uuid::new_v4().to_string();
    let launcher = launcher(&id, Duration::from_secs(8));
    let error = runtime()
        .block_on(launcher.run(&images().image(Images::HANG), &[Arg::Literal("spec")]))
        .unwrap_err();
    assert!(matches!(error, RuntimeError::Timeout { .. }), "{error}");
    // run() returns only once the container is removed.
    assert_no_containers(&id, "after the timed-out spec");
}

#[test]
fn a_timed_out_sync_leaves_no_container() {
    if !docker_ready() {
        return;
    }
    let id = uuid::Uuid::new_v4().to_string();
    let launcher = launcher(&id, Duration::from_secs(8));
    let images = images();
    let plan = SyncPlan {
        source: images.image(Images::HANG),
        source_config: json!({}),
        destination: images.image(Images::DESTINATION),
        destination_config: json!({ "destination_path": "out" }),
        catalog: json!({ "streams": [] }),
        state: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let (logs, _lines) = tokio::sync::mpsc::unbounded_channel();
    let (_cancel, cancelled) = tokio::sync::watch::channel(false);
    let end = runtime()
        .block_on(run_sync(
            &launcher,
            &plan,
            Arc::new(Progress::default()),
            logs,
            dir.path(),
            cancelled,
        ))
        .unwrap();
    match end {
        SyncEnd::Failed { reason } => assert!(reason.contains("ran longer than"), "{reason}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_no_containers(&id, "after the timed-out sync");
}

#[test]
fn a_cancelled_reset_leaves_no_container() {
    if !docker_ready() {
        return;
    }
    let id = uuid::Uuid::new_v4().to_string();
    let launcher = launcher(&id, Duration::from_secs(600));
    let images = images();
    let plan = SyncPlan {
        source: images.image(Images::SOURCE),
        source_config: json!({}),
        destination: images.image(Images::HANG),
        destination_config: json!({}),
        catalog: json!({ "streams": [] }),
        state: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let (logs, _lines) = tokio::sync::mpsc::unbounded_channel();
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    let runtime = runtime();
    let reset = runtime
        .spawn(async move { run_reset(&launcher, &plan, dir.path(), &logs, cancelled).await });
    wait_for_containers(&id, 1);
    cancel.send(true).unwrap();
    let end = runtime.block_on(reset).unwrap().unwrap();
    assert_eq!(end, SyncEnd::Cancelled);
    assert_no_containers(&id, "after the cancelled reset");
}

#[test]
fn a_dropped_run_leaves_no_container() {
    if !docker_ready() {
        return;
    }
    let id = uuid::Uuid::new_v4().to_string();
    let launcher = launcher(&id, Duration::from_secs(60));
    let dir = tempfile::tempdir().unwrap();
    let runtime = runtime();
    let process = runtime
        .block_on(launcher.spawn(
            &images().image(Images::HANG),
            &[Arg::Literal("read")],
            dir.path(),
            true,
        ))
        .unwrap();
    let mut process = process;
    // Running, not only created; named in the same listing, as a container that ended on its
    // own would be gone (--rm) before a second call. Should the docker client end instead, the
    // failure says what it printed.
    let names = common::wait_for("the hanging container to run", common::PATIENCE, || {
        if let Ok(Some(status)) = process.try_wait() {
            let mut stderr = String::new();
            if let Some(mut pipe) = process.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = runtime.block_on(pipe.read_to_string(&mut stderr));
            }
            panic!("the docker client ended ({status}) before the test dropped it: {stderr}");
        }
        let names = docker(&[
            "ps",
            "--filter",
            &format!("label=ferry.test={id}"),
            "--filter",
            "status=running",
            "--format",
            "{{.Names}}",
        ]);
        match names.trim().is_empty() {
            true => Err(docker(&[
                "ps",
                "-a",
                "--filter",
                &format!("label=ferry.test={id}"),
            ])),
            false => Ok(names),
        }
    });
    assert!(names.trim().starts_with("ferry-read-"), "{names}");
    // Killing the docker client alone would leave the container running; dropping the run
    // removes it too (in the background: a drop cannot wait).
    drop(process);
    wait_for_containers(&id, 0);
}

/// How long `spec` takes through docker, against the same connector as a process.
#[test]
fn spec_latency_through_docker() {
    if !docker_ready() {
        return;
    }
    let id = uuid::Uuid::new_v4().to_string();
    let launcher = launcher(&id, Duration::from_secs(120));
    let image = images().image(Images::SOURCE);
    let runtime = runtime();
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let output = runtime
            .block_on(launcher.run(&image, &[Arg::Literal("spec")]))
            .unwrap();
        times.push(started.elapsed());
        assert_eq!(output.exit_code, Some(0), "{:?}", output.logs);
        assert!(
            output
                .messages
                .iter()
                .any(|m| matches!(m, ferry_worker::protocol::AirbyteMessage::Spec { .. })),
            "{output:?}"
        );
    }
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["connector", "source-sample", "spec"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let direct = started.elapsed();
    times.sort();
    eprintln!(
        "spec through docker run: min {} ms, median {} ms, max {} ms (5 runs); as a process: {} ms",
        times[0].as_millis(),
        times[2].as_millis(),
        times[4].as_millis(),
        direct.as_millis()
    );
    assert_no_containers(&id, "after the spec runs");
}
