use crate::app::organizations;
use crate::auth::guard::{Authenticated, CurrentCaller};
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::OptionalBody;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::organization::{OrganizationListRequestBody, OrganizationReadList};

/// List organizations
///
/// The live organizations the caller may see: those it holds a permission in or over one of
/// their workspaces (every one for an instance administrator). With no body (or `{}`) all of
/// them, oldest first, unpaged; `nameContains`, `sortBy`/`sortOrder` and keyset pages
/// (`pageSize`, `cursor`) follow docs/API-DESIGN.md, "Lists".
#[utoipa::path(
    tag = "organization",
    operation_id = "listOrganizations",
    request_body(content = Option<OrganizationListRequestBody>, description = "Optional"),
    responses(
        (status = 200, description = "Successful operation", body = OrganizationReadList),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/organizations/list")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    OptionalBody(request, _): OptionalBody<OrganizationListRequestBody, Authenticated>,
) -> ApiResult<ListAnswer<OrganizationReadList>> {
    Ok(organizations::list(&state, &caller, request).await?.into())
}
