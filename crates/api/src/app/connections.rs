//! Connections as web front ends read them: with their source and destination inlined and
//! their sync state (`isSyncing`, `lastSync`) from their jobs. Each read costs a constant
//! number of queries however many connections it returns.

use crate::AppState;
use ferry_domain::connection::WbConnectionRead;
use ferry_domain::ids::{ConnectionId, WorkspaceId};
use ferry_domain::{Error, Result};
use ferry_persistence::store::connections::{self, ConnectionWithActors};
use ferry_persistence::store::jobs;
use ferry_persistence::AnyConnection;

/// One connection, deprecated or not.
pub async fn web_read(state: &AppState, id: ConnectionId) -> Result<WbConnectionRead> {
    let mut reads = state
        .db
        .run(move |conn| {
            let found = connections::get_with_actors(conn, id)?;
            with_sync_state(conn, vec![found])
        })
        .await?;
    reads
        .pop()
        .ok_or_else(|| Error::internal("a read went missing"))
}

/// A live workspace's live connections (404 for an unknown or deleted workspace).
pub async fn web_list(state: &AppState, workspace: WorkspaceId) -> Result<Vec<WbConnectionRead>> {
    state
        .db
        .run(move |conn| {
            let found = connections::list_with_actors(conn, workspace)?;
            with_sync_state(conn, found)
        })
        .await
}

/// The web reads of connections, with `isSyncing` and `lastSync` from one query over all
/// of their jobs.
fn with_sync_state(
    conn: &mut AnyConnection,
    found: Vec<ConnectionWithActors>,
) -> Result<Vec<WbConnectionRead>> {
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
