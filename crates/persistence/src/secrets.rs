//! Connector secrets at rest: the values at a configuration's secret paths (what its spec
//! marks `airbyte_secret`) are stored encrypted with AES-256-GCM, each as the string
//! `ferry:enc:v1:<key id>:<base64 of nonce and ciphertext>` in place of the value, where the
//! key id is the first 8 hex digits of the SHA-256 of the key. The rest of a configuration
//! stays readable JSON.
//!
//! Encryption and decryption happen in one place, the actors store, on the way into and out
//! of the database; everything above sees clear values. The store finds the keys through the
//! [`Database`] it runs on: [`Database::run_blocking`] (and so `run` and `write`) puts the
//! database's [`SecretBox`] in scope for the work it runs. Work on a bare
//! [`Database::connection`] has no keys in scope and fails when it meets a secret.
//!
//! A small check value in `instance_settings` (a known text encrypted under the key in use)
//! lets start-up refuse a wrong key instead of serving garbage; [`rotate`] re-encrypts every
//! stored secret under the current key while the previous ones are still configured.

use crate::connection::{write_transaction, AnyConnection, Database};
use crate::store::instance_settings;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ferry_domain::secrets::SecretPath;
use ferry_domain::{Error, Result};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::sync::Arc;

/// What every stored ciphertext starts with; the version names the format (cipher, layout).
pub const PREFIX: &str = "ferry:enc:v1:";

/// Bytes in a key (AES-256) and in a nonce (GCM's 96 bits).
pub const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 12;

/// The instance setting holding the key check, and the text it encrypts.
const KEY_CHECK: &str = "secrets.key_check";
const KEY_CHECK_TEXT: &str = "ferry secrets key check";

/// One key: its id (which every ciphertext names) and its cipher. Never printed.
pub struct SecretKey {
    id: String,
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey").field("id", &self.id).finish()
    }
}

impl SecretKey {
    /// A key from its configured form, base64 of 32 bytes. The error says what is wrong with
    /// it without repeating it.
    pub fn from_base64(text: &str) -> std::result::Result<Self, String> {
        let bytes = STANDARD.decode(text.trim()).map_err(|e| {
            format!("is not base64 ({e}); generate one with `openssl rand -base64 32`")
        })?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> std::result::Result<Self, String> {
        if bytes.len() != KEY_BYTES {
            return Err(format!(
                "holds {} bytes, not {KEY_BYTES}; generate one with `openssl rand -base64 32`",
                bytes.len()
            ));
        }
        let cipher = Aes256Gcm::new_from_slice(bytes).map_err(|e| e.to_string())?;
        let digest = Sha256::digest(bytes);
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { id, cipher })
    }

    /// A new random key and its base64 form (to keep in a file or in configuration).
    pub fn generate() -> Result<(Self, String)> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
        let key = Self::from_bytes(&bytes).map_err(Error::internal)?;
        Ok((key, STANDARD.encode(bytes)))
    }

    /// A key derived from a passphrase with Argon2id (`salt`, memory in KiB, passes, lanes):
    /// export documents carry secrets under a passphrase rather than the instance key. Costs
    /// outside Argon2's limits are an internal error (callers bound them first).
    pub fn from_passphrase(
        passphrase: &str,
        salt: &[u8],
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
    ) -> Result<Self> {
        let params = argon2::Params::new(memory_kib, iterations, parallelism, Some(KEY_BYTES))
            .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
        let kdf = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut bytes = [0u8; KEY_BYTES];
        kdf.hash_password_into(passphrase.as_bytes(), salt, &mut bytes)
            .map_err(|e| Error::internal(format!("argon2: {e}")))?;
        Self::from_bytes(&bytes).map_err(Error::internal)
    }

    /// `n` random bytes (a salt).
    pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
        let mut bytes = vec![0u8; n];
        getrandom::fill(&mut bytes).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
        Ok(bytes)
    }

    /// The first 8 hex digits of the SHA-256 of the key.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The keys a database's secrets are handled with: the current one, which encrypts, and
/// previous ones, which only decrypt (during a rotation).
#[derive(Debug)]
pub struct SecretBox {
    current: SecretKey,
    previous: Vec<SecretKey>,
}

