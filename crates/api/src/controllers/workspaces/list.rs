use crate::error::{ApiResult, ServerErrors};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceRead, WorkspaceReadList};
use ferry_persistence::store::workspaces;

/// List all live workspaces
///
/// Oldest first, ties broken by id. Deleted workspaces are never listed.
#[utoipa::path(
    tag = "workspace",
    operation_id = "listWorkspaces",
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceReadList),
        ServerErrors
    )
)]
#[post("/v1/workspaces/list")]
pub async fn list_workspaces(
    state: web::Data<AppState>,
) -> ApiResult<web::Json<WorkspaceReadList>> {
    let workspaces = state.db.run(workspaces::list).await?;
    Ok(web::Json(WorkspaceReadList {
        workspaces: workspaces.into_iter().map(WorkspaceRead::from).collect(),
    }))
}
