//! Users: what a list request means (docs/API-DESIGN.md, "Lists"): every user for an
//! instance administrator, the caller itself otherwise.

use super::lists::Listed;
use crate::auth::guard::visible_to;
use crate::AppState;
use ferry_domain::access::Caller;
use ferry_domain::list::SortOrder;
use ferry_domain::user::{UserListRequestBody, UserRead, UserSortBy};
use ferry_domain::Result;
use ferry_persistence::store::users::{self, UserFilter, UserPage};

/// One page of the users `caller` may see that match the request, with the cursor of the
/// next page.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut request: UserListRequestBody,
) -> Result<Listed<UserRead>> {
    // Defaults are written into the request so that a cursor fingerprints what was meant.
    let sort_by = *request.sort_by.get_or_insert(UserSortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Asc);
    let (paging, query) = super::lists::paging(state, "users", &request)?;
    let filter = UserFilter {
        email_contains: request.email_contains.map(|e| e.to_lowercase()),
        only: visible_to(caller)?,
    };
    let page = UserPage {
        sort_by,
        order,
        paging,
    };
    super::lists::answer_page(state, page, query, move |conn, page| {
        Ok(users::list(conn, &filter, page)?.map(UserRead::from))
    })
    .await
}
