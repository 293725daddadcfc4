//! Organizations.

use super::locks::{lock_live, LockMode, Locked};
use super::paging::{self, load_page, ListPage, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::DieselResultExt;
use crate::schema::{organizations, workspaces};
use crate::sql_types::{now, sqlite_time_text, DbTime, DbUuid};
use diesel::prelude::*;
use ferry_domain::ids::{OrganizationId, DEFAULT_ORGANIZATION_ID};
use ferry_domain::organization::{
    Organization, OrganizationCreateRequestBody, OrganizationSortBy, OrganizationUpdateRequestBody,
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
    /// The name lowercased (in Rust, so alike on both backends), for lists.
    name_folded: String,
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
        name_folded: request.organization_name.to_string().to_lowercase(),
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

/// Which organizations a list holds: live ones, filtered.
#[derive(Clone, Debug, Default)]
pub struct OrganizationFilter {
    /// Lowercased.
    pub name_contains: Option<String>,
    /// Only these (those the caller may see); every one when None.
    pub visible: Option<Vec<OrganizationId>>,
}

/// How an organization list is ordered and which slice of it to return.
pub type OrganizationPage = ListPage<OrganizationSortBy>;

fn filtered(filter: &OrganizationFilter) -> organizations::BoxedQuery<'static, MultiBackend> {
    let mut query = organizations::table
        .filter(organizations::deleted_at.is_null())
        .into_boxed();
    if let Some(term) = &filter.name_contains {
        query = query.filter(
            organizations::name_folded
                .like(paging::contains_pattern(term))
                .escape('\\'),
        );
    }
    if let Some(visible) = &filter.visible {
        let ids: Vec<DbUuid> = visible.iter().map(|o| DbUuid(o.0)).collect();
        query = query.filter(organizations::id.eq_any(ids));
    }
    query
}

/// A page of the live organizations (`store::paging`).
pub fn list(
    conn: &mut AnyConnection,
    filter: &OrganizationFilter,
    page: &OrganizationPage,
) -> Result<Page<Organization>> {
    use organizations as o;
    let (order, paging) = (page.order, &page.paging);
    let rows = match page.sort_by {
        OrganizationSortBy::Name => {
            let after = paging::after(paging, paging::text_key)?;
            load_page!(conn, filtered(filter), OrganizationRow::as_select() => OrganizationRow,
                o::name_folded, o::id, after, order, paging,
                |r: &OrganizationRow| (r.name_folded.clone(), r.id.0))
        }
        OrganizationSortBy::CreatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(conn, filtered(filter), OrganizationRow::as_select() => OrganizationRow,
                o::created_at, o::id, after, order, paging,
                |r: &OrganizationRow| (sqlite_time_text(&r.created_at.0), r.id.0))
        }
        OrganizationSortBy::UpdatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(conn, filtered(filter), OrganizationRow::as_select() => OrganizationRow,
                o::updated_at, o::id, after, order, paging,
                |r: &OrganizationRow| (sqlite_time_text(&r.updated_at.0), r.id.0))
        }
    };
    Ok(rows.map(Organization::from))
}

#[derive(AsChangeset)]
#[diesel(table_name = organizations)]
struct OrganizationChanges {
    name: Option<String>,
    name_folded: Option<String>,
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
        name_folded: request
            .organization_name
            .as_ref()
            .map(|n| n.to_string().to_lowercase()),
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
