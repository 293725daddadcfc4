use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::user::{UserIdRequestBody, UserRead};
use ferry_persistence::store::users;

/// Get a user
///
/// The caller itself, or any user for an instance administrator.
#[utoipa::path(
    tag = "user",
    operation_id = "getUser",
    request_body = UserIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = UserRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/get")]
pub async fn get_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserIdRequestBody, Reader>,
) -> ApiResult<Tagged<UserRead>> {
    let user = state
        .db
        .run(move |conn| users::get(conn, request.user_id))
        .await?;
    Ok(Tagged(user.into()))
}
