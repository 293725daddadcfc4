use crate::app::permissions;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::permission::PermissionReadList;
use ferry_domain::user::UserIdRequestBody;

/// List a user's permissions
///
/// The user itself, or an instance administrator, may list them. An unknown user is a 404.
#[utoipa::path(
    tag = "permission",
    operation_id = "listPermissionsByUser",
    request_body = UserIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = PermissionReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/list_by_user")]
pub async fn list_permissions_by_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserIdRequestBody, Reader>,
) -> ApiResult<web::Json<PermissionReadList>> {
    let permissions = permissions::list_by_user(&state, request.user_id).await?;
    Ok(web::Json(PermissionReadList {
        permissions: permissions.into_iter().map(Into::into).collect(),
    }))
}
