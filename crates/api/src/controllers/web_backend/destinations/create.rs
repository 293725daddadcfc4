use crate::app::actors;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CheckFailed, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{DestinationCreate, DestinationRead, NewActor};
use ferry_domain::actor_definition::ActorType;

/// Create a destination whose check succeeds
///
/// Creates the destination as `destinations/create` does, then runs the connector's check
/// on it. It is kept only when the check succeeds; otherwise it is removed and the answer
/// is a 400 with the connector's message.
#[utoipa::path(
    tag = "web_backend",
    operation_id = "webBackendCreateDestination",
    request_body = DestinationCreate,
    responses(
        (status = 200, description = "Successful operation", body = DestinationRead),
        NotFound, CheckFailed, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/web_backend/destinations/create")]
pub async fn web_backend_create_destination(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<DestinationCreate, Editor>,
) -> ApiResult<Tagged<DestinationRead>> {
    let new = NewActor {
        by: caller.user_id,
        ..NewActor::from(request)
    };
    let destination = actors::create_checked(&state, ActorType::Destination, new).await?;
    Ok(Tagged(destination.into()))
}
