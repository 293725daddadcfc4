//! `destination-local-json`: Ferry's own small destination. It writes each stream's records
//! as JSON lines under a directory and echoes every STATE message back once the records
//! before it are on disk. It ships inside the `ferry` binary
//! (`ferry connector destination-local-json --root DIR spec|check|write ...`).
//!
//! Whoever may edit a destination chooses its `destination_path`, so the path is confined:
//! it is relative to the root the server configures (`connectors.local_json_root`), has no
//! `..` component (the spec's pattern refuses both with a 422), and symlinks are resolved
//! before writing, so a link inside the root cannot lead out of it either.

use crate::protocol::{AirbyteMessage, ConnectionStatus};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Component, Path, PathBuf};

/// The docker repository Ferry registers this destination under.
pub use ferry_domain::actor_definition::LOCAL_JSON_REPOSITORY as REPOSITORY;

pub fn specification() -> Value {
    json!({
        "documentationUrl": "https://docs.ferry.invalid/destinations/local-json",
        "connectionSpecification": {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "title": "Local JSON Destination Spec",
            "type": "object",
            "required": ["destination_path"],
            "additionalProperties": false,
            "properties": {
                "destination_path": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 1024,
                    "pattern": RELATIVE_PATH_PATTERN,
                    "title": "Destination path",
                    "description": "The directory records are written to, one <stream>.jsonl file per stream: a relative path under the server's local-json root (connectors.local_json_root), without '..' components.",
                    "examples": ["exports/users"]
                }
            }
        }
    })
}

/// A relative path whose segments are never `..`: no leading `/`, and each segment is
/// anything but `..` (JSON Schema patterns have no look-ahead, hence the spelled-out forms).
const RELATIVE_PATH_PATTERN: &str =
    r"^(?:[^/.][^/]*|\.|\.[^/.][^/]*|\.\.[^/]+)(?:/(?:[^/.][^/]*|\.|\.[^/.][^/]*|\.\.[^/]+))*/?$";

/// Runs the connector with its command-line arguments; returns the process exit code.
/// `--root DIR` (anywhere among the arguments) is the directory every destination path is
/// confined to.
pub fn run(args: &[String], input: impl BufRead, mut output: impl Write) -> i32 {
    let root = flag(args, "--root");
    let verb = args
        .iter()
        .enumerate()
        .find(|(i, arg)| !arg.starts_with("--") && (*i == 0 || args[i - 1] != "--root"))
        .map(|(_, arg)| arg.as_str());
    let result = match verb {
        Some("spec") => emit(&mut output, &json!({"type": "SPEC", "spec": specification()})),
        Some("check") => root.and_then(|root| {
            let config = read_json(&flag(args, "--config")?)?;
            check(&root, &config, &mut output)
        }),
        Some("write") => root.and_then(|root| {
            let config = read_json(&flag(args, "--config")?)?;
            let catalog = match flag(args, "--catalog") {
                Ok(path) => read_json(&path)?,
                Err(_) => json!({"streams": []}),
            };
            write(&root, &config, &catalog, input, &mut output)
        }),
        _ => Err("usage: destination-local-json spec | check --root DIR --config FILE | write --root DIR --config FILE --catalog FILE".into()),
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            let trace =
                json!({"type": "TRACE", "trace": {"type": "ERROR", "error": {"message": message}}});
            let _ = emit(&mut output, &trace);
            1
        }
    }
}

fn flag(args: &[String], name: &str) -> Result<PathBuf, String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .ok_or_else(|| format!("{name} FILE is required"))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}

fn emit(output: &mut impl Write, message: &Value) -> Result<(), String> {
    writeln!(output, "{message}")
        .and_then(|()| output.flush())
        .map_err(|e| e.to_string())
}

