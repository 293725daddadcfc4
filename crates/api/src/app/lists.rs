//! What every list request means (docs/API-DESIGN.md, "Lists"): its paging, read with the
//! instance key that signs cursors, and the cursor of its next page. Each list's own rules
//! (defaults, filters) sit with its resource; this is the part they share.

use crate::AppState;
use ferry_domain::list::{Cursor, PagedRequest, Paging};
use ferry_domain::Result;
use ferry_persistence::store::paging::{ListPage, Page};
use ferry_persistence::AnyConnection;
use futures_util::future::BoxFuture;
use std::sync::Arc;

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

/// Rows an unpaged list (the 2020 form, every row) reads per query. Its answer is written as
/// it is read, a chunk at a time, so a server holds one chunk of it, never the whole list,
/// and no query binds more than a chunk's ids (SQLite's variable limit).
pub const UNPAGED_CHUNK: i64 = 500;

/// Reads one page of a list: its filter and order, captured, for the paging given.
pub type PageReader<T> = Arc<dyn Fn(Paging) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync>;

/// A list request's answer: one page with the next page's cursor, or every row (unpaged),
/// whose first chunk is read already (so that a missing workspace or a database that is down
/// is still an error envelope) and whose rest is read while it is sent.
pub enum Listed<T> {
    Page {
        items: Vec<T>,
        total: Option<i64>,
        has_more: bool,
        next_cursor: Option<String>,
    },
    All {
        first: Page<T>,
        rest: PageReader<T>,
    },
}

impl<T: Send + 'static> Listed<T> {
    /// The same answer with every item converted, the rest of an unpaged one as it is read.
    pub fn map<U: From<T> + Send + 'static>(self) -> Listed<U> {
        match self {
            Listed::Page {
                items,
                total,
                has_more,
                next_cursor,
            } => Listed::Page {
                items: items.into_iter().map(U::from).collect(),
                total,
                has_more,
                next_cursor,
            },
            Listed::All { first, rest } => Listed::All {
                first: first.map(U::from),
                rest: Arc::new(move |paging| {
                    let chunk = rest(paging);
                    Box::pin(async move { Ok(chunk.await?.map(U::from)) })
                }),
            },
        }
    }
}

/// Answers a list request whose paging (and cursor fingerprint) `paging` decided: `load`
/// reads one page of it from the database for a paging. A page is read once; an unpaged list
/// is read in chunks of [`UNPAGED_CHUNK`] rows, each starting after the previous one's last
/// (sort key, id) as pages do.
pub async fn answer<T, L>(
    state: &AppState,
    paging: Paging,
    fingerprint: u64,
    load: L,
) -> Result<Listed<T>>
where
    T: Send + 'static,
    L: Fn(&mut AnyConnection, Paging) -> Result<Page<T>> + Send + Sync + 'static,
{
    let load = Arc::new(load);
    let db = state.db.clone();
    let reader: PageReader<T> = Arc::new(move |paging| {
        let (db, load) = (db.clone(), load.clone());
        Box::pin(async move { db.run(move |conn| load(conn, paging)).await })
    });
    match paging {
        Paging::All => Ok(Listed::All {
            first: reader(chunk_after(None)).await?,
            rest: reader,
        }),
        paging => {
            let page = reader(paging).await?;
            let next_cursor = next_cursor(state, &page, fingerprint);
            Ok(Listed::Page {
                items: page.items,
                total: page.total,
                has_more: page.has_more,
                next_cursor,
            })
        }
    }
}

/// [`answer`] for the lists ordered by a [`ListPage`] (all but the delivery log): `load` reads
/// the page it is given, which is `page` with each read's paging.
pub async fn answer_page<S, T, L>(
    state: &AppState,
    page: ListPage<S>,
    fingerprint: u64,
    load: L,
) -> Result<Listed<T>>
where
    S: Clone + Send + Sync + 'static,
    T: Send + 'static,
    L: Fn(&mut AnyConnection, &ListPage<S>) -> Result<Page<T>> + Send + Sync + 'static,
{
    let paging = page.paging.clone();
    answer(state, paging, fingerprint, move |conn, paging| {
        load(
            conn,
            &ListPage {
                paging,
                ..page.clone()
            },
        )
    })
    .await
}

/// The paging of an unpaged list's chunk that starts after `after`, the previous chunk's
/// last (sort key, id); the first chunk starts at the beginning.
pub fn chunk_after(after: Option<(String, String)>) -> Paging {
    Paging::Keyset {
        size: UNPAGED_CHUNK,
        after: after.map(|(key, id)| Cursor { key, id, query: 0 }),
        total: false,
    }
}
