use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::permission::PermissionIdRequestBody;
use ferry_persistence::store::permissions;

/// Revoke a permission
///
/// The user loses that role over that scope at once. Needs admin over the scope.
#[utoipa::path(
    tag = "permission",
    operation_id = "deletePermission",
    params(IfMatch),
    request_body = PermissionIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/delete")]
pub async fn delete_permission(
    state: web::Data<AppState>,
    Body(request, _): Body<PermissionIdRequestBody, Admin>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.permission_id;
    state
        .db
        .write(move |conn| permissions::delete(conn, id, expected))
        .await?;
    tracing::info!(%id, "permission revoked");
    Ok(HttpResponse::NoContent().finish())
}
