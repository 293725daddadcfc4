//! Values generated once per instance and shared by every replica on the same database.

use crate::connection::AnyConnection;
use crate::error::{is_unique_violation, DieselResultExt};
use crate::schema::instance_settings;
use diesel::prelude::*;
use ferry_domain::Result;

/// The stored value of `name`, if any.
pub fn get(conn: &mut AnyConnection, name: &str) -> Result<Option<String>> {
    instance_settings::table
        .filter(instance_settings::name.eq(name.to_string()))
        .select(instance_settings::value)
        .first(conn)
        .optional()
        .db()
}

/// The stored value of `name`, storing `generate()` first when there is none (it runs only
/// then). Replicas that start together agree: the loser of the insert race reads the
/// winner's value.
pub fn get_or_create(
    conn: &mut AnyConnection,
    name: &str,
    generate: impl FnOnce() -> Result<String>,
) -> Result<String> {
    if let Some(value) = get(conn, name)? {
        return Ok(value);
    }
    let value = generate()?;
    let inserted = conn.transaction(|c| {
        diesel::insert_into(instance_settings::table)
            .values((
                instance_settings::name.eq(name.to_string()),
                instance_settings::value.eq(value.clone()),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => Ok(value),
        Err(e) if is_unique_violation(&e) => get(conn, name)?.ok_or_else(|| {
            ferry_domain::Error::internal(format!("instance setting {name} vanished"))
        }),
        Err(e) => Err(crate::error::from_diesel(e)),
    }
}

/// Stores `value` as `name`, replacing what was there. Call it inside a transaction.
pub fn put(conn: &mut AnyConnection, name: &str, value: &str) -> Result<()> {
    let updated = diesel::update(instance_settings::table.filter(instance_settings::name.eq(name)))
        .set(instance_settings::value.eq(value))
        .execute(conn)
        .db()?;
    if updated == 0 {
        diesel::insert_into(instance_settings::table)
            .values((
                instance_settings::name.eq(name),
                instance_settings::value.eq(value),
            ))
            .execute(conn)
            .db()?;
    }
    Ok(())
}
