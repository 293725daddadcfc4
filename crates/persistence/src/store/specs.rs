//! The SPEC each connector image answered, cached per repository:tag.

use crate::connection::AnyConnection;
use crate::error::{is_unique_violation, DieselResultExt};
use crate::schema::connector_specs;
use crate::sql_types::{now, DbJson, DbTime};
use diesel::prelude::*;
use ferry_domain::Result;
use serde_json::Value;

/// A cached spec: the connection specification and the documentation URL.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedSpec {
    pub specification: Value,
    pub documentation_url: Option<String>,
}

pub fn get(conn: &mut AnyConnection, repository: &str, tag: &str) -> Result<Option<CachedSpec>> {
    let row: Option<(DbJson, Option<String>)> = connector_specs::table
        .filter(connector_specs::docker_repository.eq(repository))
        .filter(connector_specs::docker_image_tag.eq(tag))
        .select((
            connector_specs::specification,
            connector_specs::documentation_url,
        ))
        .first(conn)
        .optional()
        .db()?;
    Ok(row.map(|(specification, documentation_url)| CachedSpec {
        specification: specification.0,
        documentation_url,
    }))
}

/// Remembers a spec. Two replicas fetching the same spec at once both succeed.
pub fn put(conn: &mut AnyConnection, repository: &str, tag: &str, spec: &CachedSpec) -> Result<()> {
    let inserted = conn.transaction(|c| {
        diesel::insert_into(connector_specs::table)
            .values((
                connector_specs::docker_repository.eq(repository),
                connector_specs::docker_image_tag.eq(tag),
                connector_specs::specification.eq(DbJson(spec.specification.clone())),
                connector_specs::documentation_url.eq(spec.documentation_url.clone()),
                connector_specs::created_at.eq(DbTime(now())),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(crate::error::from_diesel(e)),
    }
}

/// Forgets every cached spec of a repository.
pub fn forget(conn: &mut AnyConnection, repository: &str) -> Result<()> {
    diesel::delete(
        connector_specs::table.filter(connector_specs::docker_repository.eq(repository)),
    )
    .execute(conn)
    .db()?;
    Ok(())
}
