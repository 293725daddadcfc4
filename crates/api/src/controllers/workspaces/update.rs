use crate::auth::guard::{Admin, CurrentCaller};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
use crate::{app, AppState};
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceRead, WorkspaceUpdate};

/// Update workspace state
///
/// A partial update: every field but `workspaceId` may be left out and keeps its stored
/// value. Setting `status` to `inactive` makes every active connection of the workspace
/// inactive in the same transaction; setting it back to `active` re-enables none of them.
/// `ownerId` transfers the workspace to a user with access to it (a 422 otherwise);
/// `workspaceType` `single_user` is a 409 while it has more than one member. A deleted
/// workspace cannot be updated (404).
#[utoipa::path(
    tag = "workspace",
    operation_id = "updateWorkspace",
    params(IfMatch),
    request_body = WorkspaceUpdate,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/update")]
pub async fn update_workspace(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<WorkspaceUpdate, Admin>,
    if_match: IfMatch,
) -> ApiResult<Tagged<WorkspaceRead>> {
    let expected = if_match.expected(request.expected_version)?;
    let workspace = app::workspaces::update(&state, &caller, request, expected).await?;
    Ok(Tagged(workspace.into()))
}
