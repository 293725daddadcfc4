use crate::app::definitions;
use crate::auth::guard::Authenticated;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{
    ActorType, DestinationDefinitionIdRequestBody, DestinationDefinitionRead,
};

/// Get a destination definition
///
/// A deleted definition is still found.
#[utoipa::path(
    tag = "destination_definition",
    operation_id = "getDestinationDefinition",
    request_body = DestinationDefinitionIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = DestinationDefinitionRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/destination_definitions/get")]
pub async fn get_destination_definition(
    state: web::Data<AppState>,
    Body(request, _): Body<DestinationDefinitionIdRequestBody, Authenticated>,
) -> ApiResult<Tagged<DestinationDefinitionRead>> {
    let id = request.destination_definition_id.0;
    let definition = definitions::get(&state, ActorType::Destination, id).await?;
    Ok(Tagged(definition.into()))
}
