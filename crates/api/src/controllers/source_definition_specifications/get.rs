use crate::app::connectors;
use crate::auth::guard::Authenticated;
use crate::error::{ApiResult, BodyErrors, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::SourceDefinitionSpecificationRead;
use ferry_domain::actor_definition::{ActorType, SourceDefinitionIdRequestBody};

/// Get the specification of a source definition
///
/// The JSON Schema that a source's `connectionConfiguration` must match, as the
/// definition's connector states it (`spec`). The connector runs once per image (repository
/// and tag); the answer is kept until the definition's tag changes. A connector that cannot
/// be run is a 502.
#[utoipa::path(
    tag = "source_definition_specification",
    operation_id = "getSourceDefinitionSpecification",
    request_body = SourceDefinitionIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = SourceDefinitionSpecificationRead),
        NotFound, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/source_definition_specifications/get")]
pub async fn get_source_definition_specification(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceDefinitionIdRequestBody, Authenticated>,
) -> ApiResult<web::Json<SourceDefinitionSpecificationRead>> {
    let id = request.source_definition_id;
    let spec = connectors::spec_of_definition(&state, ActorType::Source, id.0).await?;
    Ok(web::Json(SourceDefinitionSpecificationRead::new(
        id,
        spec.documentation_url,
        spec.specification,
    )))
}
