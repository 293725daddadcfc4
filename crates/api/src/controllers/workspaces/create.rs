use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::{app, AppState};
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceCreate, WorkspaceRead};

/// Creates a workspace
///
/// The slug is derived from the name and made unique (`ops`, `ops-2`, ...). Without an
/// `organizationId` the workspace joins the default organization; an unknown one is a 404.
#[utoipa::path(
    tag = "workspace",
    operation_id = "createWorkspace",
    request_body = WorkspaceCreate,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/create")]
pub async fn create_workspace(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<WorkspaceCreate, Editor>,
) -> ApiResult<Tagged<WorkspaceRead>> {
    let workspace = app::workspaces::create(&state, &caller, request).await?;
    tracing::info!(workspace_id = %workspace.id, slug = %workspace.slug, "workspace created");
    Ok(Tagged(workspace.into()))
}
