//! `permissions/*`: who holds which role over what. Granting, changing and revoking need
//! admin over the scope (instance admin for `instance_admin`); a user reads its own.

use crate::auth::guard::{Admin, CurrentCaller, Reader};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::access::{decide, Caller, Decision, Requirement, Target};
use ferry_domain::permission::*;
use ferry_domain::user::UserIdRequestBody;
use ferry_domain::{Error, Resource};
use ferry_persistence::store::{access, permissions};

/// Grants a user a role over a workspace, an organization or the instance. One permission
/// per user and scope (409 for a second: update the first).
#[utoipa::path(
    tag = "permission",
    operation_id = "createPermission",
    request_body = PermissionCreate,
    responses(
        (status = 200, description = "Successful operation", body = PermissionRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/create")]
pub async fn create_permission(
    state: web::Data<AppState>,
    Body(request, _): Body<PermissionCreate, Admin>,
) -> ApiResult<web::Json<PermissionRead>> {
    let permission = state
        .db
        .write(move |conn| permissions::create(conn, &request))
        .await?;
    tracing::info!(id = %permission.id, user_id = %permission.user_id,
        permission_type = permission.permission_type.as_str(), "permission granted");
    Ok(web::Json(permission.into()))
}

/// Get a permission by its id (needs admin over its scope).
#[utoipa::path(
    tag = "permission",
    operation_id = "getPermission",
    request_body = PermissionIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = PermissionRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/get")]
pub async fn get_permission(
    state: web::Data<AppState>,
    Body(request, _): Body<PermissionIdRequestBody, Admin>,
) -> ApiResult<web::Json<PermissionRead>> {
    let permission = state
        .db
        .run(move |conn| permissions::get(conn, request.permission_id))
        .await?;
    Ok(web::Json(permission.into()))
}

/// Changes the role, within the same scope (`workspace_*` stays `workspace_*`; 422 else).
#[utoipa::path(
    tag = "permission",
    operation_id = "updatePermission",
    request_body = PermissionUpdate,
    responses(
        (status = 200, description = "Successful operation", body = PermissionRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/update")]
pub async fn update_permission(
    state: web::Data<AppState>,
    Body(request, _): Body<PermissionUpdate, Admin>,
) -> ApiResult<web::Json<PermissionRead>> {
    let permission = state
        .db
        .write(move |conn| permissions::update(conn, &request))
        .await?;
    tracing::info!(id = %permission.id, permission_type = permission.permission_type.as_str(),
        "permission changed");
    Ok(web::Json(permission.into()))
}

/// Delete a permission: the user loses that role over that scope at once.
#[utoipa::path(
    tag = "permission",
    operation_id = "deletePermission",
    request_body = PermissionIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/delete")]
pub async fn delete_permission(
    state: web::Data<AppState>,
    Body(request, _): Body<PermissionIdRequestBody, Admin>,
) -> ApiResult<HttpResponse> {
    let id = request.permission_id;
    state
        .db
        .write(move |conn| permissions::delete(conn, id))
        .await?;
    tracing::info!(%id, "permission revoked");
    Ok(HttpResponse::NoContent().finish())
}

/// A user's permissions (the user itself, or an instance administrator).
#[utoipa::path(
    tag = "permission",
    operation_id = "listPermissionsByUser",
    request_body = UserIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = PermissionReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/list_by_user")]
pub async fn list_permissions_by_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserIdRequestBody, Reader>,
) -> ApiResult<web::Json<PermissionReadList>> {
    let user = request.user_id;
    let permissions = state
        .db
        .run(move |conn| {
            ferry_persistence::store::users::get(conn, user)?;
            permissions::list_by_user(conn, user)
        })
        .await?;
    Ok(web::Json(PermissionReadList {
        permissions: permissions.into_iter().map(Into::into).collect(),
    }))
}

/// Whether a user holds at least `permissionType` over the workspace or organization named
/// (or the instance): directly, through a higher role, or through its organization.
#[utoipa::path(
    tag = "permission",
    operation_id = "checkPermissions",
    request_body = PermissionCheckRequest,
    responses(
        (status = 200, description = "Successful operation", body = PermissionCheckRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/check")]
pub async fn check_permissions(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<PermissionCheckRequest, Reader>,
) -> ApiResult<web::Json<PermissionCheckRead>> {
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
    // The scope named is the caller's business only if the caller may see it.
    if decide(&caller, Requirement::Authenticated, &scope) == Decision::Hide {
        return Err(target.not_found().into());
    }
    let holder = Caller {
        user_id: Some(user),
        grants,
    };
    let held = holder.holds(request.permission_type, &scope);
    Ok(web::Json(PermissionCheckRead {
        status: if held {
            PermissionCheckStatus::Succeeded
        } else {
            PermissionCheckStatus::Failed
        },
        message: (!held).then(|| {
            format!(
                "the user does not hold {} here",
                request.permission_type.as_str()
            )
        }),
    }))
}
