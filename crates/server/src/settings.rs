//! Configuration: built-in defaults (config/default.toml, compiled in), then an optional
//! file, then `FERRY_*` environment variables (`FERRY_DATABASE__URL`, ...).

mod keys;

use anyhow::{anyhow, Context};
use figment::providers::{Env, Format, Toml};
use figment::value::{Dict, Value};
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
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub secrets: SecretsSettings,
    pub metrics: MetricsSettings,
    pub notifications: NotificationSettings,
    pub outbound: OutboundSettings,
}

/// What Ferry's own outbound requests (webhooks, workspaces/sync_from_remote) may reach.
#[derive(Clone, Debug, Deserialize)]
pub struct OutboundSettings {
    /// Internal hosts, addresses and CIDR ranges that are allowed nonetheless.
    pub allow: Vec<String>,
}

/// Webhook deliveries: a timeout per attempt, and a doubling backoff for a bounded time.
#[derive(Clone, Debug, Deserialize)]
pub struct NotificationSettings {
    pub timeout_secs: u64,
    pub retry_backoff_secs: u64,
    pub max_backoff_secs: u64,
    pub retry_for_secs: u64,
    pub poll_interval_ms: u64,
}

impl NotificationSettings {
    /// The worker's view of these settings.
    pub fn to_worker(&self) -> ferry_worker::runner::NotificationSettings {
        use std::time::Duration;
        ferry_worker::runner::NotificationSettings {
            poll_interval: Duration::from_millis(self.poll_interval_ms),
            policy: ferry_domain::notification::DeliveryPolicy {
                timeout: Duration::from_secs(self.timeout_secs),
                first_backoff: Duration::from_secs(self.retry_backoff_secs),
                max_backoff: Duration::from_secs(self.max_backoff_secs),
                retry_for: Duration::from_secs(self.retry_for_secs),
            },
        }
    }
}

/// Where metrics are served besides `/api/metrics`.
#[derive(Clone, Debug, Deserialize)]
pub struct MetricsSettings {
    /// An address serving `GET /metrics` without authentication (for a scraper on a network
    /// the operator restricts); empty: none.
    pub listen: String,
}

/// The keys connector secrets are encrypted under (see `crate::secrets`).
#[derive(Clone, Deserialize)]
pub struct SecretsSettings {
    /// Base64 of 32 bytes; empty: `key_file`, or on SQLite a generated file.
    pub key: String,
    /// A file holding the key (a mounted secret, say); empty: none.
    pub key_file: String,
    /// Keys that only decrypt, during a rotation.
    pub previous_keys: Vec<String>,
}

impl std::fmt::Debug for SecretsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The keys never reach a log.
        f.debug_struct("SecretsSettings")
            .field("key_file", &self.key_file)
            .field("previous_keys", &self.previous_keys.len())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Deserialize)]
pub struct AuthSettings {
    pub enabled: bool,
    pub allow_unauthenticated_remote: bool,
    pub token_lifetime_secs: u64,
    pub signing_key: String,
    pub basic_username: String,
    pub basic_password: String,
    pub max_token_failures: usize,
    pub token_failure_window_secs: u64,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key and the password never reach a log.
        f.debug_struct("AuthSettings")
            .field("enabled", &self.enabled)
            .field("basic_username", &self.basic_username)
            .finish_non_exhaustive()
    }
}

impl AuthSettings {
    /// The API's view of these settings.
    pub fn to_api(&self) -> ferry_api::auth::AuthSettings {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        ferry_api::auth::AuthSettings {
            enabled: self.enabled,
            token_lifetime: std::time::Duration::from_secs(self.token_lifetime_secs),
            signing_key: non_empty(&self.signing_key),
            basic: match (
                non_empty(&self.basic_username),
                non_empty(&self.basic_password),
            ) {
                (Some(username), Some(password)) => {
                    Some(ferry_api::auth::BasicCredentials { username, password })
                }
                _ => None,
            },
            max_token_failures: self.max_token_failures,
            failure_window: std::time::Duration::from_secs(self.token_failure_window_secs),
        }
    }

