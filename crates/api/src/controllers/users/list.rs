use crate::auth::guard::{visible_to, Authenticated, CurrentCaller, Guard};
use crate::error::{ApiResult, CommonErrors};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::user::{UserRead, UserReadList};
use ferry_persistence::store::users;

/// List users
///
/// The users the caller may see: every user for an instance administrator, the caller
/// itself otherwise.
#[utoipa::path(
    tag = "user",
    operation_id = "listUsers",
    responses(
        (status = 200, description = "Successful operation", body = UserReadList),
        CommonErrors
    )
)]
#[post("/v1/users/list")]
pub async fn list_users(
    _guard: Guard<Authenticated>,
    CurrentCaller(caller): CurrentCaller,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<UserReadList>> {
    let only = visible_to(&caller)?;
    let users = state.db.run(move |conn| users::list(conn, only)).await?;
    Ok(web::Json(UserReadList {
        users: users.into_iter().map(UserRead::from).collect(),
    }))
}
