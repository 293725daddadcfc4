//! Permissions: one user's role over the instance, an organization or a workspace.

use super::paging::{self, load_page, ListPage, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::{is_unique_violation, DieselResultExt};
use crate::schema::{permissions, users, workspaces};
use crate::sql_types::{now, sqlite_time_text, DbTime, DbUuid};
use diesel::prelude::*;
use ferry_domain::access::Grant;
use ferry_domain::ids::{OrganizationId, PermissionId, UserId, WorkspaceId};
use ferry_domain::permission::{
    Permission, PermissionCreate, PermissionSortBy, PermissionType, PermissionUpdate,
};
use ferry_domain::user::User;
use ferry_domain::{Error, Resource, Result, Violation};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = permissions)]
struct PermissionRow {
    id: DbUuid,
    user_id: DbUuid,
    permission_type: String,
    workspace_id: Option<DbUuid>,
    organization_id: Option<DbUuid>,
    created_at: DbTime,
    updated_at: DbTime,
    version: i64,
}

impl TryFrom<PermissionRow> for Permission {
    type Error = Error;

    fn try_from(r: PermissionRow) -> Result<Self> {
        let permission_type = PermissionType::parse(&r.permission_type).ok_or_else(|| {
            Error::internal(format!(
                "permissions.permission_type holds {:?}",
                r.permission_type
            ))
        })?;
        Ok(Permission {
            id: PermissionId(r.id.0),
            user_id: UserId(r.user_id.0),
            permission_type,
            workspace_id: r.workspace_id.map(|w| WorkspaceId(w.0)),
            organization_id: r.organization_id.map(|o| OrganizationId(o.0)),
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            version: r.version,
        })
    }
}

fn convert(rows: Vec<PermissionRow>) -> Result<Vec<Permission>> {
    rows.into_iter().map(Permission::try_from).collect()
}

/// Grants a permission to a live user over a live scope. One permission per user and
/// scope: a second one is a 409 (change the first with `permissions/update`), and so is a
/// second member of a `single_user` workspace.
pub fn create(conn: &mut AnyConnection, request: &PermissionCreate) -> Result<Permission> {
    super::users::get(conn, request.user_id)?;
    if let Some(workspace) = request.workspace_id {
        super::workspaces::get_live(conn, workspace)?;
        super::workspaces::check_may_admit(conn, workspace, request.user_id)?;
    }
    if let Some(organization) = request.organization_id {
        super::organizations::lock_for_new_workspace(conn, organization)?;
    }
    let timestamp = DbTime(now());
    let row = PermissionRow {
        id: DbUuid(PermissionId::random().0),
        user_id: DbUuid(request.user_id.0),
        permission_type: request.permission_type.as_str().to_string(),
        workspace_id: request.workspace_id.map(|w| DbUuid(w.0)),
        organization_id: request.organization_id.map(|o| DbUuid(o.0)),
        created_at: timestamp,
        updated_at: timestamp,
        version: ferry_domain::version::FIRST_VERSION,
    };
    match conn.transaction(|c| {
        diesel::insert_into(permissions::table)
            .values(&row)
            .execute(c)
    }) {
        Ok(_) => Permission::try_from(row),
        Err(e) if is_unique_violation(&e) => Err(Error::conflict(
            "the user already holds a permission on this scope; update that one instead",
        )),
        Err(e) => Err(crate::error::from_diesel(e)),
    }
}

pub fn get(conn: &mut AnyConnection, id: PermissionId) -> Result<Permission> {
    permissions::table
        .filter(permissions::id.eq(DbUuid(id.0)))
        .select(PermissionRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(Resource::Permission, id))
        .and_then(Permission::try_from)
}

/// Changes a permission's role within its line (a workspace role stays a workspace role).
pub fn update(
    conn: &mut AnyConnection,
    request: &PermissionUpdate,
    expected: Option<i64>,
) -> Result<Permission> {
    let current = get(conn, request.permission_id)?;
    super::versions::check(conn, Resource::Permission, current.id.0, expected)?;
    if current.permission_type.scope_kind() != request.permission_type.scope_kind() {
        return Err(Error::invalid(
            Violation::new(
                "permissionType",
                format!(
                    "must stay within the scope of {} (create a new permission for another scope)",
                    current.permission_type
                ),
            )
            .with_value(request.permission_type.as_str()),
        ));
    }
    diesel::update(permissions::table.filter(permissions::id.eq(DbUuid(current.id.0))))
        .set((
            permissions::permission_type.eq(request.permission_type.as_str()),
            permissions::updated_at.eq(DbTime(now())),
            permissions::version.eq(permissions::version + 1),
        ))
        .execute(conn)
        .db()?;
    get(conn, current.id)
}

pub fn delete(conn: &mut AnyConnection, id: PermissionId, expected: Option<i64>) -> Result<()> {
    super::versions::check(conn, Resource::Permission, id.0, expected)?;
    let deleted = diesel::delete(permissions::table.filter(permissions::id.eq(DbUuid(id.0))))
        .execute(conn)
        .db()?;
    if deleted == 0 {
        return Err(Error::not_found(Resource::Permission, id));
    }
    Ok(())
}

/// How a permission list is ordered and which slice of it to return.
pub type PermissionPage = ListPage<PermissionSortBy>;

