use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionIdRequestBody, ConnectionRead};
use ferry_persistence::store::connections;

/// Get a connection
///
/// Deprecated (deleted) connections are still found.
#[utoipa::path(
    tag = "connection",
    operation_id = "getConnection",
    request_body = ConnectionIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = ConnectionRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/connections/get")]
pub async fn get_connection(
    state: web::Data<AppState>,
    Body(request, _): Body<ConnectionIdRequestBody, Reader>,
) -> ApiResult<Tagged<ConnectionRead>> {
    let id = request.connection_id;
    let connection = state.db.run(move |conn| connections::get(conn, id)).await?;
    Ok(Tagged(connection.into()))
}
