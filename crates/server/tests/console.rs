//! The web console (`/console/`, files under `console/public/`) in a real browser: a real
//! `ferry serve` with auth on, and `console/tests/console.spec.mjs` driving Debian's
//! chromium through Playwright (`playwright-core`, pinned in `console/package-lock.json`).
//!
//! Needs node (with npm) and chromium. Without them the tests skip with a loud message, and
//! fail when the environment variable CI is set: CI must run them (`.ci/run` installs
//! chromium and runs `npm ci` in `console/`). Screenshots of every page go to
//! `target/console-screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ferry::Ferry;
use ferry_persistence::testing::TestBackend;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn console_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../console")
}

/// The chromium binary: `FERRY_TEST_CHROMIUM`, else Debian's.
fn chromium() -> Option<PathBuf> {
    let candidates = std::env::var_os("FERRY_TEST_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from));
    candidates.into_iter().find(|path| path.is_file())
}

fn answers(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether the browser tests can run. When they cannot: a loud skip, or a failure under CI.
fn browser_ready() -> Option<PathBuf> {
    let missing: Vec<&str> = [
        (!answers("node")).then_some("node"),
        (!answers("npm")).then_some("npm"),
        chromium()
            .is_none()
            .then_some("chromium (/usr/bin/chromium)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if missing.is_empty() {
        return chromium();
    }
    let why = format!(
        "{} not found: the console's browser tests cannot run",
        missing.join(", ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{why}; CI must run them (.ci/run installs chromium and nodejs)");
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!!!!!\n!!! SKIPPED: the console's browser tests (crates/server/tests/console.rs): \
         {why}.\n!!! Install them (as root: `apt-get install -y chromium nodejs npm`) to run \
         them; with CI set they fail instead.\n!!!!!!!!\n"
    );
    None
}

/// `npm ci` in `console/`, once per test run: exactly the versions the lock file pins, their
/// integrity checked against it.
fn npm_ci() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        let output = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(console_dir())
            .output()
            .map_err(|e| format!("npm ci: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "npm ci in console/ failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    });
    if let Err(why) = result {
        panic!("{why}");
    }
}

/// The committed vendored files are the npm package's, byte for byte (no hand edits, and
/// bumping the pinned version means copying the new files in).
#[test]
fn the_vendored_files_are_the_pinned_npm_packages() {
    if browser_ready().is_none() {
        return;
    }
    npm_ci();
    let dir = console_dir();
    let vendored = [(
        "public/vendor/htm-preact-standalone.mjs",
        "node_modules/htm/preact/standalone.module.js",
    )];
    for (committed, from_npm) in vendored {
        let committed_bytes = std::fs::read(dir.join(committed)).unwrap();
        let npm_bytes = std::fs::read(dir.join(from_npm)).unwrap();
        assert!(
            committed_bytes == npm_bytes,
            "console/{committed} differs from console/{from_npm} (the version package-lock.json pins): \
             copy it in again"
        );
    }
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package-lock.json")).unwrap())
            .unwrap();
    let package: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
    for (name, version) in package["devDependencies"].as_object().unwrap() {
        assert_eq!(
            &lock["packages"][format!("node_modules/{name}")]["version"],
            version,
            "{name} is pinned to one exact version in package.json and the lock"
        );
    }
}

#[test]
fn the_console_in_a_real_browser() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    npm_ci();
    // Auth on, on a fresh SQLite database; the fixture connector's spec has secrets and a
    // oneOf.
    let mut server = Ferry::builder(TestBackend::Sqlite)
        .setting("auth", "enabled = true")
        .fixture_connector()
        .configure();
    server.admin(&[
        "users",
        "create",
        "--email",
        "admin@example.com",
        "--name",
        "Ada Admin",
        "--instance-admin",
    ]);
    let admin = server.admin(&["applications", "create", "--user", "admin@example.com"]);
    let reader_user = server.admin(&[
        "users",
        "create",
        "--email",
        "reader@example.com",
        "--name",
        "Rita Reader",
    ]);
    let reader = server.admin(&["applications", "create", "--user", "reader@example.com"]);
    server.serve();

    let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("console-screenshots");
    let text = |v: &Value| v.as_str().unwrap().to_string();
    let output = Command::new("node")
        .arg(console_dir().join("tests/console.spec.mjs"))
        .current_dir(console_dir())
        .env("FERRY_URL", format!("http://127.0.0.1:{}", server.port))
        .env("ADMIN_CLIENT_ID", text(&admin["clientId"]))
        .env("ADMIN_CLIENT_SECRET", text(&admin["clientSecret"]))
        .env("READER_USER_ID", text(&reader_user["userId"]))
        .env("READER_CLIENT_ID", text(&reader["clientId"]))
        .env("READER_CLIENT_SECRET", text(&reader["clientSecret"]))
        .env("SCREENSHOTS", &screenshots)
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    let log = server.log();
    assert!(
        output.status.success(),
        "the browser scenario failed (screenshots so far in {}):\n{stdout}\n{stderr}\n\
         --- ferry's log (last lines) ---\n{}",
        screenshots.display(),
        log.lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(stdout.contains("console: passed"), "{stdout}");
    // The records the console watched being synced are on disk (then a sync of many more
    // was cancelled, which may have appended some).
    let out = server.local_json("console-test");
    let users = std::fs::read_to_string(out.join("users.jsonl")).unwrap();
    let first: Vec<u64> = users
        .lines()
        .take(500)
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(first, (1..=500).collect::<Vec<u64>>());
    assert!(
        !out.join("events.jsonl").exists(),
        "events was not selected"
    );
}
