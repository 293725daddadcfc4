use crate::app::users;
use crate::auth::guard::{Authenticated, CurrentCaller};
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::OptionalBody;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::user::{UserListRequestBody, UserReadList};

/// List users
///
/// The users the caller may see: every user for an instance administrator, the caller
/// itself otherwise. With no body (or `{}`) all of them, oldest first, unpaged;
/// `emailContains`, `sortBy`/`sortOrder` and keyset pages (`pageSize`, `cursor`) follow
/// docs/API-DESIGN.md, "Lists".
#[utoipa::path(
    tag = "user",
    operation_id = "listUsers",
    request_body(content = Option<UserListRequestBody>, description = "Optional"),
    responses(
        (status = 200, description = "Successful operation", body = UserReadList),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/list")]
pub async fn list_users(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    OptionalBody(request, _): OptionalBody<UserListRequestBody, Authenticated>,
) -> ApiResult<ListAnswer<UserReadList>> {
    Ok(users::list(&state, &caller, request).await?.into())
}
