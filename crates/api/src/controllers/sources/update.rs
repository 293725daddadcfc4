use crate::app::actors;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{ActorChanges, SourceRead, SourceUpdate};
use ferry_domain::actor_definition::ActorType;

/// Update a source
///
/// Replaces its name and configuration, which must match its definition's specification as
/// on create. A secret sent back as `**********` (as reads show it) keeps its stored value.
/// A deleted source cannot be updated (404).
#[utoipa::path(
    tag = "source",
    operation_id = "updateSource",
    params(IfMatch),
    request_body = SourceUpdate,
    responses(
        (status = 200, description = "Successful operation", body = SourceRead),
        NotFound, Conflict, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/sources/update")]
pub async fn update_source(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<SourceUpdate, Editor>,
    if_match: IfMatch,
) -> ApiResult<Tagged<SourceRead>> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.source_id.0;
    let changes = ActorChanges {
        by: caller.user_id,
        expected_version: expected,
        ..ActorChanges::from(request)
    };
    let source = actors::update(&state, ActorType::Source, id, changes).await?;
    Ok(Tagged(source.into()))
}
