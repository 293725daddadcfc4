use crate::app::definitions;
use crate::auth::guard::InstanceAdmin;
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{
    ActorType, NewActorDefinition, SourceDefinitionCreate, SourceDefinitionRead,
};

/// Create a source definition
///
/// Registers a connector image (`dockerRepository` at `dockerImageTag`) as a kind of source
/// that workspaces can create sources from. Instance administrators only.
#[utoipa::path(
    tag = "source_definition",
    operation_id = "createSourceDefinition",
    request_body = SourceDefinitionCreate,
    responses(
        (status = 200, description = "Successful operation", body = SourceDefinitionRead),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/source_definitions/create")]
pub async fn create_source_definition(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceDefinitionCreate, InstanceAdmin>,
) -> ApiResult<Tagged<SourceDefinitionRead>> {
    let new = NewActorDefinition::from(request);
    let definition = definitions::create(&state, ActorType::Source, new).await?;
    Ok(Tagged(definition.into()))
}
