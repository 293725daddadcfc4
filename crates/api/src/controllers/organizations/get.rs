use crate::auth::guard::Member;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::organization::{OrganizationIdRequestBody, OrganizationRead};
use ferry_persistence::store::organizations;

/// Get an organization
///
/// Any member of the organization may read it.
#[utoipa::path(
    tag = "organization",
    operation_id = "getOrganization",
    request_body = OrganizationIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = OrganizationRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/organizations/get")]
pub async fn get_organization(
    state: web::Data<AppState>,
    Body(request, _): Body<OrganizationIdRequestBody, Member>,
) -> ApiResult<Tagged<OrganizationRead>> {
    let id = request.organization_id;
    let organization = state
        .db
        .run(move |conn| organizations::get(conn, id))
        .await?;
    Ok(Tagged(organization.into()))
}
