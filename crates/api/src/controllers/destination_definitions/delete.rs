use crate::app::definitions;
use crate::auth::guard::InstanceAdmin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::actor_definition::{ActorType, DestinationDefinitionIdRequestBody};

/// Delete a destination definition
///
/// A soft delete: `get` still finds it and `list` no longer shows it. Refused (409, with
/// the count) while live destinations use it. Deleting a deleted definition succeeds again.
#[utoipa::path(
    tag = "destination_definition",
    operation_id = "deleteDestinationDefinition",
    params(IfMatch),
    request_body = DestinationDefinitionIdRequestBody,
    responses(
        (status = 204, description = "The definition was deleted"),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/destination_definitions/delete")]
pub async fn delete_destination_definition(
    state: web::Data<AppState>,
    Body(request, _): Body<DestinationDefinitionIdRequestBody, InstanceAdmin>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    definitions::delete(
        &state,
        ActorType::Destination,
        request.destination_definition_id.0,
        expected,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
