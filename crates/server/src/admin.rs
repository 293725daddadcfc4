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
