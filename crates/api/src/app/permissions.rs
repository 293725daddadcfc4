//! Permissions as a question: which a user holds, and whether it holds a role over a scope.
//! Granting and revoking are single store calls, made by their handlers.

use super::lists::Listed;
use crate::AppState;
use ferry_domain::access::{decide, Caller, Decision, Requirement, Target};
use ferry_domain::list::SortOrder;
use ferry_domain::permission::{
    PermissionCheckRequest, PermissionListByUserRequestBody, PermissionRead, PermissionSortBy,
};
use ferry_domain::{Error, Resource, Result};
use ferry_persistence::store::permissions::PermissionPage;
use ferry_persistence::store::{access, permissions, users};

/// A page of a user's permissions. An unknown user is a 404, not an empty list, as for
/// every list of something that belongs to an object.
pub async fn list_by_user(
    state: &AppState,
    mut request: PermissionListByUserRequestBody,
) -> Result<Listed<PermissionRead>> {
    // Defaults are written into the request so that a cursor fingerprints what was meant.
    let sort_by = *request.sort_by.get_or_insert(PermissionSortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Asc);
    let (paging, query) = super::lists::paging(state, "permissions", &request)?;
    let page = PermissionPage {
        sort_by,
        order,
        paging,
    };
    let user = request.user_id;
    // An unknown user is a 404, not an empty list.
    state
        .db
        .run(move |conn| users::get(conn, user).map(drop))
        .await?;
    super::lists::answer_page(state, page, query, move |conn, page| {
        Ok(permissions::list_by_user(conn, user, page)?.map(Into::into))
    })
    .await
}

/// Whether `request.userId` holds at least `request.permissionType` over the scope named
/// (directly, through a higher role, or through its organization), as `caller` asks it.
pub async fn holds(
    state: &AppState,
    caller: &Caller,
    request: &PermissionCheckRequest,
) -> Result<bool> {
    let user = request.user_id;
    let target = Target::permission_scope(request.workspace_id, request.organization_id);
    let lookup = target.clone();
    let (grants, scope) = state
        .db
        .run(move |conn| {
            let grants = permissions::grants_of(conn, user)?
                .ok_or_else(|| Error::not_found(Resource::User, user))?;
            let scope = access::resolve(conn, &lookup)?.ok_or_else(|| lookup.not_found())?;
            Ok((grants, scope))
        })
        .await?;
    // The scope named is the caller's business only if the caller may see it: a scope it
    // may not see answers as one that does not exist.
    if decide(caller, Requirement::Authenticated, &scope) == Decision::Hide {
        return Err(target.not_found());
    }
    let holder = Caller {
        user_id: Some(user),
        grants,
    };
    Ok(holder.holds(request.permission_type, &scope))
}
