use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::organization::{OrganizationRead, OrganizationUpdateRequestBody};
use ferry_persistence::store::organizations;

/// Update an organization
///
/// A partial update: what the body leaves out keeps its stored value. Needs admin over the
/// organization.
#[utoipa::path(
    tag = "organization",
    operation_id = "updateOrganization",
    params(IfMatch),
    request_body = OrganizationUpdateRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = OrganizationRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/organizations/update")]
pub async fn update_organization(
    state: web::Data<AppState>,
    Body(request, _): Body<OrganizationUpdateRequestBody, Admin>,
    if_match: IfMatch,
) -> ApiResult<Tagged<OrganizationRead>> {
    let expected = if_match.expected(request.expected_version)?;
    let organization = state
        .db
        .write(move |conn| organizations::update(conn, &request, expected))
        .await?;
    Ok(Tagged(organization.into()))
}
