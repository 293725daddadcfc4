use crate::app::actors;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{DestinationListRequestBody, DestinationRead, DestinationReadList};
use ferry_domain::actor_definition::ActorType;

/// List the destinations of a workspace
///
/// Its live destinations, oldest first unless sorted otherwise (filters, sorts and pages follow the list convention,
/// docs/API-DESIGN.md "Lists"), with secrets read as `**********`. An unknown or
/// deleted workspace is a 404.
#[utoipa::path(
    tag = "destination",
    operation_id = "listDestinationsForWorkspace",
    request_body = DestinationListRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = DestinationReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/destinations/list")]
pub async fn list_destinations(
    state: web::Data<AppState>,
    Body(request, _): Body<DestinationListRequestBody, Reader>,
) -> ApiResult<ListAnswer<DestinationReadList>> {
    Ok(actors::list(&state, ActorType::Destination, request.into())
        .await?
        .map::<DestinationRead>()
        .into())
}
