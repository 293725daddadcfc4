use crate::app::connections;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionIdRequestBody, WbConnectionRead};

/// Get a connection with its source and destination
///
/// The connection with its source and destination inlined (secrets read as `**********`),
/// whether a sync or reset of it is pending or running (`isSyncing`), and when its last sync
/// was queued (`lastSync`). A deprecated connection is still found.
#[utoipa::path(
    tag = "web_backend",
    operation_id = "webBackendGetConnection",
    request_body = ConnectionIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WbConnectionRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/web_backend/connections/get")]
pub async fn web_backend_get_connection(
    state: web::Data<AppState>,
    Body(request, _): Body<ConnectionIdRequestBody, Reader>,
) -> ApiResult<Tagged<WbConnectionRead>> {
    let read = connections::web_read(&state, request.connection_id).await?;
    Ok(Tagged(read))
}