impl SecretBox {
    pub fn new(current: SecretKey, previous: Vec<SecretKey>) -> Self {
        let previous = previous
            .into_iter()
            .filter(|key| key.id != current.id)
            .collect();
        Self { current, previous }
    }

    /// These keys with `new` encrypting, and all of these only decrypting.
    pub fn rotating_to(self, new: SecretKey) -> Self {
        let mut previous = vec![self.current];
        previous.extend(self.previous);
        Self::new(new, previous)
    }

    /// The id of the key that encrypts.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    fn key(&self, id: &str) -> Option<&SecretKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.id == id)
    }

    /// The ids of the keys this box holds, the current one first.
    pub fn key_ids(&self) -> Vec<&str> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .map(|key| key.id.as_str())
            .collect()
    }

    /// Encrypts a text under the current key. The header (format and key id) is
    /// authenticated too, so a ciphertext cannot be passed off under another key id.
    pub fn encrypt(&self, clear: &str) -> Result<String> {
        let header = format!("{PREFIX}{}:", self.current.id);
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
        let sealed = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: clear.as_bytes(),
                    aad: header.as_bytes(),
                },
            )
            .map_err(|_| Error::internal("secret encryption failed"))?;
        let mut body = nonce.to_vec();
        body.extend_from_slice(&sealed);
        Ok(format!("{header}{}", STANDARD.encode(body)))
    }

    /// The key id a stored ciphertext names, if `stored` is one.
    pub fn key_id_of(stored: &str) -> Option<&str> {
        stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .map(|(id, _)| id)
    }

    /// Decrypts a stored ciphertext with the key it names. An unknown key id or a
    /// ciphertext that does not authenticate is an error naming the configuration keys.
    pub fn decrypt(&self, stored: &str) -> Result<String> {
        let (id, body) = stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .ok_or_else(|| Error::internal("a stored secret is not in Ferry's encrypted form"))?;
        let key = self.key(id).ok_or_else(|| {
            Error::internal(format!(
                "a stored secret was encrypted with key id {id}, which is neither secrets.key \
                 (key id {}) nor among secrets.previous_keys; configure that key",
                self.current.id
            ))
        })?;
        let body = STANDARD.decode(body).map_err(|_| {
            Error::internal(format!("a stored secret under key id {id} is damaged"))
        })?;
        if body.len() < NONCE_BYTES {
            return Err(Error::internal(format!(
                "a stored secret under key id {id} is damaged"
            )));
        }
        let (nonce, sealed) = body.split_at(NONCE_BYTES);
        let header = format!("{PREFIX}{id}:");
        let clear = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: header.as_bytes(),
                },
            )
            .map_err(|_| {
                Error::internal(format!(
                    "a stored secret does not decrypt with the key of id {id} (secrets.key or \
                     secrets.previous_keys): the key or the stored value is wrong"
                ))
            })?;
        String::from_utf8(clear)
            .map_err(|_| Error::internal(format!("a stored secret under key id {id} is damaged")))
    }

    /// `config` as stored: each value at `paths` replaced by its encryption (the JSON text
    /// of the value, so numbers and objects come back as they went in).
    pub fn seal(&self, config: &Value, paths: &[SecretPath]) -> Result<Value> {
        let mut sealed = config.clone();
        for path in paths {
            if let Some(slot) = get_mut(&mut sealed, path).filter(|v| !v.is_null()) {
                let text = serde_json::to_string(slot).map_err(Error::internal)?;
                *slot = Value::String(self.encrypt(&text)?);
            }
        }
        Ok(sealed)
    }

    /// `config` as read: each encrypted value at `paths` decrypted. A value that is not in
    /// the encrypted form (written before encryption) is returned as it is.
    pub fn open(&self, mut config: Value, paths: &[SecretPath]) -> Result<Value> {
        for path in paths {
            if let Some(slot) = get_mut(&mut config, path) {
                if let Some(stored) = slot.as_str().filter(|s| s.starts_with(PREFIX)) {
                    let text = self.decrypt(stored)?;
                    *slot = serde_json::from_str(&text).map_err(|_| {
                        Error::internal("a decrypted secret is not the JSON that was encrypted")
                    })?;
                }
            }
        }
        Ok(config)
    }

    /// A stored configuration with every secret under the current key: `None` when that is
    /// already so, otherwise the configuration with values under previous keys re-encrypted
    /// and clear ones (written before encryption) encrypted.
    pub fn reseal(&self, stored: &Value, paths: &[SecretPath]) -> Result<Option<Value>> {
        let mut resealed = stored.clone();
        let mut changed = false;
        for path in paths {
            let Some(slot) = get_mut(&mut resealed, path).filter(|v| !v.is_null()) else {
                continue;
            };
            let text = match slot.as_str().filter(|s| s.starts_with(PREFIX)) {
                Some(sealed) if Self::key_id_of(sealed) == Some(self.current_id()) => continue,
                Some(sealed) => self.decrypt(sealed)?,
                None => serde_json::to_string(slot).map_err(Error::internal)?,
            };
            *slot = Value::String(self.encrypt(&text)?);
            changed = true;
        }
        Ok(changed.then_some(resealed))
    }
}

