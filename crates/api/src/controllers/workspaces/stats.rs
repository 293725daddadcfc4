use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::OptionalBody;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceStatsRead, WorkspaceStatsRequestBody};
use ferry_persistence::store::workspaces;

/// Count live workspaces by status
///
/// Over all organizations, or the one named; in one query.
#[utoipa::path(
    tag = "workspace",
    operation_id = "getWorkspaceStats",
    request_body(content = Option<WorkspaceStatsRequestBody>, description = "Optional"),
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceStatsRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/stats")]
pub async fn workspace_stats(
    state: web::Data<AppState>,
    OptionalBody(request, _): OptionalBody<WorkspaceStatsRequestBody, Reader>,
) -> ApiResult<web::Json<WorkspaceStatsRead>> {
    let organization = request.organization_id;
    let stats = state
        .db
        .run(move |conn| workspaces::stats(conn, organization))
        .await?;
    Ok(web::Json(stats))
}
