use crate::app::actors;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CheckFailed, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{DestinationRead, DestinationRecreate, NewActor};
use ferry_domain::actor_definition::ActorType;

/// Replace a destination by a new one whose check succeeds
///
/// Creates a new destination from the body and checks it; only when the check succeeds is
/// the destination named by `destinationId` deleted, its connections becoming `deprecated`.
/// A failed check removes the new destination, keeps the old one and answers 400. Secrets
/// sent back as `**********` stand for the old destination's stored values.
#[utoipa::path(
    tag = "web_backend",
    operation_id = "webBackendRecreateDestination",
    request_body = DestinationRecreate,
    responses(
        (status = 200, description = "Successful operation", body = DestinationRead),
        NotFound, CheckFailed, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/web_backend/destinations/recreate")]
pub async fn web_backend_recreate_destination(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<DestinationRecreate, Editor>,
) -> ApiResult<Tagged<DestinationRead>> {
    let (new, replaced) = request.into_parts();
    let new = NewActor {
        by: caller.user_id,
        ..new
    };
    let destination = actors::recreate(&state, ActorType::Destination, new, replaced).await?;
    Ok(Tagged(destination.into()))
}
