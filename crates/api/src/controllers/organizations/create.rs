use crate::auth::guard::InstanceAdmin;
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::organization::{OrganizationCreateRequestBody, OrganizationRead};
use ferry_persistence::store::organizations;

/// Create an organization
///
/// An organization holds workspaces and grants roles over all of them. Instance
/// administrators only.
#[utoipa::path(
    tag = "organization",
    operation_id = "createOrganization",
    request_body = OrganizationCreateRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = OrganizationRead),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/organizations/create")]
pub async fn create_organization(
    state: web::Data<AppState>,
    Body(request, _): Body<OrganizationCreateRequestBody, InstanceAdmin>,
) -> ApiResult<Tagged<OrganizationRead>> {
    let organization = state
        .db
        .write(move |conn| organizations::create(conn, &request))
        .await?;
    tracing::info!(organization_id = %organization.id, "organization created");
    Ok(Tagged(organization.into()))
}
