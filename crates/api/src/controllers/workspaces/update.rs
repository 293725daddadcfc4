use crate::error::{ApiResult, BodyErrors, NotFound, ServerErrors};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceRead, WorkspaceUpdate};
use ferry_persistence::store::workspaces;

/// Update workspace state
///
/// Every flag is required, as in the 2020 contract; an absent `email` keeps the stored one.
/// A deleted workspace cannot be updated (404).
#[utoipa::path(
    tag = "workspace",
    operation_id = "updateWorkspace",
    request_body = WorkspaceUpdate,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceRead),
        NotFound, BodyErrors, ServerErrors
    )
)]
#[post("/v1/workspaces/update")]
pub async fn update_workspace(
    state: web::Data<AppState>,
    Body(request): Body<WorkspaceUpdate>,
) -> ApiResult<web::Json<WorkspaceRead>> {
    let workspace = state
        .db
        .write(move |conn| workspaces::update(conn, &request))
        .await?;
    Ok(web::Json(workspace.into()))
}
