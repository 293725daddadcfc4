use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::user::{UserRead, UserUpdate};
use ferry_persistence::store::users;

/// Update a user
///
/// Changes its name or email; the caller itself, or an instance administrator. An email
/// another user has (ignoring case) is a 409.
#[utoipa::path(
    tag = "user",
    operation_id = "updateUser",
    params(IfMatch),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "Successful operation", body = UserRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/update")]
pub async fn update_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserUpdate, Admin>,
    if_match: IfMatch,
) -> ApiResult<Tagged<UserRead>> {
    let expected = if_match.expected(request.expected_version)?;
    let user = state
        .db
        .write(move |conn| users::update(conn, &request, expected))
        .await?;
    Ok(Tagged(user.into()))
}
