use crate::app::actors;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{ActorChanges, DestinationRead, DestinationUpdate};
use ferry_domain::actor_definition::ActorType;

/// Update a destination
///
/// Replaces its name and configuration, which must match its definition's specification as
/// on create. A secret sent back as `**********` (as reads show it) keeps its stored value.
/// A deleted destination cannot be updated (404).
#[utoipa::path(
    tag = "destination",
    operation_id = "updateDestination",
    params(IfMatch),
    request_body = DestinationUpdate,
    responses(
        (status = 200, description = "Successful operation", body = DestinationRead),
        NotFound, Conflict, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/destinations/update")]
pub async fn update_destination(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<DestinationUpdate, Editor>,
    if_match: IfMatch,
) -> ApiResult<Tagged<DestinationRead>> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.destination_id.0;
    let changes = ActorChanges {
        by: caller.user_id,
        expected_version: expected,
        ..ActorChanges::from(request)
    };
    let destination = actors::update(&state, ActorType::Destination, id, changes).await?;
    Ok(Tagged(destination.into()))
}
