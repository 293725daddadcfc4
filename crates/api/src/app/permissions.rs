//! Permissions as a question: which a user holds, and whether it holds a role over a scope.
//! Granting and revoking are single store calls, made by their handlers.

use crate::AppState;
use ferry_domain::access::{decide, Caller, Decision, Requirement, Target};
use ferry_domain::ids::UserId;
use ferry_domain::permission::{Permission, PermissionCheckRequest};
use ferry_domain::{Error, Resource, Result};
use ferry_persistence::store::{access, permissions, users};

/// A user's permissions. An unknown user is a 404, not an empty list, as for every list of
/// something that belongs to an object.
pub async fn list_by_user(state: &AppState, user: UserId) -> Result<Vec<Permission>> {
    state
        .db
        .run(move |conn| {
            users::get(conn, user)?;
            permissions::list_by_user(conn, user)
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
