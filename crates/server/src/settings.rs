//! Configuration: built-in defaults (config/default.toml, compiled in), then an optional
//! file, then `FERRY_*` environment variables (`FERRY_DATABASE__URL`, ...).

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::Deserialize;
use std::path::Path;

const DEFAULTS: &str = include_str!("../../../config/default.toml");

#[derive(Clone, Debug, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub workspaces: WorkspaceSettings,
    pub connectors: ConnectorSettings,
    pub worker: WorkerSettings,
    pub log: LogSettings,
}

#[derive(Clone, Debug, Deserialize)]
pub struct WorkerSettings {
    pub enabled: bool,
    pub poll_interval_ms: u64,
    pub heartbeat_secs: u64,
    pub stale_after_secs: u64,
    pub max_attempts: i32,
    pub retry_backoff_secs: u64,
    pub attempts_dir: std::path::PathBuf,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ConnectorSettings {
    pub timeout_secs: u64,
    pub sync_timeout_secs: u64,
    pub docker: bool,
    pub commands: std::collections::HashMap<String, Vec<String>>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct WorkspaceSettings {
    pub regions: Vec<String>,
    pub default_region: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ServerSettings {
    pub listen: String,
    pub workers: usize,
    pub body_limit_bytes: usize,
    pub shutdown_timeout_secs: u64,
}

#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    pub startup_wait_secs: u64,
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

impl Settings {
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("FERRY_").split("__"))
            .extract()
            .map_err(Box::new)
    }
}

/// A database URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:****{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
// figment's Jail closures return its large error type; that is the test API.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_env_overrides() {
        figment::Jail::expect_with(|jail| {
            let settings = Settings::load(None).unwrap();
            assert_eq!(settings.server.listen, "127.0.0.1:8001");
            assert_eq!(settings.database.url, "sqlite://data/ferry.sqlite3");
            jail.set_env("FERRY_DATABASE__URL", "postgres://u@h/db");
            jail.set_env("FERRY_LOG__FORMAT", "json");
            let settings = Settings::load(None).unwrap();
            assert_eq!(settings.database.url, "postgres://u@h/db");
            assert_eq!(settings.log.format, LogFormat::Json);
            Ok(())
        });
    }

    #[test]
    fn a_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("ferry.toml", "[server]\nlisten = \"0.0.0.0:9000\"\n")?;
            let settings = Settings::load(Some(Path::new("ferry.toml"))).unwrap();
            assert_eq!(settings.server.listen, "0.0.0.0:9000");
            assert_eq!(settings.server.body_limit_bytes, 2097152);
            Ok(())
        });
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://ferry:s3cret@db:5432/ferry"),
            "postgres://ferry:****@db:5432/ferry"
        );
        assert_eq!(
            redact_url("postgres://ferry@db/ferry"),
            "postgres://ferry@db/ferry"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
