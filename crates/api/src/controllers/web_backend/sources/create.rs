use crate::app::actors;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CheckFailed, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{NewActor, SourceCreate, SourceRead};
use ferry_domain::actor_definition::ActorType;

/// Create a source whose check succeeds
///
/// Creates the source as `sources/create` does, then runs the connector's check on it. It
/// is kept only when the check succeeds; otherwise it is removed and the answer is a 400
/// with the connector's message.
#[utoipa::path(
    tag = "web_backend",
    operation_id = "webBackendCreateSource",
    request_body = SourceCreate,
    responses(
        (status = 200, description = "Successful operation", body = SourceRead),
        NotFound, CheckFailed, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/web_backend/sources/create")]
pub async fn web_backend_create_source(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<SourceCreate, Editor>,
) -> ApiResult<Tagged<SourceRead>> {
    let new = NewActor {
        by: caller.user_id,
        ..NewActor::from(request)
    };
    let source = actors::create_checked(&state, ActorType::Source, new).await?;
    Ok(Tagged(source.into()))
}
