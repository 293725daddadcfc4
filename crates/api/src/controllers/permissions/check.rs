use crate::app::permissions;
use crate::auth::guard::{CurrentCaller, Reader};
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::permission::{
    PermissionCheckRead, PermissionCheckRequest, PermissionCheckStatus,
};

/// Check whether a user holds a permission
///
/// Whether the user holds at least `permissionType` over the workspace or organization named
/// (or the instance): directly, through a higher role, or through its organization. A scope
/// the caller may not see is a 404.
#[utoipa::path(
    tag = "permission",
    operation_id = "checkPermissions",
    request_body = PermissionCheckRequest,
    responses(
        (status = 200, description = "Successful operation", body = PermissionCheckRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/permissions/check")]
pub async fn check_permissions(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<PermissionCheckRequest, Reader>,
) -> ApiResult<web::Json<PermissionCheckRead>> {
    let held = permissions::holds(&state, &caller, &request).await?;
    Ok(web::Json(PermissionCheckRead {
        status: if held {
            PermissionCheckStatus::Succeeded
        } else {
            PermissionCheckStatus::Failed
        },
        message: (!held).then(|| {
            format!(
                "the user does not hold {} here",
                request.permission_type.as_str()
            )
        }),
    }))
}
