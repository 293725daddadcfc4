use crate::app::actors;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
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
    request_body = SourceUpdate,
    responses(
        (status = 200, description = "Successful operation", body = SourceRead),
        NotFound, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/sources/update")]
pub async fn update_source(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<SourceUpdate, Editor>,
) -> ApiResult<web::Json<SourceRead>> {
    let id = request.source_id.0;
    let changes = ActorChanges {
        by: caller.user_id,
        ..ActorChanges::from(request)
    };
    let source = actors::update(&state, ActorType::Source, id, changes).await?;
    Ok(web::Json(source.into()))
}
