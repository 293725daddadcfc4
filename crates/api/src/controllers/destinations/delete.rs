use crate::app::actors;
use crate::auth::guard::Editor;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::actor::DestinationIdRequestBody;
use ferry_domain::actor_definition::ActorType;

/// Delete a destination
///
/// A soft delete: `get` still finds it and `list` no longer shows it. Every connection that
/// writes to it becomes `deprecated` in the same transaction. Deleting a deleted
/// destination succeeds again.
#[utoipa::path(
    tag = "destination",
    operation_id = "deleteDestination",
    params(IfMatch),
    request_body = DestinationIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/destinations/delete")]
pub async fn delete_destination(
    state: web::Data<AppState>,
    Body(request, _): Body<DestinationIdRequestBody, Editor>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    actors::delete(
        &state,
        ActorType::Destination,
        request.destination_id.0,
        expected,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
