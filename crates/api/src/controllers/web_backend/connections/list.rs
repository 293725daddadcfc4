use crate::app::connections;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionListRequestBody, WbConnectionReadList};

/// List a workspace's connections with their sources and destinations
///
/// Each as `web_backend/connections/get` reads it, without deprecated connections. Costs a
/// constant number of queries however many connections there are. An unknown or deleted
/// workspace is a 404.
#[utoipa::path(
    tag = "web_backend",
    operation_id = "webBackendListConnectionsForWorkspace",
    request_body = ConnectionListRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WbConnectionReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/web_backend/connections/list")]
pub async fn web_backend_list_connections(
    state: web::Data<AppState>,
    Body(request, _): Body<ConnectionListRequestBody, Reader>,
) -> ApiResult<ListAnswer<WbConnectionReadList>> {
    Ok(connections::web_list(&state, request).await?.into())
}
