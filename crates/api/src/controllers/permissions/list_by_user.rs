use crate::app::permissions;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::permission::{PermissionListByUserRequestBody, PermissionReadList};

/// List a user's permissions
///
/// The user itself, or an instance administrator, may list them. An unknown user is a 404.
/// Without paging fields every permission, oldest first; `sortBy`/`sortOrder` and keyset
/// pages (`pageSize`, `cursor`) follow docs/API-DESIGN.md, "Lists".
#[utoipa::path(
    tag = "permission",
    operation_id = "listPermissionsByUser",
    request_body = PermissionListByUserRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = PermissionReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/list_by_user")]
pub async fn list_permissions_by_user(
    state: web::Data<AppState>,
    Body(request, _): Body<PermissionListByUserRequestBody, Reader>,
) -> ApiResult<ListAnswer<PermissionReadList>> {
    Ok(permissions::list_by_user(&state, request).await?.into())
}
