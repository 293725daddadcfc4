use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::permission::{PermissionIdRequestBody, PermissionRead};
use ferry_persistence::store::permissions;

/// Get a permission
///
/// Needs admin over the permission's scope.
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
) -> ApiResult<Tagged<PermissionRead>> {
    let permission = state
        .db
        .run(move |conn| permissions::get(conn, request.permission_id))
        .await?;
    Ok(Tagged(permission.into()))
}
