//! Workspaces.

use super::locks::{lock_live, LockMode, Locked};
use crate::connection::AnyConnection;
use crate::error::{is_unique_violation, DieselResultExt};
use crate::schema::workspaces;
use crate::sql_types::{now, DbTime, DbUuid};
use diesel::prelude::*;
use ferry_domain::ids::{CustomerId, WorkspaceId, DEFAULT_WORKSPACE_ID};
use ferry_domain::slug::{slugify, with_suffix};
use ferry_domain::workspace::{Workspace, WorkspaceCreate, WorkspaceUpdate};
use ferry_domain::{Error, Resource, Result};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = workspaces)]
struct WorkspaceRow {
    id: DbUuid,
    customer_id: DbUuid,
    name: String,
    slug: String,
    email: Option<String>,
    initial_setup_complete: bool,
    onboarding_complete: bool,
    anonymous_data_collection: bool,
    news: bool,
    security_updates: bool,
    created_at: DbTime,
    updated_at: DbTime,
    deleted_at: Option<DbTime>,
}

impl From<WorkspaceRow> for Workspace {
    fn from(r: WorkspaceRow) -> Self {
        Workspace {
            id: WorkspaceId(r.id.0),
            customer_id: CustomerId(r.customer_id.0),
            name: r.name,
            slug: r.slug,
            email: r.email,
            initial_setup_complete: r.initial_setup_complete,
            onboarding_complete: r.onboarding_complete,
            anonymous_data_collection: r.anonymous_data_collection,
            news: r.news,
            security_updates: r.security_updates,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            deleted_at: r.deleted_at.map(|t| t.0),
        }
    }
}

/// Fields an update may change; `None` keeps the stored value.
#[derive(AsChangeset)]
#[diesel(table_name = workspaces)]
struct WorkspaceChanges {
    email: Option<String>,
    initial_setup_complete: Option<bool>,
    onboarding_complete: Option<bool>,
    anonymous_data_collection: Option<bool>,
    news: Option<bool>,
    security_updates: Option<bool>,
    updated_at: DbTime,
}

/// How many slug collisions a create absorbs before it gives up (each retry re-reads).
const SLUG_ATTEMPTS: usize = 16;

/// Creates a workspace with a unique slug derived from its name (`ops`, `ops-2`, ...).
pub fn create(conn: &mut AnyConnection, request: &WorkspaceCreate) -> Result<Workspace> {
    create_with_id(conn, WorkspaceId::random(), request.name.as_str(), request)
}

fn create_with_id(
    conn: &mut AnyConnection,
    id: WorkspaceId,
    name: &str,
    request: &WorkspaceCreate,
) -> Result<Workspace> {
    let base = slugify(name);
    for _ in 0..SLUG_ATTEMPTS {
        let slug = first_free_slug(conn, &base)?;
        let timestamp = DbTime(now());
        let row = WorkspaceRow {
            id: DbUuid(id.0),
            customer_id: DbUuid(CustomerId::random().0),
            name: name.to_string(),
            slug,
            email: request.email.as_ref().map(|e| e.to_string()),
            initial_setup_complete: false,
            onboarding_complete: false,
            anonymous_data_collection: request.anonymous_data_collection.unwrap_or(false),
            news: request.news.unwrap_or(false),
            security_updates: request.security_updates.unwrap_or(false),
            created_at: timestamp,
            updated_at: timestamp,
            deleted_at: None,
        };
        // A savepoint, so that losing a race for the slug leaves an outer transaction usable.
        let inserted = conn.transaction(|c| {
            diesel::insert_into(workspaces::table)
                .values(&row)
                .execute(c)
        });
        match inserted {
            Ok(_) => return Ok(row.into()),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(crate::error::from_diesel(e)),
        }
    }
    Err(Error::conflict(format!(
        "could not find a free slug for {name:?}; try again"
    )))
}

/// The first of `base`, `base-2`, `base-3`, ... that no workspace (live or deleted) holds.
fn first_free_slug(conn: &mut AnyConnection, base: &str) -> Result<String> {
    let taken: Vec<String> = workspaces::table
        .filter(
            workspaces::slug
                .eq(base)
                .or(workspaces::slug.like(format!("{base}-%"))),
        )
        .select(workspaces::slug)
        .load(conn)
        .db()?;
    let taken: std::collections::HashSet<String> = taken.into_iter().collect();
    let free = (0..)
        .map(|attempt| with_suffix(base, attempt))
        .find(|candidate| !taken.contains(candidate));
    free.ok_or_else(|| Error::internal("slug suffixes exhausted"))
}