/// A page of a user's permissions (`store::paging`).
pub fn list_by_user(
    conn: &mut AnyConnection,
    user: UserId,
    page: &PermissionPage,
) -> Result<Page<Permission>> {
    let filtered = || {
        permissions::table
            .filter(permissions::user_id.eq(DbUuid(user.0)))
            .into_boxed::<MultiBackend>()
    };
    let (order, paging) = (page.order, &page.paging);
    let after = paging::after(paging, paging::time_key)?;
    let rows = match page.sort_by {
        PermissionSortBy::CreatedAt => {
            load_page!(conn, filtered(), PermissionRow::as_select() => PermissionRow,
                permissions::created_at, permissions::id, after, order, paging,
                |r: &PermissionRow| (sqlite_time_text(&r.created_at.0), r.id.0))
        }
        PermissionSortBy::UpdatedAt => {
            load_page!(conn, filtered(), PermissionRow::as_select() => PermissionRow,
                permissions::updated_at, permissions::id, after, order, paging,
                |r: &PermissionRow| (sqlite_time_text(&r.updated_at.0), r.id.0))
        }
    };
    rows.try_map(Permission::try_from)
}

/// What a live user holds: [`grants`], or None for a missing or deleted user.
pub fn grants_of(conn: &mut AnyConnection, user: UserId) -> Result<Option<Vec<Grant>>> {
    let live: i64 = users::table
        .filter(users::id.eq(DbUuid(user.0)))
        .filter(users::deleted_at.is_null())
        .count()
        .get_result(conn)
        .db()?;
    if live == 0 {
        return Ok(None);
    }
    grants(conn, user).map(Some)
}

/// What a user holds, as the authorization decision reads it (one query): each workspace
/// permission carries its workspace's organization. The caller knows the user is live.
pub fn grants(conn: &mut AnyConnection, user: UserId) -> Result<Vec<Grant>> {
    let rows: Vec<(PermissionRow, Option<DbUuid>)> = permissions::table
        .left_join(workspaces::table.on(permissions::workspace_id.eq(workspaces::id.nullable())))
        .filter(permissions::user_id.eq(DbUuid(user.0)))
        .select((
            PermissionRow::as_select(),
            workspaces::organization_id.nullable(),
        ))
        .load(conn)
        .db()?;
    rows.into_iter()
        .map(|(row, workspace_organization)| {
            let permission = Permission::try_from(row)?;
            Ok(Grant {
                permission_type: permission.permission_type,
                workspace_id: permission.workspace_id,
                organization_id: permission
                    .organization_id
                    .or(workspace_organization.map(|o| OrganizationId(o.0))),
            })
        })
        .collect()
}

/// One user's access to a workspace and the permissions that give it.
#[derive(Clone, Debug)]
pub struct WorkspaceAccess {
    pub user: User,
    pub workspace_permission: Option<Permission>,
    /// An organization permission above `organization_member`.
    pub organization_permission: Option<Permission>,
}

/// Every live user with access to a workspace, and through what, ordered by email.
pub fn access_to_workspace(
    conn: &mut AnyConnection,
    workspace: WorkspaceId,
) -> Result<Vec<WorkspaceAccess>> {
    let organization = super::workspaces::get_live(conn, workspace)?.organization_id;
    let rows: Vec<PermissionRow> =
        permissions::table
            .inner_join(users::table)
            .filter(users::deleted_at.is_null())
            .filter(permissions::workspace_id.eq(DbUuid(workspace.0)).or(
                permissions::organization_id.eq(DbUuid(organization.0)).and(
                    permissions::permission_type.ne(PermissionType::OrganizationMember.as_str()),
                ),
            ))
            .select(PermissionRow::as_select())
            .load(conn)
            .db()?;
    let permissions = convert(rows)?;
    let ids: Vec<UserId> = permissions.iter().map(|p| p.user_id).collect();
    let mut users = super::users::list_by_ids(conn, &ids)?;
    users.sort_by(|a, b| a.email.cmp(&b.email));
    let held_by = |user: UserId, on_workspace: bool| {
        permissions
            .iter()
            .find(|p| p.user_id == user && p.workspace_id.is_some() == on_workspace)
            .cloned()
    };
    Ok(users
        .into_iter()
        .map(|user| WorkspaceAccess {
            workspace_permission: held_by(user.id, true),
            organization_permission: held_by(user.id, false),
            user,
        })
        .collect())
}

/// Gives a new workspace the permissions its original has (`workspaces/duplicate`).
pub fn copy_workspace_permissions(
    conn: &mut AnyConnection,
    from: WorkspaceId,
    to: WorkspaceId,
) -> Result<()> {
    let rows: Vec<PermissionRow> = permissions::table
        .filter(permissions::workspace_id.eq(DbUuid(from.0)))
        .select(PermissionRow::as_select())
        .load(conn)
        .db()?;
    let timestamp = DbTime(now());
    for row in rows {
        let copy = PermissionRow {
            id: DbUuid(PermissionId::random().0),
            workspace_id: Some(DbUuid(to.0)),
            created_at: timestamp,
            updated_at: timestamp,
            version: ferry_domain::version::FIRST_VERSION,
            ..row
        };
        diesel::insert_into(permissions::table)
            .values(&copy)
            .execute(conn)
            .db()?;
    }
    Ok(())
}