/// The configured directory, inside `root`: refused when the path is absolute or has a `..`
/// component, and, once created, when symlinks resolve it to somewhere outside the root.
fn destination_dir(root: &Path, config: &Value) -> Result<PathBuf, String> {
    let relative = config["destination_path"]
        .as_str()
        .filter(|p| !p.is_empty())
        .map(Path::new)
        .ok_or_else(|| "destination_path is required".to_string())?;
    let confined = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !confined {
        return Err(format!(
            "destination_path {:?} must be a relative path without '..' components",
            relative.display().to_string()
        ));
    }
    std::fs::create_dir_all(root)
        .map_err(|e| format!("cannot create the root {}: {e}", root.display()))?;
    let root = root
        .canonicalize()
        .map_err(|e| format!("cannot resolve the root {}: {e}", root.display()))?;
    // One segment at a time, resolving each that exists before going further, so that
    // nothing is created through a link that leads out of the root.
    let mut dir = root.clone();
    for segment in relative.components() {
        let Component::Normal(segment) = segment else {
            continue;
        };
        dir.push(segment);
        if std::fs::symlink_metadata(&dir).is_err() {
            std::fs::create_dir(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        dir = dir
            .canonicalize()
            .map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
        if !dir.starts_with(&root) {
            return Err(format!(
                "destination_path {:?} leads outside the local-json root through a symbolic link",
                relative.display().to_string()
            ));
        }
    }
    Ok(dir)
}

fn check(root: &Path, config: &Value, output: &mut impl Write) -> Result<(), String> {
    let status = match destination_dir(root, config).and_then(|dir| probe(&dir)) {
        Ok(()) => ConnectionStatus {
            status: "SUCCEEDED".into(),
            message: None,
        },
        Err(message) => ConnectionStatus {
            status: "FAILED".into(),
            message: Some(message),
        },
    };
    let message = serde_json::to_value(AirbyteMessage::ConnectionStatus {
        connection_status: status,
    })
    .map_err(|e| e.to_string())?;
    emit(output, &message)
}

/// Proves the directory writable.
fn probe(dir: &Path) -> Result<(), String> {
    let probe = dir.join(".ferry-check");
    std::fs::write(&probe, b"ok").map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    std::fs::remove_file(&probe).map_err(|e| format!("cannot clean up in {}: {e}", dir.display()))
}

/// Opens a stream's file in `dir` for appending. Only a file of the root's own can be written:
/// a symbolic link (which could point anywhere) is refused as it is opened (`O_NOFOLLOW`, so a
/// link swapped in after a check is refused too), and so is a file with other hard links,
/// which could be a file outside the root linked in. `truncate`: start it empty, as a new file
/// renamed into place, so that the old one (whatever it is) is left as it was.
fn stream_file(dir: &Path, stream: &str, truncate: bool) -> Result<File, String> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let name = format!("{}.jsonl", sanitise(stream));
    let path = dir.join(&name);
    if truncate {
        replace_with_empty(dir, &name)?;
    }
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(&path)
        .map_err(|e| match e.raw_os_error() {
            Some(code) if code == rustix::io::Errno::LOOP.raw_os_error() => format!(
                "{} is a symbolic link; refusing to follow it",
                path.display()
            ),
            _ => format!("cannot open {}: {e}", path.display()),
        })?;
    let metadata = file
        .metadata()
        .map_err(|e| format!("cannot inspect {}: {e}", path.display()))?;
    if !metadata.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    if metadata.nlink() > 1 {
        return Err(format!(
            "{} has {} hard links and may be a file outside the local-json root; refusing to \
             write through it",
            path.display(),
            metadata.nlink()
        ));
    }
    Ok(file)
}

/// Puts a new empty file at `dir/name`: created under a name nothing else has, then renamed
/// over the old one, which rename unlinks without opening.
fn replace_with_empty(dir: &Path, name: &str) -> Result<(), String> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temporary = dir.join(format!(".{name}.{}.{nanos}.new", std::process::id()));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .map_err(|e| format!("cannot create {}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, dir.join(name)).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot replace {}: {e}", dir.join(name).display())
    })
}

