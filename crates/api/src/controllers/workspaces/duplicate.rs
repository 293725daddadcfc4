use crate::auth::guard::{Admin, CurrentCaller};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::{app, AppState};
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceDuplicateRequestBody, WorkspaceRead};

/// Duplicate a workspace
///
/// Creates a workspace (in the same organization unless another is given) holding copies
/// of the original's live sources, destinations and connections. Configurations, secrets
/// included, are copied inside the server; every copied connection is `inactive`. Fields left
/// out are copied from the original. All or nothing: a failure leaves nothing behind.
#[utoipa::path(
    tag = "workspace",
    operation_id = "duplicateWorkspace",
    request_body = WorkspaceDuplicateRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/duplicate")]
pub async fn duplicate_workspace(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<WorkspaceDuplicateRequestBody, Admin>,
) -> ApiResult<Tagged<WorkspaceRead>> {
    let copy = app::workspaces::duplicate(&state, &caller, request).await?;
    Ok(Tagged(copy.into()))
}
