//! `organizations/*`. Every workspace belongs to exactly one organization; the default one
//! exists from the first start.

use crate::auth::guard::{Admin, Authenticated, CurrentCaller, Guard, InstanceAdmin, Member};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::organization::{
    OrganizationCreateRequestBody, OrganizationIdRequestBody, OrganizationRead,
    OrganizationReadList, OrganizationUpdateRequestBody,
};
use ferry_persistence::store::organizations;

/// Create an organization
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
) -> ApiResult<web::Json<OrganizationRead>> {
    let organization = state
        .db
        .write(move |conn| organizations::create(conn, &request))
        .await?;
    tracing::info!(organization_id = %organization.id, "organization created");
    Ok(web::Json(organization.into()))
}

/// Get an organization
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
) -> ApiResult<web::Json<OrganizationRead>> {
    let id = request.organization_id;
    let organization = state
        .db
        .run(move |conn| organizations::get(conn, id))
        .await?;
    Ok(web::Json(organization.into()))
}

/// List the live organizations the caller may see, oldest first
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

/// Update an organization (partial: what is left out keeps its value)
#[utoipa::path(
    tag = "organization",
    operation_id = "updateOrganization",
    request_body = OrganizationUpdateRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = OrganizationRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/organizations/update")]
pub async fn update_organization(
    state: web::Data<AppState>,
    Body(request, _): Body<OrganizationUpdateRequestBody, Admin>,
) -> ApiResult<web::Json<OrganizationRead>> {
    let organization = state
        .db
        .write(move |conn| organizations::update(conn, &request))
        .await?;
    Ok(web::Json(organization.into()))
}

/// Delete an organization
///
/// Refused (409, with the count) while it holds live workspaces; the default organization
/// is never deleted.
#[utoipa::path(
    tag = "organization",
    operation_id = "deleteOrganization",
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
) -> ApiResult<HttpResponse> {
    let id = request.organization_id;
    state
        .db
        .write(move |conn| organizations::delete(conn, id))
        .await?;
    tracing::info!(organization_id = %id, "organization deleted");
    Ok(HttpResponse::NoContent().finish())
}