fn get_mut<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |node, key| match node {
        Value::Object(map) => map.get_mut(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

fn get<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |node, key| match node {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

thread_local! {
    /// The keys of the database whose work runs on this thread (see [`in_scope`]).
    static IN_SCOPE: RefCell<Option<Arc<SecretBox>>> = const { RefCell::new(None) };
}

/// Runs `work` with `secrets` as the keys the actors store uses on this thread, restoring
/// what was in scope before when it returns (or unwinds).
pub(crate) fn in_scope<T>(secrets: Option<Arc<SecretBox>>, work: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<SecretBox>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            IN_SCOPE.with(|slot| *slot.borrow_mut() = previous);
        }
    }
    let previous = IN_SCOPE.with(|slot| slot.replace(secrets));
    let _restore = Restore(previous);
    work()
}

fn current() -> Result<Arc<SecretBox>> {
    IN_SCOPE.with(|slot| slot.borrow().clone()).ok_or_else(|| {
        Error::internal(
            "connector secrets need the secrets key, and none is in scope: run the work \
                 through a Database given one (Database::with_secrets)",
        )
    })
}

/// Whether `config` holds a value at one of `paths` that [`SecretBox::seal`] would encrypt.
fn has_values(config: &Value, paths: &[SecretPath]) -> bool {
    paths
        .iter()
        .any(|path| get(config, path).is_some_and(|v| !v.is_null()))
}

/// A configuration on its way into the database, with the keys in scope.
pub(crate) fn seal_for_storage(config: &Value, paths: &[SecretPath]) -> Result<Value> {
    if !has_values(config, paths) {
        return Ok(config.clone());
    }
    current()?.seal(config, paths)
}

/// A configuration on its way out of the database, with the keys in scope.
pub(crate) fn open_from_storage(config: Value, paths: &[SecretPath]) -> Result<Value> {
    let sealed = paths.iter().any(|path| {
        get(&config, path)
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with(PREFIX))
    });
    if !sealed {
        return Ok(config);
    }
    current()?.open(config, paths)
}

/// A secret text (a webhook's signing secret) on its way into the database, with the keys
/// in scope: always encrypted.
pub(crate) fn seal_text(clear: &str) -> Result<String> {
    current()?.encrypt(clear)
}

/// A secret text on its way out of the database, with the keys in scope.
pub(crate) fn open_text(stored: &str) -> Result<String> {
    current()?.decrypt(stored)
}

/// What start-up learnt from the key check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyCheck {
    /// There was none: this is the first start with encryption, and the current key is
    /// recorded now.
    Recorded,
    /// The stored secrets are under the current key.
    Current,
    /// The stored secrets are (at least partly) under this previous key: a rotation is due.
    Previous(String),
}

/// The key id the database's key check names, if it has one.
pub fn recorded_key_id(conn: &mut AnyConnection) -> Result<Option<String>> {
    Ok(instance_settings::get(conn, KEY_CHECK)?
        .and_then(|check| SecretBox::key_id_of(&check).map(str::to_string)))
}