    /// Refuses to serve without authentication on an address other hosts can reach,
    /// unless configuration says explicitly that this is wanted.
    pub fn check_exposure(&self, listen: &str) -> Result<(), String> {
        // Not `host:port` at all: binding will refuse it with its own message.
        let well_formed = listen.rsplit_once(':').is_some();
        if self.enabled || self.allow_unauthenticated_remote || !well_formed || is_loopback(listen)
        {
            return Ok(());
        }
        Err(format!(
            "refusing to serve without authentication on {listen}, which other hosts can reach: \
             set auth.enabled = true (FERRY_AUTH__ENABLED=true), or listen on 127.0.0.1, or set \
             auth.allow_unauthenticated_remote = true (FERRY_AUTH__ALLOW_UNAUTHENTICATED_REMOTE=true) \
             if every caller really may act as the instance administrator"
        ))
    }
}

/// Whether a listen address (`host:port`) only accepts connections from this machine.
fn is_loopback(listen: &str) -> bool {
    let host = match listen.rsplit_once(':') {
        Some((host, _port)) => host,
        None => listen,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
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
    pub shutdown_grace_secs: u64,
    pub max_concurrent_attempts: usize,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ConnectorSettings {
    pub timeout_secs: u64,
    pub sync_timeout_secs: u64,
    pub docker: bool,
    pub local_json_root: std::path::PathBuf,
    pub config_files_dir: std::path::PathBuf,
    pub commands: std::collections::HashMap<String, Vec<String>>,
    pub container: ContainerSettings,
}

/// How connector containers run (`connectors.container`; see config/default.toml).
#[derive(Clone, Debug, Deserialize)]
pub struct ContainerSettings {
    pub networked: Vec<String>,
    pub network: String,
    pub memory_mb: u64,
    pub cpus: f64,
    pub mount_local_root: bool,
    pub labels: std::collections::BTreeMap<String, String>,
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
    pub body_read_timeout_secs: u64,
    pub shutdown_timeout_secs: u64,
}

#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    pub call_timeout_secs: u64,
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
    /// Defaults, then `file`, then `FERRY_<SECTION>__<KEY>` variables. A key that is not a
    /// setting (a typo: `[sever]`, `listne`, `FERRY_DATABASE_URL`) and a database URL that is
    /// neither `sqlite://` nor `postgres://` are errors, never quietly defaults.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Ok(Self::figment(file)?.0)
    }

    fn figment(file: Option<&Path>) -> anyhow::Result<(Self, Figment)> {
        let defaults = Figment::from(Toml::string(DEFAULTS));
        let known = keys::KnownKeys::of(&defaults.extract::<Dict>()?);
        let variables: Vec<String> = std::env::vars_os()
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        known
            .check_variables(variables.iter().map(String::as_str))
            .map_err(|e| anyhow!(e))?;
        let mut figment = defaults;
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        // Only `FERRY_<SECTION>__<KEY>` names a setting; FERRY_CONFIG and the like are read
        // apart (see keys::NOT_SETTINGS).
        let figment = figment.merge(
            Env::prefixed("FERRY_")
                .filter(|name| name.as_str().contains("__"))
                .split("__"),
        );
        let effective = figment.extract::<Dict>()?;
        known.check(&figment, &effective).map_err(|e| anyhow!(e))?;
        let settings: Settings = figment.extract()?;
        ferry_persistence::Backend::from_url(&settings.database.url).map_err(|e| anyhow!("{e}"))?;
        Ok((settings, figment))
    }

    /// The configuration ferry runs with, as TOML, with the values that are secrets hidden
    /// (`ferry config check`).
    pub fn effective_toml(file: Option<&Path>) -> anyhow::Result<String> {
        let (_, figment) = Self::figment(file)?;
        let mut effective = figment.extract::<Dict>()?;
        for secret in [
            "secrets.key",
            "secrets.previous_keys",
            "auth.signing_key",
            "auth.basic_password",
        ] {
            if let Some(value) = lookup(&mut effective, secret) {
                hide(value);
            }
        }
        if let Some(Value::String(_, url)) = lookup(&mut effective, "database.url") {
            *url = redact_url(url);
        }
        let mut variables: Vec<String> = std::env::vars()
            .map(|(name, _)| name)
            .filter(|name| name.starts_with("FERRY_") && name.contains("__"))
            .collect();
        variables.sort();
        let sources = [
            Some("config/default.toml (built in)".to_string()),
            file.map(|f| f.display().to_string()),
            (!variables.is_empty()).then(|| variables.join(", ")),
        ];
        let sources: Vec<String> = sources.into_iter().flatten().collect();
        Ok(format!(
            "# The configuration ferry runs with: {}; later ones win. Secrets are hidden.\n{}",
            sources.join(", then "),
            toml::to_string(&effective).context("cannot print the configuration")?
        ))
    }
}

