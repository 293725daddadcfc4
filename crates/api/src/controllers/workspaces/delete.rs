use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::workspace::WorkspaceIdRequestBody;
use ferry_persistence::store::workspaces;

/// Deletes a workspace
///
/// A soft delete: `get` still answers with `tombstone: true`, `list` no longer shows it.
/// Deleting a deleted workspace succeeds again.
#[utoipa::path(
    tag = "workspace",
    operation_id = "deleteWorkspace",
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 204, description = "The workspace was deleted"),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/delete")]
pub async fn delete_workspace(
    state: web::Data<AppState>,
    Body(request, _): Body<WorkspaceIdRequestBody, Admin>,
) -> ApiResult<HttpResponse> {
    let id = request.workspace_id;
    state
        .db
        .write(move |conn| workspaces::delete(conn, id))
        .await?;
    tracing::info!(workspace_id = %id, "workspace deleted");
    Ok(HttpResponse::NoContent().finish())
}
