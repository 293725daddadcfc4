use crate::auth::guard::Editor;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::connection::ConnectionIdRequestBody;
use ferry_persistence::store::connections;

/// Delete a connection
///
/// Sets its status to `deprecated`: `get` still finds it, `list` no longer shows it.
#[utoipa::path(
    tag = "connection",
    operation_id = "deleteConnection",
    params(IfMatch),
    request_body = ConnectionIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/connections/delete")]
pub async fn delete_connection(
    state: web::Data<AppState>,
    Body(request, _): Body<ConnectionIdRequestBody, Editor>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.connection_id;
    state
        .db
        .write(move |conn| connections::delete(conn, id, expected))
        .await?;
    tracing::info!(connection_id = %id, "connection deprecated");
    Ok(HttpResponse::NoContent().finish())
}
