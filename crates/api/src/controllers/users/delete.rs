use crate::auth::guard::InstanceAdmin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::user::UserIdRequestBody;
use ferry_persistence::store::users;

/// Delete a user
///
/// Instance administrators only. Its permissions go, its applications are deleted, and its
/// tokens stop working at once.
#[utoipa::path(
    tag = "user",
    operation_id = "deleteUser",
    params(IfMatch),
    request_body = UserIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/delete")]
pub async fn delete_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserIdRequestBody, InstanceAdmin>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.user_id;
    state
        .db
        .write(move |conn| users::delete(conn, id, expected))
        .await?;
    tracing::info!(%id, "user deleted");
    Ok(HttpResponse::NoContent().finish())
}
