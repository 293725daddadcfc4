use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionRead, ConnectionReadList};
use ferry_domain::workspace::WorkspaceIdRequestBody;
use ferry_persistence::store::connections;

/// List connections for workspace
///
/// Does not return deleted (deprecated) connections. Oldest first.
#[utoipa::path(
    tag = "connection",
    operation_id = "listConnectionsForWorkspace",
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = ConnectionReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/connections/list")]
pub async fn list_connections(
    state: web::Data<AppState>,
    Body(request, _): Body<WorkspaceIdRequestBody, Reader>,
) -> ApiResult<web::Json<ConnectionReadList>> {
    let workspace = request.workspace_id;
    let connections = state
        .db
        .run(move |conn| connections::list(conn, workspace))
        .await?;
    Ok(web::Json(ConnectionReadList {
        connections: connections.into_iter().map(ConnectionRead::from).collect(),
    }))
}
