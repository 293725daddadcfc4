//! What every list request means (docs/API-DESIGN.md, "Lists"): its paging, read with the
//! instance key that signs cursors, and the cursor of its next page. Each list's own rules
//! (defaults, filters) sit with its resource; this is the part they share.

use crate::AppState;
use ferry_domain::list::{Cursor, PagedRequest, Paging};
use ferry_domain::Result;
use ferry_persistence::store::paging::Page;

/// The paging a request asks for (`pageSize` + `cursor`, or `pagination`), its cursor
/// checked against the instance key and the fingerprint of the list (its name, so that a
/// cursor of one list is refused by another whose body looks the same) and the request,
/// and that fingerprint (for the next page's cursor). Write the request's defaults in
/// before calling.
pub fn paging(state: &AppState, list: &str, request: &impl PagedRequest) -> Result<(Paging, u64)> {
    let fingerprint = ferry_domain::list::fingerprint(&(list, request.query_fingerprint()));
    let paging = Paging::from_request(
        request.page_size(),
        request.cursor(),
        request.pagination(),
        request.include_total(),
        fingerprint,
        state.auth.key.bytes(),
    )?;
    Ok((paging, fingerprint))
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
