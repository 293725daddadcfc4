use crate::auth::guard::InstanceAdmin;
use crate::auth::provision;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::user::{UserCreate, UserRead};

/// Create a user
///
/// Instance administrators only. Emails are unique ignoring case (409 for a second). A new
/// user holds no permission until one is granted with `permissions/create`.
#[utoipa::path(
    tag = "user",
    operation_id = "createUser",
    request_body = UserCreate,
    responses(
        (status = 200, description = "Successful operation", body = UserRead),
        Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/create")]
pub async fn create_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserCreate, InstanceAdmin>,
) -> ApiResult<Tagged<UserRead>> {
    let user = state
        .db
        .write(move |conn| provision::create_user(conn, &request, false))
        .await?;
    tracing::info!(id = %user.id, "user created");
    Ok(Tagged(user.into()))
}
