use crate::app::definitions;
use crate::auth::guard::InstanceAdmin;
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{
    ActorType, DestinationDefinitionCreate, DestinationDefinitionRead, NewActorDefinition,
};

/// Create a destination definition
///
/// Registers a connector image (`dockerRepository` at `dockerImageTag`) as a kind of
/// destination that workspaces can create destinations from. Instance administrators only.
#[utoipa::path(
    tag = "destination_definition",
    operation_id = "createDestinationDefinition",
    request_body = DestinationDefinitionCreate,
    responses(
        (status = 200, description = "Successful operation", body = DestinationDefinitionRead),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/destination_definitions/create")]
pub async fn create_destination_definition(
    state: web::Data<AppState>,
    Body(request, _): Body<DestinationDefinitionCreate, InstanceAdmin>,
) -> ApiResult<Tagged<DestinationDefinitionRead>> {
    let new = NewActorDefinition::from(request);
    let definition = definitions::create(&state, ActorType::Destination, new).await?;
    Ok(Tagged(definition.into()))
}