/// Streams whose destination_sync_mode is `overwrite` in the configured catalog: their files
/// start empty (a full refresh, or a reset when no records follow).
fn overwritten_streams(catalog: &Value) -> Vec<String> {
    catalog["streams"]
        .as_array()
        .map(|streams| {
            streams
                .iter()
                .filter(|s| s["destination_sync_mode"] == "overwrite")
                .filter_map(|s| s["stream"]["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn write(
    root: &Path,
    config: &Value,
    catalog: &Value,
    input: impl BufRead,
    output: &mut impl Write,
) -> Result<(), String> {
    let dir = destination_dir(root, config)?;
    for stream in overwritten_streams(catalog) {
        stream_file(&dir, &stream, true)?;
    }
    let mut files: HashMap<String, BufWriter<File>> = HashMap::new();
    for line in input.lines() {
        let line = line.map_err(|e| format!("reading stdin: {e}"))?;
        match AirbyteMessage::parse(&line) {
            Some(AirbyteMessage::Record { record }) => {
                let file = match files.get_mut(&record.stream) {
                    Some(file) => file,
                    None => {
                        let file = stream_file(&dir, &record.stream, false)?;
                        files
                            .entry(record.stream.clone())
                            .or_insert(BufWriter::new(file))
                    }
                };
                writeln!(file, "{}", record.data)
                    .map_err(|e| format!("writing {}: {e}", record.stream))?;
            }
            Some(AirbyteMessage::State { state }) => {
                // A state is acknowledged only once every record before it is durable.
                for (stream, file) in &mut files {
                    file.flush()
                        .map_err(|e| format!("flushing {stream}: {e}"))?;
                    file.get_ref()
                        .sync_data()
                        .map_err(|e| format!("syncing {stream}: {e}"))?;
                }
                emit(output, &json!({"type": "STATE", "state": state}))?;
            }
            _ => {}
        }
    }
    for (stream, file) in &mut files {
        file.flush()
            .map_err(|e| format!("flushing {stream}: {e}"))?;
    }
    Ok(())
}

/// A stream name as a file name: no path separators or leading dots.
fn sanitise(stream: &str) -> String {
    let cleaned: String = stream
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "_".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: &[&str], input: &str) -> (i32, Vec<Value>) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        let code = run(&args, input.as_bytes(), &mut out);
        let messages = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (code, messages)
    }

    #[test]
    fn spec_check_and_write() {
        let (code, messages) = run_with(&["spec"], "");
        assert_eq!(code, 0);
        assert_eq!(messages[0]["type"], "SPEC");
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let target = root.join("out");
        let config = dir.path().join("config.json");
        std::fs::write(&config, json!({"destination_path": "out"}).to_string()).unwrap();
        let (config, root_arg) = (config.to_str().unwrap(), root.to_str().unwrap());
        let (code, messages) = run_with(&["check", "--root", root_arg, "--config", config], "");
        assert_eq!(code, 0);
        assert_eq!(messages[0]["connectionStatus"]["status"], "SUCCEEDED");
        let input = [
            r#"{"type":"RECORD","record":{"stream":"users","data":{"id":1},"emitted_at":0}}"#,
            r#"{"type":"RECORD","record":{"stream":"../evil","data":{"id":2},"emitted_at":0}}"#,
            r#"{"type":"STATE","state":{"data":{"cursor":1}}}"#,
            r#"{"type":"RECORD","record":{"stream":"users","data":{"id":3},"emitted_at":0}}"#,
        ]
        .join("\n");
        let (code, messages) = run_with(&["write", "--root", root_arg, "--config", config], &input);
        assert_eq!(code, 0);
        assert_eq!(
            messages,
            vec![json!({"type": "STATE", "state": {"data": {"cursor": 1}}})]
        );
        let users = std::fs::read_to_string(target.join("users.jsonl")).unwrap();
        assert_eq!(users.lines().count(), 2);
        assert!(target.join("___evil.jsonl").exists());
    }

    #[test]
    fn a_bad_path_fails_the_check_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(&config, json!({"destination_path": "file/sub"}).to_string()).unwrap();
        let root = dir.path().to_str().unwrap();
        let (code, messages) = run_with(
            &[
                "check",
                "--root",
                root,
                "--config",
                config.to_str().unwrap(),
            ],
            "",
        );
        assert_eq!(code, 0);
        assert_eq!(messages[0]["connectionStatus"]["status"], "FAILED");
        assert!(messages[0]["connectionStatus"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot create"));
        let (code, messages) = run_with(&["bogus"], "");
        assert_eq!(code, 1);
        assert_eq!(messages[0]["type"], "TRACE");
    }

    /// What `write` does with `destination_path` under a root: Ok(dir written) or the error.
    fn write_to(root: &Path, destination_path: &str) -> Result<(), String> {
        let config = json!({"destination_path": destination_path});
        let input = r#"{"type":"RECORD","record":{"stream":"s","data":{"id":1},"emitted_at":0}}"#;
        write(
            root,
            &config,
            &json!({"streams": []}),
            input.as_bytes(),
            &mut Vec::new(),
        )
    }

    #[test]
    fn paths_cannot_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        for escape in ["/tmp/x", "../x", "a/../../x", "/proc/self/x", ".."] {
            let error = write_to(&root, escape).unwrap_err();
            assert!(
                error.contains("relative path without '..'"),
                "{escape}: {error}"
            );
        }
        // A symbolic link inside the root that leads out of it is refused...
        std::fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        let error = write_to(&root, "link/sub").unwrap_err();
        assert!(error.contains("outside the local-json root"), "{error}");
        // ...and so is a stream file that is a link.
        std::fs::create_dir_all(root.join("ok")).unwrap();
        std::os::unix::fs::symlink(outside.join("s.jsonl"), root.join("ok/s.jsonl")).unwrap();
        let error = write_to(&root, "ok").unwrap_err();
        assert!(error.contains("symbolic link"), "{error}");
        assert_eq!(
            std::fs::read_dir(&outside).unwrap().count(),
            0,
            "nothing written outside"
        );
        // Plain relative paths (with "." segments) land inside.
        write_to(&root, "./a/b").unwrap();
        assert!(root.join("a/b/s.jsonl").is_file());
    }

    #[test]
    fn a_hard_link_to_a_file_outside_the_root_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("h")).unwrap();
        let outside = dir.path().join("precious.txt");
        std::fs::write(&outside, "keep me").unwrap();
        std::fs::hard_link(&outside, root.join("h/s.jsonl")).unwrap();
        let record = r#"{"type":"RECORD","record":{"stream":"s","data":{"id":1},"emitted_at":0}}"#;
        let config = json!({"destination_path": "h"});
        // Appending (an incremental sync) is refused ...
        let error = write(
            &root,
            &config,
            &json!({"streams": []}),
            record.as_bytes(),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(error.contains("hard links"), "{error}");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me");
        // ... and overwriting (a full refresh) replaces the name with a new file of its own.
        let overwrite = json!({"streams": [{
            "stream": {"name": "s"}, "destination_sync_mode": "overwrite"
        }]});
        write(
            &root,
            &config,
            &overwrite,
            record.as_bytes(),
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me");
        assert_eq!(
            std::fs::read_to_string(root.join("h/s.jsonl")).unwrap(),
            "{\"id\":1}\n"
        );
        let leftovers: Vec<_> = std::fs::read_dir(root.join("h")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn the_spec_pattern_refuses_what_the_connector_refuses() {
        let pattern = regex_lite(RELATIVE_PATH_PATTERN);
        for good in [
            "out",
            "a/b",
            "./a",
            ".hidden/x",
            "a..b",
            "..a",
            "a/",
            "records",
        ] {
            assert!(pattern(good), "{good} should be accepted");
        }
        for bad in ["/tmp/x", "..", "../x", "a/../b", "a/..", "/", "a//b"] {
            assert!(!pattern(bad), "{bad} should be refused");
        }
    }

    /// The spec's pattern, checked by the same JSON Schema validator the API uses.
    fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
        let validator =
            jsonschema::validator_for(&json!({"type": "string", "pattern": pattern})).unwrap();
        move |text| validator.is_valid(&json!(text))
    }
}
