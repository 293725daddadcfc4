use crate::auth::guard::InstanceAdmin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::organization::OrganizationIdRequestBody;
use ferry_persistence::store::organizations;

/// Delete an organization
///
/// Refused (409, with the count) while it holds live workspaces; the default organization
/// is never deleted.
#[utoipa::path(
    tag = "organization",
    operation_id = "deleteOrganization",
    params(IfMatch),
    request_body = OrganizationIdRequestBody,
    responses(
        (status = 204, description = "The organization was deleted"),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/organizations/delete")]
pub async fn delete_organization(
    state: web::Data<AppState>,
    Body(request, _): Body<OrganizationIdRequestBody, InstanceAdmin>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.organization_id;
    state
        .db
        .write(move |conn| organizations::delete(conn, id, expected))
        .await?;
    tracing::info!(organization_id = %id, "organization deleted");
    Ok(HttpResponse::NoContent().finish())
}
