use crate::error::{ApiResult, BodyErrors, Conflict, ServerErrors};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceCreate, WorkspaceRead};
use ferry_persistence::store::workspaces;

/// Creates a workspace
///
/// The slug is derived from the name and made unique (`ops`, `ops-2`, ...).
#[utoipa::path(
    tag = "workspace",
    operation_id = "createWorkspace",
    request_body = WorkspaceCreate,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceRead),
        Conflict, BodyErrors, ServerErrors
    )
)]
#[post("/v1/workspaces/create")]
pub async fn create_workspace(
    state: web::Data<AppState>,
    Body(request): Body<WorkspaceCreate>,
) -> ApiResult<web::Json<WorkspaceRead>> {
    let workspace = state
        .db
        .write(move |conn| workspaces::create(conn, &request))
        .await?;
    tracing::info!(workspace_id = %workspace.id, slug = %workspace.slug, "workspace created");
    Ok(web::Json(workspace.into()))
}
