use crate::app::actors;
use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{NewActor, SourceCreate, SourceRead};
use ferry_domain::actor_definition::ActorType;

/// Create a source
///
/// Creates a source in a workspace from a live source definition. Its
/// `connectionConfiguration` must match the definition's specification: each violation is a
/// 422 naming `connectionConfiguration.<path>`, without echoing the value. A
/// `sourceDefinitionId` that names no live source definition is a 422 on that field. Values
/// the specification marks `airbyte_secret` read back as `**********`.
#[utoipa::path(
    tag = "source",
    operation_id = "createSource",
    request_body = SourceCreate,
    responses(
        (status = 200, description = "Successful operation", body = SourceRead),
        NotFound, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/sources/create")]
pub async fn create_source(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<SourceCreate, Editor>,
) -> ApiResult<Tagged<SourceRead>> {
    let new = NewActor {
        by: caller.user_id,
        ..NewActor::from(request)
    };
    let source = actors::create(&state, ActorType::Source, new).await?;
    Ok(Tagged(source.into()))
}
