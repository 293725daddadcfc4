use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceIdRequestBody, WorkspaceRead};
use ferry_persistence::store::workspaces;

/// Find workspace by ID
///
/// A deleted workspace is still found, with `tombstone: true`.
#[utoipa::path(
    tag = "workspace",
    operation_id = "getWorkspace",
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/get")]
pub async fn get_workspace(
    state: web::Data<AppState>,
    Body(request, _): Body<WorkspaceIdRequestBody, Reader>,
) -> ApiResult<Tagged<WorkspaceRead>> {
    let workspace = state
        .db
        .run(move |conn| workspaces::get(conn, request.workspace_id))
        .await?;
    Ok(Tagged(workspace.into()))
}
