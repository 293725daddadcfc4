//! Connections as web front ends read them: with their source and destination inlined and
//! their sync state (`isSyncing`, `lastSync`) from their jobs. Each read costs a constant
//! number of queries however many connections it returns.

use crate::app::lists::{self, Listed};
use crate::AppState;
use ferry_domain::connection::{
    ConnectionListRequestBody, ConnectionRead, ConnectionSortBy, WbConnectionRead,
};
use ferry_domain::ids::ConnectionId;
use ferry_domain::list::SortOrder;
use ferry_domain::{Error, Result};
use ferry_persistence::store::connections::{
    self, ConnectionFilter, ConnectionPage, ConnectionWithActors,
};
use ferry_persistence::store::jobs;
use ferry_persistence::store::paging::Page;
use ferry_persistence::AnyConnection;

/// What a list request asks for (docs/API-DESIGN.md, "Lists"): the filter, the order and
/// the page, and the fingerprint its cursors are bound to.
fn decide(
    state: &AppState,
    mut request: ConnectionListRequestBody,
) -> Result<(ConnectionFilter, ConnectionPage, u64)> {
    // Defaults are written into the request so that a cursor fingerprints what was meant.
    let sort_by = *request.sort_by.get_or_insert(ConnectionSortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Asc);
    let (paging, query) = lists::paging(state, "connections", &request)?;
    let filter = ConnectionFilter {
        workspace_id: request.workspace_id,
        status: request.status,
        source_id: request.source_id,
        destination_id: request.destination_id,
        name_contains: request.name_contains.as_deref().map(str::to_lowercase),
    };
    let page = ConnectionPage {
        sort_by,
        order,
        paging,
    };
    Ok((filter, page, query))
}

/// `connections/list`: one page of a live workspace's connections, or all of them.
pub async fn list(
    state: &AppState,
    request: ConnectionListRequestBody,
) -> Result<Listed<ConnectionRead>> {
    let (filter, page, query) = decide(state, request)?;
    lists::answer_page(state, page, query, move |conn, page| {
        Ok(connections::list(conn, &filter, page)?.map(ConnectionRead::from))
    })
    .await
}

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

/// `web_backend/connections/list`: one page of a live workspace's connections as web front
/// ends read them (404 for an unknown or deleted workspace).
pub async fn web_list(
    state: &AppState,
    request: ConnectionListRequestBody,
) -> Result<Listed<WbConnectionRead>> {
    let (filter, page, query) = decide(state, request)?;
    lists::answer_page(state, page, query, move |conn, page| {
        let Page {
            items,
            total,
            has_more,
            next,
        } = connections::list_with_actors(conn, &filter, page)?;
        Ok(Page {
            items: with_sync_state(conn, items)?,
            total,
            has_more,
            next,
        })
    })
    .await
}

/// The web reads of connections, with `isSyncing` and `lastSync` from their jobs
/// ([`jobs::sync_summaries`]: a seek per connection, not every job).
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
