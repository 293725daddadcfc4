use crate::app::connectors;
use crate::auth::guard::Runner;
use crate::error::{ApiResult, BodyErrors, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{CheckConnectionRead, SourceIdRequestBody};
use ferry_domain::actor_definition::ActorType;

/// Check the connection to a source
///
/// Runs the connector's `check` on the source's stored configuration and answers with what
/// it said: `succeeded`, or `failed` with its message (also when the connector failed
/// without saying why). Only a connector that cannot be run at all is an error (502).
#[utoipa::path(
    tag = "source",
    operation_id = "checkConnectionToSource",
    request_body = SourceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = CheckConnectionRead),
        NotFound, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/sources/check_connection")]
pub async fn check_connection_to_source(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceIdRequestBody, Runner>,
) -> ApiResult<web::Json<CheckConnectionRead>> {
    let id = request.source_id.0;
    let checked = connectors::check_connection(&state, ActorType::Source, id).await?;
    Ok(web::Json(checked))
}