/// The value at a dotted key, if there is one.
fn lookup<'a>(dict: &'a mut Dict, key: &str) -> Option<&'a mut Value> {
    let (section, rest) = match key.split_once('.') {
        Some((section, rest)) => (section, Some(rest)),
        None => (key, None),
    };
    let value = dict.get_mut(section)?;
    match (rest, value) {
        (None, value) => Some(value),
        (Some(rest), Value::Dict(_, inner)) => lookup(inner, rest),
        (Some(_), _) => None,
    }
}

/// Replaces a secret (or each secret of a list) that is set with a marker; an empty one stays
/// empty, so that the output still tells whether it is set.
fn hide(value: &mut Value) {
    match value {
        Value::String(_, secret) if !secret.is_empty() => *secret = "(hidden)".to_string(),
        Value::Array(_, secrets) => secrets.iter_mut().for_each(hide),
        _ => {}
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
    fn auth_off_is_refused_on_reachable_addresses_unless_allowed() {
        figment::Jail::expect_with(|_jail| {
            let mut auth = Settings::load(None).unwrap().auth;
            assert!(!auth.enabled);
            for local in ["127.0.0.1:8001", "localhost:8001", "[::1]:8001"] {
                assert!(auth.check_exposure(local).is_ok(), "{local}");
            }
            let refusal = auth.check_exposure("0.0.0.0:8001").unwrap_err();
            assert!(refusal.contains("auth.enabled"), "{refusal}");
            assert!(auth.check_exposure("10.1.2.3:8001").is_err());
            auth.allow_unauthenticated_remote = true;
            assert!(auth.check_exposure("0.0.0.0:8001").is_ok());
            auth.allow_unauthenticated_remote = false;
            auth.enabled = true;
            assert!(auth.check_exposure("0.0.0.0:8001").is_ok());
            Ok(())
        });
    }

    #[test]
    fn auth_secrets_are_not_printed() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FERRY_AUTH__BASIC_PASSWORD", "hunter2-secret");
            jail.set_env("FERRY_AUTH__SIGNING_KEY", "k".repeat(40));
            jail.set_env("FERRY_SECRETS__KEY", "s".repeat(44));
            jail.set_env(
                "FERRY_SECRETS__PREVIOUS_KEYS",
                format!("[\"{}\"]", "p".repeat(44)),
            );
            let settings = Settings::load(None).unwrap();
            assert_eq!(settings.secrets.key, "s".repeat(44));
            assert_eq!(settings.secrets.previous_keys, vec!["p".repeat(44)]);
            let printed = format!("{settings:?}");
            assert!(!printed.contains("hunter2"), "{printed}");
            assert!(!printed.contains(&"k".repeat(40)), "{printed}");
            assert!(!printed.contains(&"s".repeat(44)), "{printed}");
            assert!(!printed.contains(&"p".repeat(44)), "{printed}");
            assert!(
                settings.auth.to_api().basic.is_none(),
                "no username: Basic stays off"
            );
            Ok(())
        });
    }

    #[test]
    fn a_typo_is_refused_with_the_closest_key() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("ferry.toml", "[server]\nlistne = \"0.0.0.0:9000\"\n")?;
            let refusal = Settings::load(Some(Path::new("ferry.toml")))
                .unwrap_err()
                .to_string();
            assert!(refusal.contains("`server.listne`"), "{refusal}");
            assert!(refusal.contains("ferry.toml"), "{refusal}");
            assert!(refusal.contains("`server.listen`"), "{refusal}");

            jail.create_file("sever.toml", "[sever]\nlisten = \"0.0.0.0:9000\"\n")?;
            let refusal = Settings::load(Some(Path::new("sever.toml")))
                .unwrap_err()
                .to_string();
            assert!(refusal.contains("`sever`"), "{refusal}");
            assert!(refusal.contains("`server`"), "{refusal}");

            jail.set_env("FERRY_SERVER__LISTNE", "0.0.0.0:9000");
            let refusal = Settings::load(None).unwrap_err().to_string();
            assert!(refusal.contains("FERRY_SERVER__LISTNE"), "{refusal}");
            assert!(refusal.contains("`server.listen`"), "{refusal}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("FERRY_DATABASE_URL", "postgres://u@h/db");
            let refusal = Settings::load(None).unwrap_err().to_string();
            assert!(refusal.contains("FERRY_DATABASE_URL"), "{refusal}");
            assert!(refusal.contains("FERRY_DATABASE__URL"), "{refusal}");
            Ok(())
        });
    }

    #[test]
    fn open_maps_take_any_key_and_ferrys_own_variables_are_not_settings() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "ferry.toml",
                "[connectors.commands]\n\"acme/source-x\" = [\"/bin/x\"]\n\
                 [connectors.container.labels]\nteam = \"data\"\n",
            )?;
            jail.set_env("FERRY_CONFIG", "ferry.toml");
            jail.set_env("FERRY_SECRETS_NEW_KEY", "k");
            jail.set_env("FERRY_BENCH_ROWS", "10");
            jail.set_env("FERRY_ADMIN_PASSWORD", "for docker-compose.yml");
            let settings = Settings::load(Some(Path::new("ferry.toml"))).unwrap();
            assert_eq!(settings.connectors.commands["acme/source-x"], ["/bin/x"]);
            assert_eq!(settings.connectors.container.labels["team"], "data");
            Ok(())
        });
    }

    #[test]
    fn a_database_url_of_another_scheme_is_refused() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FERRY_DATABASE__URL", "postgress://ferry:pw@db/ferry");
            let refusal = Settings::load(None).unwrap_err().to_string();
            assert!(refusal.contains("postgress"), "{refusal}");
            assert!(!refusal.contains("pw"), "{refusal}");
            Ok(())
        });
    }

    #[test]
    fn the_effective_configuration_hides_secrets() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FERRY_AUTH__BASIC_PASSWORD", "hunter2-secret");
            jail.set_env("FERRY_SECRETS__PREVIOUS_KEYS", "[\"old-key-secret\"]");
            jail.set_env("FERRY_DATABASE__URL", "postgres://ferry:pw-secret@db/ferry");
            jail.set_env("FERRY_SERVER__WORKERS", "3");
            let printed = Settings::effective_toml(None).unwrap();
            assert!(printed.contains("FERRY_SERVER__WORKERS"), "{printed}");
            assert!(printed.contains("workers = 3"), "{printed}");
            assert!(
                printed.contains("postgres://ferry:****@db/ferry"),
                "{printed}"
            );
            assert!(
                printed.contains("basic_password = \"(hidden)\""),
                "{printed}"
            );
            assert!(
                printed.contains("signing_key = \"\""),
                "unset stays visible: {printed}"
            );
            assert!(!printed.contains("secret\""), "{printed}");
            let parsed: toml::Table = printed.parse().unwrap();
            assert_eq!(parsed["server"]["listen"].as_str(), Some("127.0.0.1:8001"));
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
