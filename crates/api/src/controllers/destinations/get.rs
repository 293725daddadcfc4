use crate::app::actors;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{DestinationIdRequestBody, DestinationRead};
use ferry_domain::actor_definition::ActorType;

/// Get a destination
///
/// Secrets in its configuration read as `**********`. A deleted destination is still found.
#[utoipa::path(
    tag = "destination",
    operation_id = "getDestination",
    request_body = DestinationIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = DestinationRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/destinations/get")]
pub async fn get_destination(
    state: web::Data<AppState>,
    Body(request, _): Body<DestinationIdRequestBody, Reader>,
) -> ApiResult<Tagged<DestinationRead>> {
    let destination = actors::get(&state, ActorType::Destination, request.destination_id.0).await?;
    Ok(Tagged(destination.into()))
}
