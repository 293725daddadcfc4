use crate::app::definitions;
use crate::auth::guard::InstanceAdmin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{
    ActorType, NewImageTag, SourceDefinitionRead, SourceDefinitionUpdate,
};

/// Update a source definition
///
/// Changes its default docker image tag, the only field that can change. The cached
/// specification of its repository is forgotten, so the new image's is asked for when next
/// needed. A deleted definition cannot be updated (404).
#[utoipa::path(
    tag = "source_definition",
    operation_id = "updateSourceDefinition",
    params(IfMatch),
    request_body = SourceDefinitionUpdate,
    responses(
        (status = 200, description = "Successful operation", body = SourceDefinitionRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/source_definitions/update")]
pub async fn update_source_definition(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceDefinitionUpdate, InstanceAdmin>,
    if_match: IfMatch,
) -> ApiResult<Tagged<SourceDefinitionRead>> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.source_definition_id.0;
    let definition = definitions::update_image_tag(
        &state,
        ActorType::Source,
        id,
        request.docker_image_tag.into_new_tag(),
        expected,
    )
    .await?;
    Ok(Tagged(definition.into()))
}
