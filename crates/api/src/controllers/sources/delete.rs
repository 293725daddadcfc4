use crate::app::actors;
use crate::auth::guard::Editor;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::actor::SourceIdRequestBody;
use ferry_domain::actor_definition::ActorType;

/// Delete a source
///
/// A soft delete: `get` still finds it and `list` no longer shows it. Every connection that
/// reads from it becomes `deprecated` in the same transaction. Deleting a deleted source
/// succeeds again.
#[utoipa::path(
    tag = "source",
    operation_id = "deleteSource",
    params(IfMatch),
    request_body = SourceIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/sources/delete")]
pub async fn delete_source(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceIdRequestBody, Editor>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    actors::delete(&state, ActorType::Source, request.source_id.0, expected).await?;
    Ok(HttpResponse::NoContent().finish())
}
