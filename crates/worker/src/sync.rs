//! A sync: the source's `read` piped into the destination's `write`. Ferry counts the
//! records and bytes that pass, forwards STATE messages to the destination, and keeps the
//! last state the destination echoed back (its promise that everything before it is stored).
//! A reset is a write of nothing with every stream in `overwrite` mode.

use crate::launcher::{Arg, Image, Launcher, RuntimeError};
use crate::protocol::AirbyteMessage;
use ferry_domain::connection::{SourceSchema, SyncMode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::{mpsc, watch};

/// Everything one sync needs.
#[derive(Clone, Debug)]
pub struct SyncPlan {
    pub source: Image,
    pub source_config: Value,
    pub destination: Image,
    pub destination_config: Value,
    /// The configured catalog (see [`configured_catalog`]).
    pub catalog: Value,
    /// The state the last successful sync ended with.
    pub state: Option<SavedState>,
}

/// Counters a sync updates as it goes, read by the heartbeat.
#[derive(Debug, Default)]
pub struct Progress {
    pub records: AtomicI64,
    pub bytes: AtomicI64,
}

impl Progress {
    pub fn snapshot(&self) -> (i64, i64) {
        (
            self.records.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}

/// How a sync ended.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncEnd {
    Succeeded { state: Option<SavedState> },
    Failed { reason: String },
    Cancelled,
}

/// The state carried between syncs: per-stream states (the protocol's STREAM states), or a
/// legacy single state object.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SavedState {
    Streams { states: BTreeMap<String, Value> },
    Legacy { data: Value },
}

impl SavedState {
    /// What the source's `--state` file holds.
    fn as_state_file(&self) -> Value {
        match self {
            SavedState::Streams { states } => Value::Array(states.values().cloned().collect()),
            SavedState::Legacy { data } => data.clone(),
        }
    }

    /// Folds one STATE message's payload into the state.
    fn absorb(state: Option<SavedState>, message: &Value) -> Option<SavedState> {
        if message["type"] == "STREAM" {
            let name = message["stream"]["stream_descriptor"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let mut states = match state {
                Some(SavedState::Streams { states }) => states,
                _ => BTreeMap::new(),
            };
            states.insert(name, message.clone());
            Some(SavedState::Streams { states })
        } else if message["type"] == "GLOBAL" {
            let mut states = BTreeMap::new();
            states.insert(String::new(), message.clone());
            Some(SavedState::Streams { states })
        } else {
            Some(SavedState::Legacy {
                data: message
                    .get("data")
                    .cloned()
                    .unwrap_or_else(|| message.clone()),
            })
        }
    }
}

/// The configured catalog for a connection: its selected streams, each with its sync mode
/// (the stream's own, or the connection's) and the destination mode that goes with it
/// (`append` for incremental, `overwrite` for full refresh, or for every stream in a reset).
pub fn configured_catalog(schema: &SourceSchema, connection_mode: SyncMode, reset: bool) -> Value {
    let streams: Vec<Value> = schema
        .streams
        .iter()
        .filter(|s| s.selected != Some(false))
        .map(|stream| {
            let mode = stream.sync_mode.unwrap_or(connection_mode);
            let properties: serde_json::Map<String, Value> = stream
                .fields
                .iter()
                .filter(|f| f.selected)
                .map(|f| (f.name.clone(), json!({ "type": f.data_type.as_str() })))
                .collect();
            let cursor = stream.cursor_field.clone().or_else(|| stream.default_cursor_field.clone()).unwrap_or_default();
            json!({
                "stream": {
                    "name": stream.name,
                    "json_schema": { "type": "object", "properties": properties },
                    "supported_sync_modes": stream.supported_sync_modes.clone().unwrap_or_default(),
                    "source_defined_cursor": stream.source_defined_cursor,
                    "default_cursor_field": stream.default_cursor_field,
                },
                "sync_mode": mode.as_str(),
                "cursor_field": cursor,
                "destination_sync_mode": if reset || mode == SyncMode::FullRefresh { "overwrite" } else { "append" },
            })
        })
        .collect();
    json!({ "streams": streams })
}

/// `write --config ... --catalog ...`: what the destination runs, in a sync or a reset.
fn destination_write_args(plan: &SyncPlan) -> [Arg; 5] {
    [
        Arg::Literal("write"),
        Arg::Literal("--config"),
        Arg::Config {
            name: "destination_config.json",
            contents: plan.destination_config.clone(),
        },
        Arg::Literal("--catalog"),
        Arg::File {
            name: "destination_catalog.json",
            contents: plan.catalog.clone(),
        },
    ]
}

/// A reset: the destination writes nothing, with every stream in `overwrite` mode (the
/// plan's catalog must be a reset catalog, see [`configured_catalog`]). Like a sync, it
/// stops at `cancel` or after the sync timeout, its connector stopped.
pub async fn run_reset(
    launcher: &Launcher,
    plan: &SyncPlan,
    dir: &std::path::Path,
    logs: &mpsc::UnboundedSender<String>,
    mut cancel: watch::Receiver<bool>,
) -> Result<SyncEnd, RuntimeError> {
    let mut destination = launcher
        .spawn(&plan.destination, &destination_write_args(plan), dir, true)
        .await?;
    drop(destination.stdin.take());
    let stdout = destination.stdout.take();
    let work = async {
        let mut failure = None;
        if let Some(stdout) = stdout {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(error) = AirbyteMessage::parse(&line).and_then(|m| m.trace_error()) {
                    failure = Some(error);
                }
                let _ = logs.send(format!("destination: {line}"));
            }
        }
        Ok::<_, RuntimeError>((failure, destination.wait().await?))
    };
    let finished = tokio::select! {
        finished = tokio::time::timeout(launcher.sync_timeout(), work) => Some(finished),
        _ = cancelled(&mut cancel) => None,
    };
    destination.stop().await;
    let (failure, status) = match finished {
        None => {
            let _ = logs.send("cancelled: the destination was stopped".to_string());
            return Ok(SyncEnd::Cancelled);
        }
        Some(Err(_)) => {
            return Ok(SyncEnd::Failed {
                reason: format!(
                    "the reset ran longer than {} s; the destination was stopped",
                    launcher.sync_timeout().as_secs()
                ),
            })
        }
        Some(Ok(finished)) => finished?,
    };
    let _ = logs.send(format!("reset ended; destination {status}"));
    Ok(match (failure, status.success()) {
        (Some(reason), _) => SyncEnd::Failed { reason },
        (None, false) => SyncEnd::Failed {
            reason: format!("the destination exited with {status}"),
        },
        (None, true) => SyncEnd::Succeeded { state: None },
    })
}

/// Runs a sync in the attempt's directory `dir`, sending log lines to `logs` and counting
/// into `progress`, until it ends, `cancel` turns true or the sync timeout passes (then both
/// connectors are stopped, their containers removed).
pub async fn run_sync(
    launcher: &Launcher,
    plan: &SyncPlan,
    progress: Arc<Progress>,
    logs: mpsc::UnboundedSender<String>,
    dir: &std::path::Path,
    mut cancel: watch::Receiver<bool>,
) -> Result<SyncEnd, RuntimeError> {
    let mut source_args = vec![
        Arg::Literal("read"),
        Arg::Literal("--config"),
        Arg::Config {
            name: "source_config.json",
            contents: plan.source_config.clone(),
        },
        Arg::Literal("--catalog"),
        Arg::File {
            name: "catalog.json",
            contents: plan.catalog.clone(),
        },
    ];
    if let Some(state) = &plan.state {
        source_args.push(Arg::Literal("--state"));
        source_args.push(Arg::File {
            name: "state.json",
            contents: state.as_state_file(),
        });
    }
    let destination_args = destination_write_args(plan);
    let mut destination = launcher
        .spawn(&plan.destination, &destination_args, dir, true)
        .await?;
    let mut source = match launcher.spawn(&plan.source, &source_args, dir, false).await {
        Ok(source) => source,
        Err(error) => {
            destination.stop().await;
            return Err(error);
        }
    };
    let _ = logs.send(format!(
        "sync started: {} -> {}",
        plan.source, plan.destination
    ));

    // Records go to the destination in batches: a write per line was two system calls per
    // record. The batch is flushed whenever the source has nothing more buffered, so nothing
    // waits in it while the source is slow.
    let mut into_destination = destination
        .stdin
        .take()
        .map(|stdin| BufWriter::with_capacity(PUMP_BUFFER, stdin));
    let source_out = source
        .stdout
        .take()
        .map(|s| BufReader::with_capacity(PUMP_BUFFER, s).lines());
    let destination_out = destination.stdout.take().map(|s| BufReader::new(s).lines());
    forward_stderr(source.stderr.take(), "source", logs.clone());
    forward_stderr(destination.stderr.take(), "destination", logs.clone());

    // Source -> destination, counting as it goes.
    let pump = {
        let logs = logs.clone();
        let progress = Arc::clone(&progress);
        async move {
            let mut failure: Option<String> = None;
            if let Some(mut lines) = source_out {
                while let Ok(Some(line)) = lines.next_line().await {
                    // A RECORD is only counted and forwarded: it is not parsed.
                    if is_plain_record(&line) {
                        progress.records.fetch_add(1, Ordering::Relaxed);
                        progress
                            .bytes
                            .fetch_add(line.len() as i64, Ordering::Relaxed);
                        if let Some(stdin) = into_destination.as_mut() {
                            if let Err(e) =
                                forward(stdin, &line, lines.get_ref().buffer().is_empty()).await
                            {
                                failure = Some(format!("the destination stopped reading: {e}"));
                                break;
                            }
                        }
                        continue;
                    }
                    match AirbyteMessage::parse(&line) {
                        Some(
                            message
                            @ (AirbyteMessage::Record { .. } | AirbyteMessage::State { .. }),
                        ) => {
                            if matches!(message, AirbyteMessage::Record { .. }) {
                                progress.records.fetch_add(1, Ordering::Relaxed);
                                progress
                                    .bytes
                                    .fetch_add(line.len() as i64, Ordering::Relaxed);
                            }
                            if let Some(stdin) = into_destination.as_mut() {
                                if let Err(e) = forward(stdin, &line, true).await {
                                    failure = Some(format!("the destination stopped reading: {e}"));
                                    break;
                                }
                            }
                        }
                        Some(AirbyteMessage::Log { log }) => {
                            let _ = logs.send(format!("source {} {}", log.level, log.message));
                        }
                        Some(message @ AirbyteMessage::Trace { .. }) => {
                            if let Some(error) = message.trace_error() {
                                let _ = logs.send(format!("source error: {error}"));
                                failure = Some(error);
                            }
                        }
                        Some(_) => {}
                        None => {
                            let _ = logs.send(format!("source: {line}"));
                        }
                    }
                }
            }
            // Closing stdin tells the destination the stream has ended.
            if let Some(mut stdin) = into_destination {
                let _ = stdin.flush().await;
            }
            failure
        }
    };
    // Destination -> the states it has committed.
    let committed = {
        let logs = logs.clone();
        async move {
            let mut state: Option<SavedState> = None;
            let mut failure: Option<String> = None;
            if let Some(mut lines) = destination_out {
                while let Ok(Some(line)) = lines.next_line().await {
                    match AirbyteMessage::parse(&line) {
                        Some(AirbyteMessage::State { state: message }) => {
                            state = SavedState::absorb(state, &message)
                        }
                        Some(AirbyteMessage::Log { log }) => {
                            let _ = logs.send(format!("destination {} {}", log.level, log.message));
                        }
                        Some(message @ AirbyteMessage::Trace { .. }) => {
                            if let Some(error) = message.trace_error() {
                                let _ = logs.send(format!("destination error: {error}"));
                                failure = Some(error);
                            }
                        }
                        Some(_) => {}
                        None => {
                            let _ = logs.send(format!("destination: {line}"));
                        }
                    }
                }
            }
            (state, failure)
        }
    };
    let work = async {
        let (source_failure, (state, destination_failure)) = tokio::join!(pump, committed);
        let source_status = source.wait().await?;
        let destination_status = destination.wait().await?;
        Ok::<_, RuntimeError>((
            source_failure,
            source_status,
            state,
            destination_failure,
            destination_status,
        ))
    };
    let finished = tokio::select! {
        finished = tokio::time::timeout(launcher.sync_timeout(), work) => Some(finished),
        _ = cancelled(&mut cancel) => None,
    };
    // However the sync ended, both connectors are stopped and their containers removed
    // before it counts as ended (no-ops for a connector that exited by itself).
    tokio::join!(source.stop(), destination.stop());
    match finished {
        None => {
            let _ = logs.send("cancelled: the connectors were stopped".to_string());
            Ok(SyncEnd::Cancelled)
        }
        Some(Err(_)) => Ok(SyncEnd::Failed {
            reason: format!(
                "the sync ran longer than {} s; the connectors were stopped",
                launcher.sync_timeout().as_secs()
            ),
        }),
        Some(Ok(finished)) => {
            let (source_failure, source_status, state, destination_failure, destination_status) =
                finished?;
            let (records, bytes) = progress.snapshot();
            let _ = logs.send(format!("sync ended: {records} records, {bytes} bytes; source {source_status}, destination {destination_status}"));
            let reason = source_failure
                .map(|e| format!("source: {e}"))
                .or_else(|| destination_failure.map(|e| format!("destination: {e}")))
                .or_else(|| {
                    (!source_status.success())
                        .then(|| format!("the source exited with {source_status}"))
                })
                .or_else(|| {
                    (!destination_status.success())
                        .then(|| format!("the destination exited with {destination_status}"))
                });
            Ok(match reason {
                Some(reason) => SyncEnd::Failed { reason },
                None => SyncEnd::Succeeded { state },
            })
        }
    }
}

/// The pump's read and write buffers (a pipe holds 64 KiB).
const PUMP_BUFFER: usize = 256 * 1024;

/// Whether a line is a RECORD message as connectors write them (`{"type":"RECORD",...` or
/// `{"type": "RECORD", ...`), told without parsing it; any other line is parsed.
fn is_plain_record(line: &str) -> bool {
    let line = line.trim_start().as_bytes();
    line.starts_with(br#"{"type":"RECORD","#) || line.starts_with(br#"{"type": "RECORD", "#)
}

/// Writes one message line to the destination, flushing the batch when `flush` (the source
/// has nothing more buffered, or the message is a STATE that should not wait).
async fn forward(
    stdin: &mut BufWriter<tokio::process::ChildStdin>,
    line: &str,
    flush: bool,
) -> std::io::Result<()> {
    stdin.write_all(line.as_bytes()).await?;
    stdin.write_all(b"\n").await?;
    if flush {
        stdin.flush().await?;
    }
    Ok(())
}

async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    while !*cancel.borrow() {
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

fn forward_stderr(
    stderr: Option<tokio::process::ChildStderr>,
    who: &'static str,
    logs: mpsc::UnboundedSender<String>,
) {
    if let Some(stderr) = stderr {
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = logs.send(format!("{who} stderr: {line}"));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only lines that plainly start as a RECORD skip the parse; everything else (STATE,
    /// LOG, a RECORD with its keys in another order, text) is parsed.
    #[test]
    fn plain_records_are_told_without_parsing() {
        assert!(is_plain_record(
            r#"{"type":"RECORD","record":{"stream":"users","data":{},"emitted_at":1}}"#
        ));
        assert!(is_plain_record(
            r#"  {"type": "RECORD", "record": {"stream": "users", "data": {}}}"#
        ));
        for other in [
            r#"{"type":"STATE","state":{"data":{}}}"#,
            r#"{"type":"LOG","log":{"level":"INFO","message":"{\"type\":\"RECORD\","}}"#,
            r#"{"record":{"stream":"users","data":{}},"type":"RECORD"}"#,
            r#"{"type":"RECORDS"}"#,
            "Starting up...",
            "",
        ] {
            assert!(!is_plain_record(other), "{other}");
        }
    }
}
