//! Organizations: what a list request means (docs/API-DESIGN.md, "Lists"): the caller sees
//! those it holds a permission in or over one of their workspaces (every one for an
//! instance administrator).

use super::lists::Listed;
use crate::AppState;
use ferry_domain::access::Caller;
use ferry_domain::list::SortOrder;
use ferry_domain::organization::{
    OrganizationListRequestBody, OrganizationRead, OrganizationSortBy,
};
use ferry_domain::Result;
use ferry_persistence::store::organizations::{self, OrganizationFilter, OrganizationPage};

/// One page of the organizations `caller` may see that match the request, with the cursor
/// of the next page.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut request: OrganizationListRequestBody,
) -> Result<Listed<OrganizationRead>> {
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
    super::lists::answer_page(state, page, query, move |conn, page| {
        Ok(organizations::list(conn, &filter, page)?.map(OrganizationRead::from))
    })
    .await
}
