//! Organizations.

use super::locks::{lock_live, LockMode, Locked};
use crate::connection::AnyConnection;
use crate::error::DieselResultExt;
use crate::schema::{organizations, workspaces};
use crate::sql_types::{now, DbTime, DbUuid};
use diesel::prelude::*;
use ferry_domain::ids::{OrganizationId, DEFAULT_ORGANIZATION_ID};
use ferry_domain::organization::{
    Organization, OrganizationCreateRequestBody, OrganizationUpdateRequestBody,
};
use ferry_domain::{Error, Resource, Result};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
struct OrganizationRow {
    id: DbUuid,
    name: String,
    email: Option<String>,
    created_at: DbTime,
    updated_at: DbTime,
    deleted_at: Option<DbTime>,
    version: i64,
}

impl From<OrganizationRow> for Organization {
    fn from(r: OrganizationRow) -> Self {
        Organization {
            id: OrganizationId(r.id.0),
            name: r.name,
            email: r.email,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            deleted_at: r.deleted_at.map(|t| t.0),
            version: r.version,
        }
    }
}

pub fn create(
    conn: &mut AnyConnection,
    request: &OrganizationCreateRequestBody,
) -> Result<Organization> {
    let timestamp = DbTime(now());
    let row = OrganizationRow {
        id: DbUuid(OrganizationId::random().0),
        name: request.organization_name.to_string(),
        email: request.email.as_ref().map(ToString::to_string),
        created_at: timestamp,
        updated_at: timestamp,
        deleted_at: None,
        version: ferry_domain::version::FIRST_VERSION,
    };
    diesel::insert_into(organizations::table)
        .values(&row)
        .execute(conn)
        .db()?;
    Ok(row.into())
}

/// An organization by id, deleted or not.
pub fn get(conn: &mut AnyConnection, id: OrganizationId) -> Result<Organization> {
    organizations::table
        .filter(organizations::id.eq(DbUuid(id.0)))
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .map(Organization::from)
        .ok_or_else(|| Error::not_found(Resource::Organization, id))
}

/// Locks a live organization so that workspaces can be put in it; 404 when there is none.
pub fn lock_for_new_workspace(conn: &mut AnyConnection, id: OrganizationId) -> Result<()> {
    if lock_live(conn, Locked::Organization, id.0, LockMode::Share)? {
        Ok(())
    } else {
        Err(Error::not_found(Resource::Organization, id))
    }
}

/// Every live organization, oldest first.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Organization>> {
    let rows: Vec<OrganizationRow> = organizations::table
        .filter(organizations::deleted_at.is_null())
        .order((organizations::created_at.asc(), organizations::id.asc()))
        .select(OrganizationRow::as_select())
        .load(conn)
        .db()?;
    Ok(rows.into_iter().map(Organization::from).collect())
}

#[derive(AsChangeset)]
#[diesel(table_name = organizations)]
struct OrganizationChanges {
    name: Option<String>,
    email: Option<String>,
    updated_at: DbTime,
}

/// A partial update of a live organization.
pub fn update(
    conn: &mut AnyConnection,
    request: &OrganizationUpdateRequestBody,
    expected: Option<i64>,
) -> Result<Organization> {
    let id = request.organization_id;
    let changes = OrganizationChanges {
        name: request.organization_name.as_ref().map(ToString::to_string),
        email: request.email.as_ref().map(ToString::to_string),
        updated_at: DbTime(now()),
    };
    if !lock_live(conn, Locked::Organization, id.0, LockMode::Update)? {
        return Err(Error::not_found(Resource::Organization, id));
    }
    super::versions::check(conn, Resource::Organization, id.0, expected)?;
    let updated = diesel::update(
        organizations::table
            .filter(organizations::id.eq(DbUuid(id.0)))
            .filter(organizations::deleted_at.is_null()),
    )
    .set((
        &changes,
        organizations::version.eq(organizations::version + 1),
    ))
    .execute(conn)
    .db()?;
    if updated == 0 {
        return Err(Error::not_found(Resource::Organization, id));
    }
    get(conn, id)
}

/// Soft-deletes an organization that holds no live workspace (409 otherwise, with the
/// count). The default organization is never deleted.
pub fn delete(conn: &mut AnyConnection, id: OrganizationId, expected: Option<i64>) -> Result<()> {
    get(conn, id)?;
    if id == DEFAULT_ORGANIZATION_ID {
        return Err(Error::conflict(
            "the default organization cannot be deleted",
        ));
    }
    // Locked first, so a workspace being created in it concurrently is counted below.
    let live_row = lock_live(conn, Locked::Organization, id.0, LockMode::Update)?;
    super::versions::check(conn, Resource::Organization, id.0, expected)?;
    if !live_row {
        return Ok(());
    }
    let live: i64 = workspaces::table
        .filter(workspaces::organization_id.eq(DbUuid(id.0)))
        .filter(workspaces::deleted_at.is_null())
        .count()
        .get_result(conn)
        .db()?;
    if live > 0 {
        let noun = if live == 1 { "workspace" } else { "workspaces" };
        return Err(Error::conflict(format!(
            "the organization still holds {live} live {noun}; delete or move them first"
        )));
    }
    let timestamp = DbTime(now());
    diesel::update(organizations::table.filter(organizations::id.eq(DbUuid(id.0))))
        .set((
            organizations::deleted_at.eq(Some(timestamp)),
            organizations::updated_at.eq(timestamp),
            organizations::version.eq(organizations::version + 1),
        ))
        .execute(conn)
        .db()?;
    Ok(())
}
