use crate::app::connectors;
use crate::auth::guard::Authenticated;
use crate::error::{ApiResult, BodyErrors, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::DestinationDefinitionSpecificationRead;
use ferry_domain::actor_definition::{ActorType, DestinationDefinitionIdRequestBody};

/// Get the specification of a destination definition
///
/// The JSON Schema that a destination's `connectionConfiguration` must match, as the
/// definition's connector states it (`spec`). The connector runs once per image (repository
/// and tag); the answer is kept until the definition's tag changes. A connector that cannot
/// be run is a 502.
#[utoipa::path(
    tag = "destination_definition_specification",
    operation_id = "getDestinationDefinitionSpecification",
    request_body = DestinationDefinitionIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = DestinationDefinitionSpecificationRead),
        NotFound, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/destination_definition_specifications/get")]
pub async fn get_destination_definition_specification(
    state: web::Data<AppState>,
    Body(request, _): Body<DestinationDefinitionIdRequestBody, Authenticated>,
) -> ApiResult<web::Json<DestinationDefinitionSpecificationRead>> {
    let id = request.destination_definition_id;
    let spec = connectors::spec_of_definition(&state, ActorType::Destination, id.0).await?;
    Ok(web::Json(DestinationDefinitionSpecificationRead::new(
        id,
        spec.documentation_url,
        spec.specification,
    )))
}
