//! `web_backend/connections/get|list`: connections with their source and destination inlined.

use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionIdRequestBody, WbConnectionRead, WbConnectionReadList};
use ferry_domain::workspace::WorkspaceIdRequestBody;
use ferry_persistence::store::connections::{self, ConnectionWithActors};

fn web_read((connection, source, destination): ConnectionWithActors) -> WbConnectionRead {
    WbConnectionRead::new(connection, source.into(), destination.into())
}

/// Get a connection with its source and destination
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
    Body(request): Body<ConnectionIdRequestBody>,
) -> ApiResult<web::Json<WbConnectionRead>> {
    let id = request.connection_id;
    let found = state
        .db
        .run(move |conn| connections::get_with_actors(conn, id))
        .await?;
    Ok(web::Json(web_read(found)))
}

/// List a workspace's connections with their sources and destinations
///
/// Costs a constant number of queries however many connections there are.
#[utoipa::path(
    tag = "web_backend",
    operation_id = "webBackendListConnectionsForWorkspace",
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WbConnectionReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/web_backend/connections/list")]
pub async fn web_backend_list_connections(
    state: web::Data<AppState>,
    Body(request): Body<WorkspaceIdRequestBody>,
) -> ApiResult<web::Json<WbConnectionReadList>> {
    let workspace = request.workspace_id;
    let found = state
        .db
        .run(move |conn| connections::list_with_actors(conn, workspace))
        .await?;
    Ok(web::Json(WbConnectionReadList {
        connections: found.into_iter().map(web_read).collect(),
    }))
}
