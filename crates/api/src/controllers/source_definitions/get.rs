use crate::app::definitions;
use crate::auth::guard::Authenticated;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{
    ActorType, SourceDefinitionIdRequestBody, SourceDefinitionRead,
};

/// Get a source definition
///
/// A deleted definition is still found.
#[utoipa::path(
    tag = "source_definition",
    operation_id = "getSourceDefinition",
    request_body = SourceDefinitionIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = SourceDefinitionRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/source_definitions/get")]
pub async fn get_source_definition(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceDefinitionIdRequestBody, Authenticated>,
) -> ApiResult<Tagged<SourceDefinitionRead>> {
    let id = request.source_definition_id.0;
    let definition = definitions::get(&state, ActorType::Source, id).await?;
    Ok(Tagged(definition.into()))
}
