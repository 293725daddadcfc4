//! `web_backend/connections/get|list`: connections with their source and destination inlined.

use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionIdRequestBody, WbConnectionRead, WbConnectionReadList};
use ferry_domain::workspace::WorkspaceIdRequestBody;
use ferry_persistence::store::connections::{self, ConnectionWithActors};
use ferry_persistence::store::jobs;

/// The web read of connections, with `isSyncing` and `lastSync` from their jobs (one query
/// for all of them).
fn web_reads(
    conn: &mut ferry_persistence::AnyConnection,
    found: Vec<ConnectionWithActors>,
) -> ferry_domain::Result<Vec<WbConnectionRead>> {
    let ids: Vec<_> = found.iter().map(|(c, _, _)| c.id).collect();
    let summaries = jobs::sync_summaries(conn, &ids)?;
    Ok(found
        .into_iter()
        .map(|(connection, source, destination)| {
            let (is_syncing, last_sync) = summaries
                .get(&connection.id.to_string())
                .copied()
                .unwrap_or((false, None));
            let mut read = WbConnectionRead::new(connection, source.into(), destination.into());
            read.is_syncing = is_syncing;
            read.last_sync = last_sync;
            read
        })
        .collect())
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
    Body(request, _): Body<ConnectionIdRequestBody, Reader>,
) -> ApiResult<web::Json<WbConnectionRead>> {
    let id = request.connection_id;
    let mut reads = state
        .db
        .run(move |conn| {
            let found = connections::get_with_actors(conn, id)?;
            web_reads(conn, vec![found])
        })
        .await?;
    let read = reads
        .pop()
        .ok_or_else(|| ferry_domain::Error::internal("a read went missing"))?;
    Ok(web::Json(read))
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
    Body(request, _): Body<WorkspaceIdRequestBody, Reader>,
) -> ApiResult<web::Json<WbConnectionReadList>> {
    let workspace = request.workspace_id;
    let connections = state
        .db
        .run(move |conn| {
            let found = connections::list_with_actors(conn, workspace)?;
            web_reads(conn, found)
        })
        .await?;
    Ok(web::Json(WbConnectionReadList { connections }))
}
