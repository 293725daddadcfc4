//! The connector operations the API runs synchronously: spec, check and discover.

use crate::launcher::{Arg, Image, Launcher, RunOutput, RuntimeError};
use crate::protocol::{AirbyteCatalog, AirbyteMessage, ConnectorSpecification};
use serde_json::Value;

/// What a connector's check said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOutcome {
    pub succeeded: bool,
    pub message: Option<String>,
}

/// Runs connector operations through a launcher.
#[derive(Clone, Debug)]
pub struct Connectors {
    launcher: Launcher,
}

impl Connectors {
    pub fn new(launcher: Launcher) -> Self {
        Connectors { launcher }
    }

    /// `spec`: the connector's configuration schema.
    pub async fn spec(&self, image: &Image) -> Result<ConnectorSpecification, RuntimeError> {
        let output = self.launcher.run(image, &[Arg::Literal("spec")]).await?;
        let spec = output.messages.iter().find_map(|m| match m {
            AirbyteMessage::Spec { spec } => Some(spec.clone()),
            _ => None,
        });
        spec.ok_or_else(|| failed(image, &output, "no SPEC message"))
    }

    /// `check`: whether the connector can reach what `config` describes. A connector that
    /// fails without saying why is a failed check whose message is the reason.
    pub async fn check(&self, image: &Image, config: &Value) -> Result<CheckOutcome, RuntimeError> {
        let args = [
            Arg::Literal("check"),
            Arg::Literal("--config"),
            config_file(config),
        ];
        let output = self.launcher.run(image, &args).await?;
        let status = output.messages.iter().find_map(|m| match m {
            AirbyteMessage::ConnectionStatus { connection_status } => {
                Some(connection_status.clone())
            }
            _ => None,
        });
        Ok(match status {
            Some(status) => CheckOutcome {
                succeeded: status.status == "SUCCEEDED",
                message: status.message,
            },
            None => CheckOutcome {
                succeeded: false,
                message: Some(output.failure_reason()),
            },
        })
    }

    /// `discover`: the streams a source offers with `config`.
    pub async fn discover(
        &self,
        image: &Image,
        config: &Value,
    ) -> Result<AirbyteCatalog, RuntimeError> {
        let args = [
            Arg::Literal("discover"),
            Arg::Literal("--config"),
            config_file(config),
        ];
        let output = self.launcher.run(image, &args).await?;
        let catalog = output.messages.iter().find_map(|m| match m {
            AirbyteMessage::Catalog { catalog } => Some(catalog.clone()),
            _ => None,
        });
        catalog.ok_or_else(|| failed(image, &output, "no CATALOG message"))
    }
}

fn config_file(config: &Value) -> Arg {
    Arg::Config {
        name: "config.json",
        contents: config.clone(),
    }
}

fn failed(image: &Image, output: &RunOutput, missing: &str) -> RuntimeError {
    RuntimeError::Failed {
        image: image.to_string(),
        reason: format!("{missing}; {}", output.failure_reason()),
    }
}
