//! Organizations: what a list request means (docs/API-DESIGN.md, "Lists"): the caller sees
//! those it holds a permission in or over one of their workspaces (every one for an
//! instance administrator).

use crate::AppState;
use ferry_domain::access::Caller;
use ferry_domain::list::SortOrder;
use ferry_domain::organization::{
    OrganizationListRequestBody, OrganizationRead, OrganizationReadList, OrganizationSortBy,
};
use ferry_domain::Result;
use ferry_persistence::store::organizations::{self, OrganizationFilter, OrganizationPage};

/// One page of the organizations `caller` may see that match the request, with the cursor
/// of the next page.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut request: OrganizationListRequestBody,
) -> Result<OrganizationReadList> {
    // Defaults are written into the request so that a cursor fingerprints what was meant.
    let sort_by = *request.sort_by.get_or_insert(OrganizationSortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Asc);
    let (paging, query) = super::lists::paging(state, "organizations", &request)?;
    let filter = OrganizationFilter {
        name_contains: request.name_contains.map(|n| n.to_lowercase()),
        visible: (!caller.is_instance_admin()).then(|| caller.visible_organizations()),
    };
    let page = OrganizationPage {
        sort_by,
        order,
        paging,
    };
    let listed = state
        .db
        .run(move |conn| organizations::list(conn, &filter, &page))
        .await?;
    Ok(OrganizationReadList {
        next_cursor: super::lists::next_cursor(state, &listed, query),
        total: listed.total,
        has_more: listed.has_more,
        organizations: listed
            .items
            .into_iter()
            .map(OrganizationRead::from)
            .collect(),
    })
}
