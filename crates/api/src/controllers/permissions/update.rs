use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
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
    params(IfMatch),
    request_body = PermissionUpdate,
    responses(
        (status = 200, description = "Successful operation", body = PermissionRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/update")]
pub async fn update_permission(
    state: web::Data<AppState>,
    Body(request, _): Body<PermissionUpdate, Admin>,
    if_match: IfMatch,
) -> ApiResult<Tagged<PermissionRead>> {
    let expected = if_match.expected(request.expected_version)?;
    let permission = state
        .db
        .write(move |conn| permissions::update(conn, &request, expected))
        .await?;
    tracing::info!(id = %permission.id, permission_type = permission.permission_type.as_str(),
        "permission changed");
    Ok(Tagged(permission.into()))
}
