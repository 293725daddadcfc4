//! The keys connector secrets are encrypted under, from configuration: `secrets.key` (or
//! `secrets.key_file`), and `secrets.previous_keys` during a rotation. On SQLite without a
//! key, one is generated once into `secrets.key` beside the database file; on PostgreSQL,
//! where every replica must share one key, start-up refuses to go on without one.

use crate::settings::{SecretsSettings, Settings};
use anyhow::{anyhow, bail, Context};
use ferry_persistence::secrets::{self, KeyCheck, SecretBox, SecretKey};
use ferry_persistence::{Backend, Database};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file a key is generated into on SQLite: beside the database file.
pub fn generated_key_file(database: &Path) -> PathBuf {
    database
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join("secrets.key")
}

/// A persistence error as an operator reads it (start-up errors name configuration keys).
pub fn plain(error: ferry_domain::Error) -> anyhow::Error {
    match error {
        ferry_domain::Error::Internal { internal } => anyhow!(internal),
        other => anyhow!(other),
    }
}

/// The configured keys: the current one first, then the previous ones. Blocking.
pub fn configured(db: &Database, settings: &SecretsSettings) -> anyhow::Result<SecretBox> {
    let current = current_key(db, settings)?;
    let previous = settings
        .previous_keys
        .iter()
        .enumerate()
        .map(|(i, text)| {
            SecretKey::from_base64(text).map_err(|e| anyhow!("secrets.previous_keys[{i}] {e}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(SecretBox::new(current, previous))
}

fn current_key(db: &Database, settings: &SecretsSettings) -> anyhow::Result<SecretKey> {
    match (settings.key.trim(), settings.key_file.trim()) {
        ("", "") => {}
        (_, "") => {
            return SecretKey::from_base64(&settings.key).map_err(|e| anyhow!("secrets.key {e}"))
        }
        ("", file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("secrets.key_file: cannot read {file}"))?;
            return SecretKey::from_base64(&text)
                .map_err(|e| anyhow!("secrets.key_file: the key in {file} {e}"));
        }
        _ => bail!("set secrets.key or secrets.key_file, not both"),
    }
    match db.backend() {
        Backend::Postgres { .. } => bail!(
            "secrets.key is not set: on PostgreSQL every replica must use the same key for \
             connector secrets, so Ferry does not generate one. Generate one with `openssl \
             rand -base64 32` and set it as secrets.key (FERRY_SECRETS__KEY) or in a file \
             named by secrets.key_file, the same on every replica, and keep it safe: the \
             stored secrets cannot be read without it"
        ),
        Backend::Sqlite { path } => generated_key(db, &generated_key_file(path)),
    }
}

/// The key in the generated key file, generated now (mode 0600) when there is none yet and
/// the database holds no secrets encrypted under another key.
fn generated_key(db: &Database, file: &Path) -> anyhow::Result<SecretKey> {
    let read = |file: &Path| -> anyhow::Result<SecretKey> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the secrets key in {}", file.display()))?;
        SecretKey::from_base64(&text).map_err(|e| {
            anyhow!(
                "the secrets key in {} {e} (secrets.key is not set, so Ferry uses that file)",
                file.display()
            )
        })
    };
    if file.exists() {
        return read(file);
    }
    if let Some(id) = db.run_blocking(secrets::recorded_key_id).map_err(plain)? {
        bail!(
            "secrets.key is not set and {} does not exist, but this database's connector \
             secrets are encrypted under the key of id {id}: set secrets.key \
             (FERRY_SECRETS__KEY) to that key, or put the file back",
            file.display()
        );
    }
    let (key, text) = SecretKey::generate().map_err(plain)?;
    let created = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(file)
    };
    match created {
        Ok(mut out) => {
            out.write_all(format!("{text}\n").as_bytes())
                .and_then(|()| out.sync_all())
                .with_context(|| format!("cannot write the secrets key to {}", file.display()))?;
            tracing::warn!(
                file = %file.display(),
                key_id = key.id(),
                "generated the key connector secrets are encrypted with; in production set \
                 secrets.key (FERRY_SECRETS__KEY) and keep a copy: without it the stored \
                 secrets cannot be read"
            );
            Ok(key)
        }
        // Another process generated it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(file),
        Err(e) => Err(anyhow!(e))
            .with_context(|| format!("cannot create the secrets key file {}", file.display())),
    }
}

/// The database handle with its keys, after checking that they read what it holds (a wrong
/// key is refused here, naming `secrets.key`). On the first start with encryption, the
/// secrets stored in clear before are encrypted. Blocking.
pub fn load(db: Database, settings: &Settings) -> anyhow::Result<Database> {
    let keys = configured(&db, &settings.secrets)?;
    let current = keys.current_id().to_string();
    let check = db
        .run_blocking(|conn| secrets::check_key(conn, &keys))
        .map_err(plain)?;
    let db = db.with_secrets(keys);
    match check {
        KeyCheck::Recorded => {
            let done = secrets::rotate(&db).map_err(plain)?;
            tracing::info!(
                key_id = %current,
                encrypted = done.rewritten,
                "connector secrets are encrypted at rest"
            );
        }
        KeyCheck::Current => tracing::debug!(key_id = %current, "secrets key checked"),
        KeyCheck::Previous(previous) => tracing::warn!(
            key_id = %current,
            previous = %previous,
            "stored secrets are still under a previous key: run `ferry secrets rotate`, then \
             remove it from secrets.previous_keys"
        ),
    }
    Ok(db)
}
