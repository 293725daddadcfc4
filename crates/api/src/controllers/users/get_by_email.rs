use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::user::{UserEmailRequestBody, UserRead};
use ferry_persistence::store::users;

/// Get a user by email
///
/// The email matches ignoring case. The caller itself, or any user for an instance
/// administrator.
#[utoipa::path(
    tag = "user",
    operation_id = "getUserByEmail",
    request_body = UserEmailRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = UserRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/get_by_email")]
pub async fn get_user_by_email(
    state: web::Data<AppState>,
    Body(request, _): Body<UserEmailRequestBody, Reader>,
) -> ApiResult<Tagged<UserRead>> {
    let user = state
        .db
        .run(move |conn| users::get_by_email(conn, &request.email))
        .await?;
    Ok(Tagged(user.into()))
}
