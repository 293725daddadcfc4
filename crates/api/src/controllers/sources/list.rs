use crate::app::actors;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{SourceListRequestBody, SourceRead, SourceReadList};
use ferry_domain::actor_definition::ActorType;

/// List the sources of a workspace
///
/// Its live sources, oldest first unless sorted otherwise (filters, sorts and pages follow the list convention,
/// docs/API-DESIGN.md "Lists"), with secrets read as `**********`. An unknown or deleted
/// workspace is a 404.
#[utoipa::path(
    tag = "source",
    operation_id = "listSourcesForWorkspace",
    request_body = SourceListRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = SourceReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/sources/list")]
pub async fn list_sources(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceListRequestBody, Reader>,
) -> ApiResult<ListAnswer<SourceReadList>> {
    Ok(actors::list(&state, ActorType::Source, request.into())
        .await?
        .map::<SourceRead>()
        .into())
}
