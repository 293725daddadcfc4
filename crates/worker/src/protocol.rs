//! The Airbyte protocol's messages, as much of them as Ferry reads. Payloads Ferry passes
//! through untouched (records' data, state) stay JSON values.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One line of a connector's stdout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AirbyteMessage {
    #[serde(rename = "SPEC")]
    Spec { spec: ConnectorSpecification },
    #[serde(rename = "CONNECTION_STATUS", rename_all = "camelCase")]
    ConnectionStatus { connection_status: ConnectionStatus },
    #[serde(rename = "CATALOG")]
    Catalog { catalog: AirbyteCatalog },
    #[serde(rename = "RECORD")]
    Record { record: RecordMessage },
    #[serde(rename = "STATE")]
    State { state: Value },
    #[serde(rename = "LOG")]
    Log { log: LogMessage },
    #[serde(rename = "TRACE")]
    Trace { trace: Value },
    /// A message type this version of Ferry does not know; ignored.
    #[serde(other)]
    Other,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorSpecification {
    pub connection_specification: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectionStatus {
    /// `SUCCEEDED` or `FAILED`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AirbyteCatalog {
    pub streams: Vec<AirbyteStream>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AirbyteStream {
    pub name: String,
    #[serde(default)]
    pub json_schema: Value,
    #[serde(default)]
    pub supported_sync_modes: Vec<String>,
    #[serde(default)]
    pub source_defined_cursor: Option<bool>,
    #[serde(default)]
    pub default_cursor_field: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordMessage {
    pub stream: String,
    pub data: Value,
    #[serde(default)]
    pub emitted_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogMessage {
    pub level: String,
    pub message: String,
}

impl AirbyteMessage {
    /// Reads one stdout line; `None` for a line that is not a protocol message (connectors
    /// print other things too, which become log lines).
    pub fn parse(line: &str) -> Option<AirbyteMessage> {
        let line = line.trim();
        if !line.starts_with('{') {
            return None;
        }
        serde_json::from_str(line).ok()
    }

    /// The error message of a TRACE of type ERROR.
    pub fn trace_error(&self) -> Option<String> {
        match self {
            AirbyteMessage::Trace { trace } if trace["type"] == "ERROR" => {
                trace["error"]["message"].as_str().map(str::to_string)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parse() {
        let status = AirbyteMessage::parse(
            r#"{"type":"CONNECTION_STATUS","connectionStatus":{"status":"FAILED","message":"bad key"}}"#,
        );
        assert_eq!(
            status,
            Some(AirbyteMessage::ConnectionStatus {
                connection_status: ConnectionStatus {
                    status: "FAILED".into(),
                    message: Some("bad key".into())
                }
            })
        );
        let record = AirbyteMessage::parse(
            r#"{"type":"RECORD","record":{"stream":"users","data":{"id":1},"emitted_at":5}}"#,
        );
        assert!(matches!(record, Some(AirbyteMessage::Record { .. })));
        assert_eq!(
            AirbyteMessage::parse(r#"{"type":"CONTROL","x":1}"#),
            Some(AirbyteMessage::Other)
        );
        assert_eq!(AirbyteMessage::parse("Starting up..."), None);
        let trace = AirbyteMessage::parse(
            r#"{"type":"TRACE","trace":{"type":"ERROR","error":{"message":"boom"}}}"#,
        )
        .unwrap();
        assert_eq!(trace.trace_error().as_deref(), Some("boom"));
    }
}
