//! `destination-local-json`: Ferry's own small destination. It writes each stream's records
//! as JSON lines under a directory and echoes every STATE message back once the records
//! before it are on disk. It ships inside the `ferry` binary
//! (`ferry connector destination-local-json spec|check|write ...`).

use crate::protocol::{AirbyteMessage, ConnectionStatus};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

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
                    "title": "Destination path",
                    "description": "The directory records are written to: one <stream>.jsonl file per stream."
                }
            }
        }
    })
}

/// Runs the connector with its command-line arguments; returns the process exit code.
pub fn run(args: &[String], input: impl BufRead, mut output: impl Write) -> i32 {
    let result = match args.first().map(String::as_str) {
        Some("spec") => emit(&mut output, &json!({"type": "SPEC", "spec": specification()})),
        Some("check") => flag(args, "--config")
            .and_then(|path| read_json(&path))
            .and_then(|config| check(&config, &mut output)),
        Some("write") => flag(args, "--config").and_then(|path| read_json(&path)).and_then(|config| {
            let catalog = match flag(args, "--catalog") {
                Ok(path) => read_json(&path)?,
                Err(_) => json!({"streams": []}),
            };
            write(&config, &catalog, input, &mut output)
        }),
        _ => Err("usage: destination-local-json spec | check --config FILE | write --config FILE --catalog FILE".into()),
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

fn destination_dir(config: &Value) -> Result<PathBuf, String> {
    config["destination_path"]
        .as_str()
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| "destination_path is required".to_string())
}

fn check(config: &Value, output: &mut impl Write) -> Result<(), String> {
    let status = match destination_dir(config).and_then(|dir| probe(&dir)) {
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

/// Creates the directory if needed and proves it is writable.
fn probe(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let probe = dir.join(".ferry-check");
    std::fs::write(&probe, b"ok").map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    std::fs::remove_file(&probe).map_err(|e| format!("cannot clean up in {}: {e}", dir.display()))
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
    config: &Value,
    catalog: &Value,
    input: impl BufRead,
    output: &mut impl Write,
) -> Result<(), String> {
    let dir = destination_dir(config)?;
    probe(&dir)?;
    for stream in overwritten_streams(catalog) {
        let path = dir.join(format!("{}.jsonl", sanitise(&stream)));
        File::create(&path).map_err(|e| format!("cannot truncate {}: {e}", path.display()))?;
    }
    let mut files: HashMap<String, BufWriter<File>> = HashMap::new();
    for line in input.lines() {
        let line = line.map_err(|e| format!("reading stdin: {e}"))?;
        match AirbyteMessage::parse(&line) {
            Some(AirbyteMessage::Record { record }) => {
                let file = match files.get_mut(&record.stream) {
                    Some(file) => file,
                    None => {
                        let path = dir.join(format!("{}.jsonl", sanitise(&record.stream)));
                        let file = OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(&path)
                            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
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
        let target = dir.path().join("out");
        let config = dir.path().join("config.json");
        std::fs::write(&config, json!({"destination_path": target}).to_string()).unwrap();
        let config = config.to_str().unwrap();
        let (code, messages) = run_with(&["check", "--config", config], "");
        assert_eq!(code, 0);
        assert_eq!(messages[0]["connectionStatus"]["status"], "SUCCEEDED");
        let input = [
            r#"{"type":"RECORD","record":{"stream":"users","data":{"id":1},"emitted_at":0}}"#,
            r#"{"type":"RECORD","record":{"stream":"../evil","data":{"id":2},"emitted_at":0}}"#,
            r#"{"type":"STATE","state":{"data":{"cursor":1}}}"#,
            r#"{"type":"RECORD","record":{"stream":"users","data":{"id":3},"emitted_at":0}}"#,
        ]
        .join("\n");
        let (code, messages) = run_with(&["write", "--config", config], &input);
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
        std::fs::write(
            &config,
            json!({"destination_path": blocker.join("sub")}).to_string(),
        )
        .unwrap();
        let (code, messages) = run_with(&["check", "--config", config.to_str().unwrap()], "");
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
}
