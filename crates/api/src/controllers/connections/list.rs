use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionListRequestBody, ConnectionReadList};

/// List connections for workspace
///
/// Does not return deleted (deprecated) connections unless `status` asks for them. With only
/// `workspaceId`, every listed connection, oldest first, unpaged, as in the 2020 contract;
/// filters, `sortBy`/`sortOrder` and keyset or offset pages follow the list convention
/// (docs/API-DESIGN.md, "Lists").
#[utoipa::path(
    tag = "connection",
    operation_id = "listConnectionsForWorkspace",
    request_body = ConnectionListRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = ConnectionReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/connections/list")]
pub async fn list_connections(
    state: web::Data<AppState>,
    Body(request, _): Body<ConnectionListRequestBody, Reader>,
) -> ApiResult<ListAnswer<ConnectionReadList>> {
    Ok(crate::app::connections::list(&state, request).await?.into())
}
