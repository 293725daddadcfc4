use crate::auth::guard::{Authenticated, CurrentCaller, Guard};
use crate::error::{ApiResult, CommonErrors};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::organization::{OrganizationRead, OrganizationReadList};
use ferry_persistence::store::organizations;

/// List organizations
///
/// The live organizations the caller may see, oldest first: those it holds a permission in
/// or over one of their workspaces (every one for an instance administrator).
#[utoipa::path(
    tag = "organization",
    operation_id = "listOrganizations",
    responses(
        (status = 200, description = "Successful operation", body = OrganizationReadList),
        CommonErrors
    )
)]
#[post("/v1/organizations/list")]
pub async fn list_organizations(
    _guard: Guard<Authenticated>,
    CurrentCaller(caller): CurrentCaller,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<OrganizationReadList>> {
    let organizations = state.db.run(organizations::list).await?;
    Ok(web::Json(OrganizationReadList {
        organizations: organizations
            .into_iter()
            // Organizations are few: narrowing them here costs nothing.
            .filter(|o| caller.organization_role(o.id).is_some())
            .map(OrganizationRead::from)
            .collect(),
    }))
}