/// Verifies that `secrets` can read what the database holds, by its key check (recorded
/// under the current key when there is none yet). A key that cannot is an error naming
/// `secrets.key`, so a wrong key is refused at start rather than met as garbage later.
pub fn check_key(conn: &mut AnyConnection, secrets: &SecretBox) -> Result<KeyCheck> {
    let mut recorded = false;
    let stored = instance_settings::get_or_create(conn, KEY_CHECK, || {
        recorded = true;
        secrets.encrypt(KEY_CHECK_TEXT)
    })?;
    let id = SecretBox::key_id_of(&stored).unwrap_or("?").to_string();
    let Some(key) = secrets.key(&id) else {
        return Err(Error::internal(format!(
            "secrets.key is not the key this database's secrets were encrypted with: they are \
             under key id {id}, and the configured keys have ids {} (secrets.key first, then \
             secrets.previous_keys). Set secrets.key (FERRY_SECRETS__KEY or secrets.key_file) to \
             the key of id {id}; during a rotation, keep the old key in secrets.previous_keys \
             until `ferry secrets rotate` has run",
            secrets.key_ids().join(", ")
        )));
    };
    match secrets.decrypt(&stored) {
        Ok(text) if text == KEY_CHECK_TEXT => {}
        _ => {
            return Err(Error::internal(format!(
                "secrets.key: the configured key of id {id} does not decrypt this database's \
                 key check; the key is wrong or the check is damaged"
            )))
        }
    }
    Ok(if recorded {
        KeyCheck::Recorded
    } else if key.id == secrets.current.id {
        KeyCheck::Current
    } else {
        KeyCheck::Previous(id)
    })
}

/// Records the key check under the current key (after every secret was moved to it).
pub fn record_key(conn: &mut AnyConnection, secrets: &SecretBox) -> Result<()> {
    instance_settings::put(conn, KEY_CHECK, &secrets.encrypt(KEY_CHECK_TEXT)?)
}

/// What a rotation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Sources and destinations looked at (deleted ones too: they still hold secrets).
    pub actors: usize,
    /// Notification webhooks looked at (their signing secrets; deleted ones too).
    pub webhooks: usize,
    /// Those (actors and webhooks) whose secrets were rewritten.
    pub rewritten: usize,
}

/// Actors per transaction in a rotation.
const ROTATION_BATCH: i64 = 100;