/// A workspace by id, deleted or not (a deleted one reads with `tombstone: true`).
pub fn get(conn: &mut AnyConnection, id: WorkspaceId) -> Result<Workspace> {
    workspaces::table
        .filter(workspaces::id.eq(DbUuid(id.0)))
        .select(WorkspaceRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .map(Workspace::from)
        .ok_or_else(|| Error::not_found(Resource::Workspace, id))
}

/// A live workspace by id: what every write and every child object needs.
pub fn get_live(conn: &mut AnyConnection, id: WorkspaceId) -> Result<Workspace> {
    get(conn, id).and_then(|w| match w.deleted_at {
        None => Ok(w),
        Some(_) => Err(Error::not_found(Resource::Workspace, id)),
    })
}

/// A workspace by slug, deleted or not.
pub fn get_by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Workspace> {
    workspaces::table
        .filter(workspaces::slug.eq(slug))
        .select(WorkspaceRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .map(Workspace::from)
        .ok_or_else(|| Error::not_found(Resource::Workspace, slug))
}

/// Every live workspace, oldest first (ties broken by id, so the order is total).
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Workspace>> {
    let rows: Vec<WorkspaceRow> = workspaces::table
        .filter(workspaces::deleted_at.is_null())
        .order((workspaces::created_at.asc(), workspaces::id.asc()))
        .select(WorkspaceRow::as_select())
        .load(conn)
        .db()?;
    Ok(rows.into_iter().map(Workspace::from).collect())
}

/// Applies the 2020 contract's update to a live workspace. An absent email keeps the stored one.
pub fn update(conn: &mut AnyConnection, request: &WorkspaceUpdate) -> Result<Workspace> {
    let changes = WorkspaceChanges {
        email: request.email.as_ref().map(|e| e.to_string()),
        initial_setup_complete: Some(request.initial_setup_complete),
        onboarding_complete: Some(request.onboarding_complete),
        anonymous_data_collection: Some(request.anonymous_data_collection),
        news: Some(request.news),
        security_updates: Some(request.security_updates),
        updated_at: DbTime(now()),
    };
    let id = request.workspace_id;
    let updated = diesel::update(
        workspaces::table
            .filter(workspaces::id.eq(DbUuid(id.0)))
            .filter(workspaces::deleted_at.is_null()),
    )
    .set(&changes)
    .execute(conn)
    .db()?;
    if updated == 0 {
        return Err(Error::not_found(Resource::Workspace, id));
    }
    get(conn, id)
}

/// Soft-deletes a workspace and, in the same transaction, what it holds: its sources and
/// destinations are deleted and its connections deprecated. Deleting a deleted workspace
/// succeeds and changes nothing; an unknown id is not found.
pub fn delete(conn: &mut AnyConnection, id: WorkspaceId) -> Result<()> {
    get(conn, id)?;
    if !lock_live(conn, Locked::Workspace, id.0, LockMode::Update)? {
        return Ok(());
    }
    let timestamp = DbTime(now());
    diesel::update(workspaces::table.filter(workspaces::id.eq(DbUuid(id.0))))
        .set((
            workspaces::deleted_at.eq(Some(timestamp)),
            workspaces::updated_at.eq(timestamp),
        ))
        .execute(conn)
        .db()?;
    super::actors::delete_all_in_workspace(conn, id)
}

/// The name and slug of the workspace that exists from the first start.
pub const DEFAULT_WORKSPACE_NAME: &str = "default";

/// Creates the default workspace unless a workspace with its id was ever created (a deleted
/// default workspace stays deleted: the operator meant it).
pub fn ensure_default(conn: &mut AnyConnection) -> Result<()> {
    let exists = workspaces::table
        .filter(workspaces::id.eq(DbUuid(DEFAULT_WORKSPACE_ID.0)))
        .count()
        .get_result::<i64>(conn)
        .db()?
        > 0;
    if exists {
        return Ok(());
    }
    let request = WorkspaceCreate {
        name: serde_json::from_value(serde_json::json!(DEFAULT_WORKSPACE_NAME))
            .map_err(Error::internal)?,
        email: None,
        anonymous_data_collection: None,
        news: None,
        security_updates: None,
    };
    let created = create_with_id(conn, DEFAULT_WORKSPACE_ID, DEFAULT_WORKSPACE_NAME, &request)?;
    tracing::info!(workspace_id = %created.id, slug = %created.slug, "created the default workspace");
    Ok(())
}
