use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::user::{WorkspaceUserAccessInfoRead, WorkspaceUserAccessInfoReadList};
use ferry_domain::workspace::WorkspaceIdRequestBody;
use ferry_persistence::store::permissions;

/// List the users with access to a workspace
///
/// Every user with access to the workspace, with the workspace permission and the
/// organization permission that give it (either may be absent).
#[utoipa::path(
    tag = "user",
    operation_id = "listAccessInfoByWorkspaceId",
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceUserAccessInfoReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/list_access_info_by_workspace_id")]
pub async fn list_access_info_by_workspace_id(
    state: web::Data<AppState>,
    Body(request, _): Body<WorkspaceIdRequestBody, Reader>,
) -> ApiResult<web::Json<WorkspaceUserAccessInfoReadList>> {
    let workspace = request.workspace_id;
    let access = state
        .db
        .run(move |conn| permissions::access_to_workspace(conn, workspace))
        .await?;
    Ok(web::Json(WorkspaceUserAccessInfoReadList {
        users_with_access: access
            .into_iter()
            .map(|access| WorkspaceUserAccessInfoRead {
                user_id: access.user.id,
                user_email: access.user.email,
                user_name: access.user.name,
                workspace_id: workspace,
                workspace_permission: access.workspace_permission.map(Into::into),
                organization_permission: access.organization_permission.map(Into::into),
            })
            .collect(),
    }))
}
