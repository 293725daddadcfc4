use crate::app::definitions;
use crate::auth::guard::InstanceAdmin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::actor_definition::{ActorType, SourceDefinitionIdRequestBody};

/// Delete a source definition
///
/// A soft delete: `get` still finds it and `list` no longer shows it. Refused (409, with
/// the count) while live sources use it. Deleting a deleted definition succeeds again.
#[utoipa::path(
    tag = "source_definition",
    operation_id = "deleteSourceDefinition",
    params(IfMatch),
    request_body = SourceDefinitionIdRequestBody,
    responses(
        (status = 204, description = "The definition was deleted"),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/source_definitions/delete")]
pub async fn delete_source_definition(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceDefinitionIdRequestBody, InstanceAdmin>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    definitions::delete(
        &state,
        ActorType::Source,
        request.source_definition_id.0,
        expected,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
