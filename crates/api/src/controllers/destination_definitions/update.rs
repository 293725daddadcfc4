use crate::app::definitions;
use crate::auth::guard::InstanceAdmin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{
    ActorType, DestinationDefinitionRead, DestinationDefinitionUpdate, NewImageTag,
};

/// Update a destination definition
///
/// Changes its default docker image tag, the only field that can change. The cached
/// specification of its repository is forgotten, so the new image's is asked for when next
/// needed. Without `dockerImageTag` nothing changes and the definition is answered as it is
/// (under the same version rule). A deleted definition cannot be updated (404).
#[utoipa::path(
    tag = "destination_definition",
    operation_id = "updateDestinationDefinition",
    params(IfMatch),
    request_body = DestinationDefinitionUpdate,
    responses(
        (status = 200, description = "Successful operation", body = DestinationDefinitionRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/destination_definitions/update")]
pub async fn update_destination_definition(
    state: web::Data<AppState>,
    Body(request, _): Body<DestinationDefinitionUpdate, InstanceAdmin>,
    if_match: IfMatch,
) -> ApiResult<Tagged<DestinationDefinitionRead>> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.destination_definition_id.0;
    let definition = definitions::update_image_tag(
        &state,
        ActorType::Destination,
        id,
        request.docker_image_tag.into_new_tag(),
        expected,
    )
    .await?;
    Ok(Tagged(definition.into()))
}
