//! What every list request means (docs/API-DESIGN.md, "Lists"): its paging, read with the
//! instance key that signs cursors, and the cursor of its next page. Each list's own rules
//! (defaults, filters) sit with its resource; this is the part they share.

use crate::AppState;
use ferry_domain::list::{Cursor, Pagination, Paging};
use ferry_domain::Result;
use ferry_persistence::store::paging::Page;

/// The paging a request asks for (`pageSize` + `cursor`, or `pagination`), its cursor
/// checked against the instance key and the request's `fingerprint`.
pub fn paging(
    state: &AppState,
    page_size: Option<i64>,
    cursor: Option<&str>,
    pagination: Option<Pagination>,
    fingerprint: u64,
) -> Result<Paging> {
    Paging::from_request(
        page_size,
        cursor,
        pagination,
        fingerprint,
        state.auth.key.bytes(),
    )
}

/// The next page's cursor, signed with the instance key; none on the last page.
pub fn next_cursor<T>(state: &AppState, page: &Page<T>, fingerprint: u64) -> Option<String> {
    page.next.clone().map(|(key, id)| {
        Cursor {
            key,
            id,
            query: fingerprint,
        }
        .encode(state.auth.key.bytes())
    })
}
