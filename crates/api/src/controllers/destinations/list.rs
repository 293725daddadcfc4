use crate::app::actors;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::DestinationReadList;
use ferry_domain::actor_definition::ActorType;
use ferry_domain::workspace::WorkspaceIdRequestBody;

/// List the destinations of a workspace
///
/// Its live destinations, oldest first, with secrets read as `**********`. An unknown or
/// deleted workspace is a 404.
#[utoipa::path(
    tag = "destination",
    operation_id = "listDestinationsForWorkspace",
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = DestinationReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/destinations/list")]
pub async fn list_destinations(
    state: web::Data<AppState>,
    Body(request, _): Body<WorkspaceIdRequestBody, Reader>,
) -> ApiResult<web::Json<DestinationReadList>> {
    let destinations = actors::list(&state, ActorType::Destination, request.workspace_id).await?;
    Ok(web::Json(DestinationReadList::from(destinations)))
}
