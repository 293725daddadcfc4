use crate::app::workspaces;
use crate::auth::guard::{Authenticated, CurrentCaller};
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::OptionalBody;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceListRequestBody, WorkspaceReadList};

/// List workspaces
///
/// With no body (or `{}`) every live workspace, oldest first, unpaged, as in the 2020
/// contract. Filters combine; `sortBy` and `sortOrder` order the list with the id breaking
/// ties; `pageSize` with the previous page's `nextCursor` pages through it by keyset (or
/// Airbyte's `pagination` by offset). See docs/API-DESIGN.md, "Lists".
#[utoipa::path(
    tag = "workspace",
    operation_id = "listWorkspaces",
    request_body(content = Option<WorkspaceListRequestBody>, description = "Optional"),
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/list")]
pub async fn list_workspaces(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    OptionalBody(request, _): OptionalBody<WorkspaceListRequestBody, Authenticated>,
) -> ApiResult<ListAnswer<WorkspaceReadList>> {
    Ok(workspaces::list(&state, &caller, request).await?.into())
}
