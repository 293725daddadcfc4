use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::workspace::{SlugRequestBody, WorkspaceRead};
use ferry_persistence::store::workspaces;

/// Find workspace by slug
#[utoipa::path(
    tag = "workspace",
    operation_id = "getWorkspaceBySlug",
    request_body = SlugRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/get_by_slug")]
pub async fn get_workspace_by_slug(
    state: web::Data<AppState>,
    Body(request, _): Body<SlugRequestBody, Reader>,
) -> ApiResult<Tagged<WorkspaceRead>> {
    let workspace = state
        .db
        .run(move |conn| workspaces::get_by_slug(conn, &request.slug))
        .await?;
    Ok(Tagged(workspace.into()))
}
