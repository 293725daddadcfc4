//! Workspaces: what a list request means (docs/API-DESIGN.md, "Lists"). Creating, updating
//! and duplicating are store calls their handlers make.

use crate::auth::guard::visible_to;
use crate::AppState;
use ferry_domain::access::Caller;
use ferry_domain::list::{Cursor, Paging, SortOrder};
use ferry_domain::workspace::{
    normalise_tags, WorkspaceListRequestBody, WorkspaceRead, WorkspaceReadList, WorkspaceSortBy,
};
use ferry_domain::Result;
use ferry_persistence::store::workspaces::{self, WorkspaceFilter, WorkspacePage};

/// One page of the workspaces `caller` may see that match the request's filters, in its
/// order, with the cursor of the next page.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut request: WorkspaceListRequestBody,
) -> Result<WorkspaceReadList> {
    request.check_ranges()?;
    // Defaults are written into the request so that a cursor fingerprints what was meant.
    let sort_by = *request.sort_by.get_or_insert(WorkspaceSortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Asc);
    let tags = request
        .tags
        .as_deref()
        .map(normalise_tags)
        .unwrap_or_default();
    request.tags = Some(
        tags.iter()
            .filter_map(|t| t.clone().try_into().ok())
            .collect(),
    );
    let query = request.query_fingerprint();
    let paging = Paging::from_request(
        request.page_size,
        request.cursor.as_deref(),
        request.pagination,
        query,
    )?;
    let filter = WorkspaceFilter {
        organization_id: request.organization_id,
        name_contains: request.name_contains.as_deref().map(str::to_lowercase),
        // A search term cannot span fields, which are stored one per line.
        search: request
            .search
            .as_deref()
            .map(|s| s.replace('\n', " ").to_lowercase()),
        status: request.status,
        tags,
        created_from: request.created_at_from,
        created_to: request.created_at_to,
        updated_from: request.updated_at_from,
        updated_to: request.updated_at_to,
        include_deleted: request.include_deleted.unwrap_or(false),
        visible_to: visible_to(caller)?,
        created_by: request.created_by,
    };
    let page = match paging {
        Paging::All => WorkspacePage {
            sort_by,
            order,
            limit: None,
            after: None,
            offset: None,
        },
        Paging::Keyset { size, after } => WorkspacePage {
            sort_by,
            order,
            limit: Some(size),
            after,
            offset: None,
        },
        Paging::Offset { size, offset } => WorkspacePage {
            sort_by,
            order,
            limit: Some(size),
            after: None,
            offset: Some(offset),
        },
    };
    let listed = state
        .db
        .run(move |conn| workspaces::list(conn, &filter, &page))
        .await?;
    Ok(WorkspaceReadList {
        workspaces: listed
            .workspaces
            .into_iter()
            .map(WorkspaceRead::from)
            .collect(),
        total: listed.total,
        has_more: listed.has_more,
        next_cursor: listed
            .next
            .map(|(key, id)| Cursor { key, id, query }.encode()),
    })
}
