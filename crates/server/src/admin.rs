//! `ferry users create` and `ferry applications create`: the first credentials of an
//! instance, minted on the machine itself, before any token exists.

use crate::{ApplicationsCommand, UsersCommand};
use anyhow::Context;
use ferry_api::auth::provision;
use ferry_domain::application::ApplicationRead;
use ferry_domain::ids::UserId;
use ferry_domain::user::{UserCreate, UserRead};
use ferry_persistence::store::users;
use ferry_persistence::{write_transaction, Database};
use serde_json::json;

pub fn users(db: &Database, command: UsersCommand) -> anyhow::Result<serde_json::Value> {
    let UsersCommand::Create {
        email,
        name,
        instance_admin,
    } = command;
    let request = UserCreate {
        name: name
            .unwrap_or_else(|| email.clone())
            .try_into()
            .map_err(|e| anyhow::anyhow!("--name: {e}"))?,
        email: email
            .try_into()
            .map_err(|e| anyhow::anyhow!("--email: {e}"))?,
    };
    let mut conn = db.connection().map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = write_transaction(&mut conn, |conn| {
        provision::create_user(conn, &request, instance_admin)
    })
    .map_err(|e| anyhow::anyhow!("{}", e.client_message()))?;
    let mut printed = serde_json::to_value(UserRead::from(user))?;
    printed["instanceAdmin"] = json!(instance_admin);
    Ok(printed)
}

pub fn applications(
    db: &Database,
    command: ApplicationsCommand,
) -> anyhow::Result<ApplicationRead> {
    let ApplicationsCommand::Create { user, name } = command;
    let mut conn = db.connection().map_err(|e| anyhow::anyhow!("{e}"))?;
    write_transaction(&mut conn, |conn| {
        let owner = match uuid::Uuid::parse_str(&user) {
            Ok(id) => users::get(conn, UserId(id))?,
            Err(_) => users::get_by_email(conn, &user)?,
        };
        provision::create_application(conn, owner.id, &name)
    })
    .map_err(|e| anyhow::anyhow!("{}", e.client_message()))
    .context("cannot create the application")
}

#[derive(clap::Subcommand)]
pub enum SecretsCommand {
    /// Re-encrypts every stored connector secret under one key, idempotently (one
    /// transaction per batch of sources and destinations). Without --new-key, under
    /// secrets.key, moving what is still under secrets.previous_keys (or still in clear);
    /// with it, under the new key, reading with secrets.key and secrets.previous_keys. Prints
    /// what it did as JSON.
    Rotate {
        /// The new key, base64 of 32 bytes (`openssl rand -base64 32`); the environment keeps
        /// it off the command line. Afterwards set secrets.key to it.
        #[arg(long, env = "FERRY_SECRETS_NEW_KEY", hide_env_values = true)]
        new_key: Option<String>,
    },
}

pub fn secrets(
    db: Database,
    settings: &crate::settings::Settings,
    command: SecretsCommand,
) -> anyhow::Result<serde_json::Value> {
    use ferry_persistence::secrets::{self, SecretKey};
    let SecretsCommand::Rotate { new_key } = command;
    let mut keys = crate::secrets::configured(&db, &settings.secrets)?;
    if let Some(text) = new_key {
        let new = SecretKey::from_base64(&text).map_err(|e| anyhow::anyhow!("--new-key {e}"))?;
        keys = keys.rotating_to(new);
    }
    let key_ids: Vec<String> = keys.key_ids().into_iter().map(String::from).collect();
    db.run_blocking(|conn| secrets::check_key(conn, &keys))
        .map_err(crate::secrets::plain)?;
    let db = db.with_secrets(keys);
    let done = secrets::rotate(&db).map_err(crate::secrets::plain)?;
    Ok(json!({
        "keyId": key_ids.first(),
        "decryptedWith": key_ids.get(1..),
        "actors": done.actors,
        "webhooks": done.webhooks,
        "rewritten": done.rewritten,
    }))
}