/// Re-encrypts every stored secret that is not under the database's current key (values
/// under previous keys, and clear values written before encryption), one transaction per
/// batch of actors, then records the key check under the current key. Idempotent: a second
/// run rewrites nothing, and an interrupted run can simply run again.
pub fn rotate(db: &Database) -> Result<Rotation> {
    let secrets = db
        .secrets()
        .ok_or_else(|| Error::internal("a rotation needs the database's secrets keys"))?;
    let mut done = Rotation::default();
    let mut after = None;
    loop {
        let batch = db.run_blocking(|conn| {
            write_transaction(conn, |c| {
                crate::store::actors::reseal_batch(c, &secrets, after, ROTATION_BATCH)
            })
        })?;
        done.actors += batch.actors;
        done.rewritten += batch.rewritten;
        match batch.last {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    // Webhook signing secrets, the same way.
    let mut after = None;
    loop {
        let batch = db.run_blocking(|conn| {
            write_transaction(conn, |c| {
                crate::store::notifications::reseal_batch(c, &secrets, after, ROTATION_BATCH)
            })
        })?;
        done.webhooks += batch.actors;
        done.rewritten += batch.rewritten;
        match batch.last {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    db.run_blocking(|conn| write_transaction(conn, |c| record_key(c, &secrets)))?;
    if done.rewritten > 0 {
        compact(db);
    }
    Ok(done)
}

/// On SQLite, rewrites the file and empties the WAL, so that the values a rotation replaced
/// (under an old key, or in clear) do not linger in free pages or old WAL frames. Best
/// effort: a busy database only leaves them there until SQLite reuses the space.
/// (PostgreSQL keeps replaced row versions until VACUUM reclaims them, as for any update.)
fn compact(db: &Database) {
    use diesel::connection::SimpleConnection;
    let compacted = db.run_blocking(|conn| match conn {
        AnyConnection::Sqlite(lite) => lite
            .batch_execute("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(Error::internal),
        AnyConnection::Postgres(_) => Ok(()),
    });
    if let Err(error) = compacted {
        tracing::warn!(%error, "could not compact the SQLite file after re-encrypting secrets");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> SecretKey {
        SecretKey::generate().unwrap().0
    }

    #[test]
    fn keys_are_base64_of_32_bytes_and_named_by_their_hash() {
        let text = STANDARD.encode([7u8; 32]);
        let key = SecretKey::from_base64(&text).unwrap();
        let digest = Sha256::digest([7u8; 32]);
        assert_eq!(
            key.id(),
            format!(
                "{:02x}{:02x}{:02x}{:02x}",
                digest[0], digest[1], digest[2], digest[3]
            )
        );
        assert!(SecretKey::from_base64("not base64!")
            .unwrap_err()
            .contains("base64"));
        let short = SecretKey::from_base64(&STANDARD.encode([1u8; 16])).unwrap_err();
        assert!(short.contains("16 bytes"), "{short}");
        assert!(!format!("{key:?}").contains(&text));
    }

    #[test]
    fn passphrase_keys_depend_on_passphrase_and_salt() {
        let derive = |passphrase: &str, salt: &[u8]| {
            SecretKey::from_passphrase(passphrase, salt, 64, 1, 1)
                .unwrap()
                .id()
                .to_string()
        };
        let salt = [1u8; 16];
        assert_eq!(
            derive("correct horse", &salt),
            derive("correct horse", &salt)
        );
        assert_ne!(derive("correct horse", &salt), derive("wrong horse", &salt));
        assert_ne!(
            derive("correct horse", &salt),
            derive("correct horse", &[2u8; 16])
        );
        let secrets = SecretBox::new(
            SecretKey::from_passphrase("correct horse", &salt, 64, 1, 1).unwrap(),
            vec![],
        );
        let paths: Vec<SecretPath> = vec![vec!["password".into()]];
        let sealed = secrets
            .seal(&json!({"password": "hunter2"}), &paths)
            .unwrap();
        let other = SecretBox::new(
            SecretKey::from_passphrase("wrong horse", &salt, 64, 1, 1).unwrap(),
            vec![],
        );
        assert!(other.open(sealed.clone(), &paths).is_err());
        assert_eq!(
            secrets.open(sealed, &paths).unwrap(),
            json!({"password": "hunter2"})
        );
        assert!(SecretKey::from_passphrase("x", &salt, 0, 0, 0).is_err());
        assert_eq!(SecretKey::random_bytes(16).unwrap().len(), 16);
    }

    #[test]
    fn values_at_secret_paths_are_sealed_and_opened() {
        let secrets = SecretBox::new(key(), vec![]);
        let config = json!({"host": "db", "password": "hunter2", "port": 5432,
                            "keys": [{"token": 42}], "empty": null});
        let paths: Vec<SecretPath> = vec![
            vec!["password".into()],
            vec!["keys".into(), "0".into(), "token".into()],
            vec!["empty".into()],
            vec!["missing".into()],
        ];
        let sealed = secrets.seal(&config, &paths).unwrap();
        let text = sealed.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(sealed["host"], "db");
        assert_eq!(sealed["empty"], Value::Null);
        let password = sealed["password"].as_str().unwrap();
        assert!(
            password.starts_with(&format!("{PREFIX}{}:", secrets.current_id())),
            "{password}"
        );
        assert_ne!(
            sealed["password"],
            secrets.seal(&config, &paths).unwrap()["password"],
            "fresh nonces"
        );
        assert_eq!(secrets.open(sealed.clone(), &paths).unwrap(), config);
        // Clear values (written before encryption) read as they are.
        assert_eq!(secrets.open(config.clone(), &paths).unwrap(), config);
    }

    #[test]
    fn tampering_and_unknown_keys_are_errors_not_garbage() {
        let secrets = SecretBox::new(key(), vec![]);
        let sealed = secrets.encrypt("\"hunter2\"").unwrap();
        let mut bytes = sealed.clone().into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(secrets.decrypt(&tampered).is_err());
        // Another key id in the header fails authentication too.
        let other = SecretBox::new(key(), vec![]);
        let swapped = sealed.replace(secrets.current_id(), other.current_id());
        assert!(other.decrypt(&swapped).is_err());
        let error = other.decrypt(&sealed).unwrap_err().to_string();
        assert!(
            error.contains(secrets.current_id()) && error.contains("secrets.key"),
            "{error}"
        );
    }

    #[test]
    fn resealing_moves_everything_to_the_current_key() {
        let old = SecretBox::new(key(), vec![]);
        let config = json!({"password": "hunter2", "token": "t", "host": "h"});
        let paths: Vec<SecretPath> = vec![vec!["password".into()], vec!["token".into()]];
        let mut stored = old.seal(&config, &paths).unwrap();
        stored["token"] = json!("t"); // clear, as before encryption
        let (new_key, _) = SecretKey::generate().unwrap();
        let rotating = SecretBox::new(new_key, vec![old.current]);
        let resealed = rotating.reseal(&stored, &paths).unwrap().unwrap();
        for path in ["password", "token"] {
            assert_eq!(
                SecretBox::key_id_of(resealed[path].as_str().unwrap()),
                Some(rotating.current_id())
            );
        }
        assert_eq!(rotating.open(resealed.clone(), &paths).unwrap(), config);
        assert_eq!(
            rotating.reseal(&resealed, &paths).unwrap(),
            None,
            "idempotent"
        );
    }

    #[test]
    fn nothing_in_scope_is_an_error_only_when_secrets_are_met() {
        let paths: Vec<SecretPath> = vec![vec!["password".into()]];
        let plain = json!({"host": "h"});
        assert_eq!(seal_for_storage(&plain, &paths).unwrap(), plain);
        assert!(seal_for_storage(&json!({"password": "p"}), &paths).is_err());
        let secrets = Arc::new(SecretBox::new(key(), vec![]));
        let sealed = in_scope(Some(secrets.clone()), || {
            seal_for_storage(&json!({"password": "p"}), &paths).unwrap()
        });
        assert!(
            open_from_storage(sealed.clone(), &paths).is_err(),
            "out of scope again"
        );
        let opened = in_scope(Some(secrets), || open_from_storage(sealed, &paths).unwrap());
        assert_eq!(opened, json!({"password": "p"}));
    }

    mod stored {
        use super::*;
        use crate::schema::actors;
        use crate::sql_types::{DbJson, DbUuid};
        use crate::store::actors as store;
        use crate::testing::{TestBackend, TestDatabase};
        use diesel::prelude::*;
        use ferry_domain::actor::ActorChanges;
        use ferry_domain::actor_definition::ActorType;

        fn paths() -> Vec<SecretPath> {
            vec![vec!["password".into()]]
        }

        /// A seeded source whose configuration holds a secret; returns its id.
        fn source_with_secret(db: &Database) -> uuid::Uuid {
            db.run_blocking(|conn| {
                write_transaction(conn, |c| {
                    crate::testing::seed_connections(c, 0, None);
                    let id: DbUuid = actors::table
                        .filter(actors::actor_type.eq("source"))
                        .select(actors::id)
                        .first(c)
                        .map_err(Error::internal)?;
                    let changes = ActorChanges {
                        name: "s".into(),
                        configuration: json!({"host": "h", "password": "hunter2"}),
                        secret_paths: paths(),
                        by: None,
                        expected_version: None,
                    };
                    store::update(c, ActorType::Source, id.0, &changes)?;
                    Ok(id.0)
                })
            })
            .unwrap()
        }

        /// The configuration as the table holds it, read without any key.
        fn raw(db: &Database, id: uuid::Uuid) -> Value {
            let mut conn = db.connection().unwrap();
            let conn: &mut AnyConnection = &mut conn;
            actors::table
                .filter(actors::id.eq(DbUuid(id)))
                .select(actors::configuration)
                .first::<DbJson>(conn)
                .unwrap()
                .0
        }

        fn password(db: &Database, id: uuid::Uuid) -> Result<Value> {
            db.run_blocking(|conn| store::get(conn, ActorType::Source, id))
                .map(|actor| actor.configuration["password"].clone())
        }

        fn check(db: &Database) -> Result<KeyCheck> {
            let secrets = db.secrets().unwrap();
            db.run_blocking(|conn| check_key(conn, &secrets))
        }

        fn encrypted_rotated_and_checked(backend: TestBackend) {
            let test_db = TestDatabase::new(backend);
            let old_id = test_db.key().id().to_string();
            let id = source_with_secret(&test_db.db);
            let stored = raw(&test_db.db, id);
            assert!(!stored.to_string().contains("hunter2"), "{stored}");
            assert_eq!(stored["host"], "h");
            assert_eq!(
                SecretBox::key_id_of(stored["password"].as_str().unwrap()),
                Some(old_id.as_str())
            );
            assert_eq!(password(&test_db.db, id).unwrap(), "hunter2");
            assert_eq!(check(&test_db.db).unwrap(), KeyCheck::Recorded);
            assert_eq!(check(&test_db.db).unwrap(), KeyCheck::Current);

            // A wrong key is refused by the check, and cannot read the secret either.
            let test_db = test_db.with_secrets(SecretBox::new(key(), vec![]));
            let refused = check(&test_db.db).unwrap_err().to_string();
            assert!(
                refused.contains("secrets.key") && refused.contains(&old_id),
                "{refused}"
            );
            let unreadable = password(&test_db.db, id).unwrap_err().to_string();
            assert!(unreadable.contains(&old_id), "{unreadable}");

            // Rotation: the new key encrypts, the old one still decrypts until it is done.
            let (new, new_text) = SecretKey::generate().unwrap();
            let new_id = new.id().to_string();
            let old = test_db.key();
            let test_db = test_db.with_secrets(SecretBox::new(new, vec![old]));
            assert_eq!(
                check(&test_db.db).unwrap(),
                KeyCheck::Previous(old_id.clone())
            );
            assert_eq!(password(&test_db.db, id).unwrap(), "hunter2");
            let rotated = rotate(&test_db.db).unwrap();
            assert_eq!(rotated.rewritten, 1, "{rotated:?}");
            assert_eq!(rotated.actors, 2, "the destination has no secret");
            assert_eq!(rotate(&test_db.db).unwrap().rewritten, 0, "idempotent");
            let stored = raw(&test_db.db, id);
            assert_eq!(
                SecretBox::key_id_of(stored["password"].as_str().unwrap()),
                Some(new_id.as_str())
            );
            // Only the new key now.
            let only_new = SecretBox::new(SecretKey::from_base64(&new_text).unwrap(), vec![]);
            let test_db = test_db.with_secrets(only_new);
            assert_eq!(check(&test_db.db).unwrap(), KeyCheck::Current);
            assert_eq!(password(&test_db.db, id).unwrap(), "hunter2");
            let old_only = SecretBox::new(test_db.key(), vec![]);
            let test_db = test_db.with_secrets(old_only);
            assert!(check(&test_db.db)
                .unwrap_err()
                .to_string()
                .contains(&new_id));

            // A clear value written before encryption reads as it is, and a rotation
            // encrypts it.
            let test_db = test_db.with_secrets(SecretBox::new(
                SecretKey::from_base64(&new_text).unwrap(),
                vec![],
            ));
            test_db
                .db
                .run_blocking(|conn| {
                    diesel::update(actors::table.filter(actors::id.eq(DbUuid(id))))
                        .set(actors::configuration.eq(DbJson(json!({"password": "legacy"}))))
                        .execute(conn)
                        .map_err(Error::internal)
                })
                .unwrap();
            assert_eq!(password(&test_db.db, id).unwrap(), "legacy");
            assert_eq!(rotate(&test_db.db).unwrap().rewritten, 1);
            assert!(!raw(&test_db.db, id).to_string().contains("legacy"));
            assert_eq!(password(&test_db.db, id).unwrap(), "legacy");
        }

        #[test]
        fn encrypted_rotated_and_checked_on_sqlite() {
            encrypted_rotated_and_checked(TestBackend::Sqlite);
        }

        #[test]
        fn encrypted_rotated_and_checked_on_postgres() {
            encrypted_rotated_and_checked(TestBackend::Postgres);
        }
    }
}
