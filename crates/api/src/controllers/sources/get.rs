use crate::app::actors;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{SourceIdRequestBody, SourceRead};
use ferry_domain::actor_definition::ActorType;

/// Get a source
///
/// Secrets in its configuration read as `**********`. A deleted source is still found.
#[utoipa::path(
    tag = "source",
    operation_id = "getSource",
    request_body = SourceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = SourceRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/sources/get")]
pub async fn get_source(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceIdRequestBody, Reader>,
) -> ApiResult<Tagged<SourceRead>> {
    let source = actors::get(&state, ActorType::Source, request.source_id.0).await?;
    Ok(Tagged(source.into()))
}
