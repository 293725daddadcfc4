use crate::app::actors;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CheckFailed, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{NewActor, SourceRead, SourceRecreate};
use ferry_domain::actor_definition::ActorType;

/// Replace a source by a new one whose check succeeds
///
/// Creates a new source from the body and checks it; only when the check succeeds is the
/// source named by `sourceId` deleted, its connections becoming `deprecated`. A failed
/// check removes the new source, keeps the old one and answers 400. Secrets sent back as
/// `**********` stand for the old source's stored values.
#[utoipa::path(
    tag = "web_backend",
    operation_id = "webBackendRecreateSource",
    request_body = SourceRecreate,
    responses(
        (status = 200, description = "Successful operation", body = SourceRead),
        NotFound, CheckFailed, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/web_backend/sources/recreate")]
pub async fn web_backend_recreate_source(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<SourceRecreate, Editor>,
) -> ApiResult<Tagged<SourceRead>> {
    let (new, replaced) = request.into_parts();
    let new = NewActor {
        by: caller.user_id,
        ..new
    };
    let source = actors::recreate(&state, ActorType::Source, new, replaced).await?;
    Ok(Tagged(source.into()))
}
