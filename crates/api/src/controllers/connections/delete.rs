use crate::auth::guard::Editor;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
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
    request_body = ConnectionIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/connections/delete")]
pub async fn delete_connection(
    state: web::Data<AppState>,
    Body(request, _): Body<ConnectionIdRequestBody, Editor>,
) -> ApiResult<HttpResponse> {
    let id = request.connection_id;
    state
        .db
        .write(move |conn| connections::delete(conn, id))
        .await?;
    tracing::info!(connection_id = %id, "connection deprecated");
    Ok(HttpResponse::NoContent().finish())
}
