use crate::app::actors;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{DestinationCreate, DestinationRead, NewActor};
use ferry_domain::actor_definition::ActorType;

/// Create a destination
///
/// Creates a destination in a workspace from a live destination definition. Its
/// `connectionConfiguration` must match the definition's specification: each violation is a
/// 422 naming `connectionConfiguration.<path>`, without echoing the value. A
/// `destinationDefinitionId` that names no live destination definition is a 422 on that
/// field. Values the specification marks `airbyte_secret` read back as `**********`.
#[utoipa::path(
    tag = "destination",
    operation_id = "createDestination",
    request_body = DestinationCreate,
    responses(
        (status = 200, description = "Successful operation", body = DestinationRead),
        NotFound, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/destinations/create")]
pub async fn create_destination(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<DestinationCreate, Editor>,
) -> ApiResult<Tagged<DestinationRead>> {
    let new = NewActor {
        by: caller.user_id,
        ..NewActor::from(request)
    };
    let destination = actors::create(&state, ActorType::Destination, new).await?;
    Ok(Tagged(destination.into()))
}
