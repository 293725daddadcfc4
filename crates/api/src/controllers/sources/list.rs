use crate::app::actors;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::SourceReadList;
use ferry_domain::actor_definition::ActorType;
use ferry_domain::workspace::WorkspaceIdRequestBody;

/// List the sources of a workspace
///
/// Its live sources, oldest first, with secrets read as `**********`. An unknown or deleted
/// workspace is a 404.
#[utoipa::path(
    tag = "source",
    operation_id = "listSourcesForWorkspace",
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = SourceReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/sources/list")]
pub async fn list_sources(
    state: web::Data<AppState>,
    Body(request, _): Body<WorkspaceIdRequestBody, Reader>,
) -> ApiResult<web::Json<SourceReadList>> {
    let sources = actors::list(&state, ActorType::Source, request.workspace_id).await?;
    Ok(web::Json(SourceReadList::from(sources)))
}
