use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::permission::{PermissionRead, PermissionUpdate};
use ferry_persistence::store::permissions;

/// Change a permission's role
///
/// The role changes within the same scope: a `workspace_*` permission stays `workspace_*`
/// (422 otherwise). Needs admin over the scope.
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
