use crate::app::workspaces;
use crate::auth::guard::{Authenticated, CurrentCaller};
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::OptionalBody;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::workspace::{WebBackendWorkspaceReadList, WorkspaceListRequestBody};

/// List workspaces with what each holds
///
/// The same body, filters, sort and pages as `workspaces/list`, each workspace with its
/// counts of live sources and destinations, of active and inactive connections, and its
/// newest sync job (status, connection, start and end). Costs a constant number of queries
/// however many workspaces a page holds.
#[utoipa::path(
    tag = "web_backend",
    operation_id = "webBackendListWorkspaces",
    request_body(content = Option<WorkspaceListRequestBody>, description = "Optional"),
    responses(
        (status = 200, description = "Successful operation", body = WebBackendWorkspaceReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/web_backend/workspaces/list")]
pub async fn web_backend_list_workspaces(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    OptionalBody(request, _): OptionalBody<WorkspaceListRequestBody, Authenticated>,
) -> ApiResult<ListAnswer<WebBackendWorkspaceReadList>> {
    Ok(workspaces::list_with_summaries(&state, &caller, request)
        .await?
        .into())
}
