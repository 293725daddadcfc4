use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
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
    params(IfMatch),
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 204, description = "The workspace was deleted"),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/delete")]
pub async fn delete_workspace(
    state: web::Data<AppState>,
    Body(request, _): Body<WorkspaceIdRequestBody, Admin>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.workspace_id;
    state
        .db
        .write(move |conn| workspaces::delete(conn, id, expected))
        .await?;
    tracing::info!(workspace_id = %id, "workspace deleted");
    Ok(HttpResponse::NoContent().finish())
}
