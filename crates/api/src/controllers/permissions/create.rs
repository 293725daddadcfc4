use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::permission::{PermissionCreate, PermissionRead};
use ferry_persistence::store::permissions;

/// Grant a permission
///
/// Gives a user a role over a workspace, an organization or the instance. Needs admin over
/// that scope (instance administrators only for `instance_admin`). One permission per user
/// and scope: a second is a 409 (update the first).
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
) -> ApiResult<Tagged<PermissionRead>> {
    let permission = state
        .db
        .write(move |conn| permissions::create(conn, &request))
        .await?;
    tracing::info!(id = %permission.id, user_id = %permission.user_id,
        permission_type = permission.permission_type.as_str(), "permission granted");
    Ok(Tagged(permission.into()))
}
