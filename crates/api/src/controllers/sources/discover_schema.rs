use crate::app::connectors;
use crate::auth::guard::Runner;
use crate::error::{ApiResult, BodyErrors, CommonErrors, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor::{SourceDiscoverSchemaRead, SourceIdRequestBody};

/// Discover the schema of a source
///
/// Runs the connector's `discover` on the source's stored configuration and answers with
/// the streams it offers, every stream and field selected. JSON Schema types become
/// `dataType`s (integers are numbers, unknown types strings). A connector that cannot be
/// run or answers no catalog is a 502.
#[utoipa::path(
    tag = "source",
    operation_id = "discoverSchemaForSource",
    request_body = SourceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = SourceDiscoverSchemaRead),
        NotFound, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/sources/discover_schema")]
pub async fn discover_schema_for_source(
    state: web::Data<AppState>,
    Body(request, _): Body<SourceIdRequestBody, Runner>,
) -> ApiResult<web::Json<SourceDiscoverSchemaRead>> {
    let schema = connectors::discover_schema(&state, request.source_id.0).await?;
    Ok(web::Json(SourceDiscoverSchemaRead { schema }))
}
