use crate::app;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{
    ApiResult, BodyErrors, CheckFailed, CommonErrors, Conflict, ConnectorErrors, NotFound,
};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::setup::{WebBackendWorkspaceCreate, WebBackendWorkspaceCreateRead};

/// Create a workspace with its first source, destination and connection
///
/// One call instead of four: validates both configurations against their connectors'
/// specs, runs both checks (a failure is a 400 `CONNECTION_CHECK_FAILED` naming the source
/// or the destination and what its connector said), discovers the source's streams and keeps
/// those `connection.streams` names (all when it is left out; an unknown name is a 422), then
/// creates the workspace, the source, the destination and the connection in one transaction,
/// queueing the first sync in it when `runFirstSync` is true. Whatever fails, nothing is left
/// behind. Needs what `workspaces/create` needs (editor of the organization).
#[utoipa::path(
    tag = "web_backend",
    operation_id = "webBackendCreateWorkspace",
    request_body = WebBackendWorkspaceCreate,
    responses(
        (status = 200, description = "Successful operation", body = WebBackendWorkspaceCreateRead),
        NotFound, Conflict, CheckFailed, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/web_backend/workspaces/create")]
pub async fn web_backend_create_workspace(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<WebBackendWorkspaceCreate, Editor>,
) -> ApiResult<web::Json<WebBackendWorkspaceCreateRead>> {
    Ok(web::Json(
        app::setup::create(&state, &caller, request).await?,
    ))
}
