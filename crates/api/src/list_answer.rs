//! How a list's answer is sent (docs/API-DESIGN.md, "Lists"): a page as one JSON body, and an
//! unpaged list (the 2020 form, every row) as a stream written a chunk at a time while the
//! chunks are read, so that memory holds one chunk whatever the list's length.

use crate::app::lists::{chunk_after, Listed, PageReader};
use crate::error::ApiError;
use actix_web::body::BoxBody;
use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, Responder};
use ferry_domain::list::ListResponse;
use ferry_domain::{Error, Result};
use ferry_persistence::store::paging::Page;
use futures_util::stream::{self, Stream};
use serde::Serialize;
use std::marker::PhantomData;

/// A list's answer in the list's response type `L`.
pub struct ListAnswer<L: ListResponse>(Listed<L::Item>, PhantomData<L>);

impl<L: ListResponse> From<Listed<L::Item>> for ListAnswer<L> {
    fn from(listed: Listed<L::Item>) -> Self {
        ListAnswer(listed, PhantomData)
    }
}

impl<L> Responder for ListAnswer<L>
where
    L: ListResponse + 'static,
    L::Item: Send + 'static,
{
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        match self.0 {
            Listed::Page {
                items,
                total,
                has_more,
                next_cursor,
            } => HttpResponse::Ok().json(L::from_parts(items, total, has_more, next_cursor)),
            Listed::All { first, rest } => HttpResponse::Ok()
                .content_type(ContentType::json())
                .streaming(unpaged::<L>(first, rest)),
        }
    }
}

/// Where the writing of an unpaged answer stands.
enum Writing<T> {
    /// The opening and the first chunk's items are next.
    Start(Page<T>),
    /// The items of the chunk after (sort key, id) are next; `written` so far.
    After((String, String), u64),
    /// Only the closing, with the total, is left.
    Close(u64),
    Done,
}

/// `{"<items>":[` and the chunks' items, then `],"total":N,"hasMore":false}`: what the list's
/// response type serializes, its items written as they are read. A chunk that cannot be read
/// after the answer began cannot change its status: the error is logged and the connection
/// cut, so the client sees a truncated body, never a short list that looks whole.
fn unpaged<L>(
    first: Page<L::Item>,
    rest: PageReader<L::Item>,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>>
where
    L: ListResponse + 'static,
    L::Item: Send + 'static,
{
    stream::unfold(Writing::Start(first), move |writing| {
        let rest = rest.clone();
        async move {
            let (bytes, next) = match writing {
                Writing::Done => return None,
                Writing::Start(first) => {
                    let mut out = opening::<L>();
                    let next = after(&first, 0);
                    (
                        write_items(&mut out, &first.items, true).map(|()| out),
                        next,
                    )
                }
                Writing::After(position, written) => {
                    match rest(chunk_after(Some(position))).await {
                        Ok(chunk) => {
                            let mut out = Vec::new();
                            let next = after(&chunk, written);
                            (
                                write_items(&mut out, &chunk.items, written == 0).map(|()| out),
                                next,
                            )
                        }
                        Err(error) => (Err(error), Writing::Done),
                    }
                }
                Writing::Close(written) => (Ok(closing::<L>(written)), Writing::Done),
            };
            match bytes {
                Ok(bytes) => Some((Ok(Bytes::from(bytes)), next)),
                Err(error) => {
                    tracing::error!(%error, "an unpaged list stopped after its answer began");
                    Some((Err(ApiError::from(error).into()), Writing::Done))
                }
            }
        }
    })
}

/// What follows a chunk: the next one when there are more rows, else the closing.
fn after<T>(chunk: &Page<T>, written_before: u64) -> Writing<T> {
    let written = written_before + chunk.items.len() as u64;
    match (&chunk.next, chunk.has_more) {
        (Some(position), true) => Writing::After(position.clone(), written),
        _ => Writing::Close(written),
    }
}

/// Appends the items, comma-separated (and after a comma unless they are the first).
fn write_items<T: Serialize>(out: &mut Vec<u8>, items: &[T], first: bool) -> Result<()> {
    for (index, item) in items.iter().enumerate() {
        if index > 0 || !first {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, item).map_err(Error::internal)?;
    }
    Ok(())
}

/// The list's answer without items, serialized: its items come first, as `[]`.
fn empty<L: ListResponse>(total: u64) -> Vec<u8> {
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    serde_json::to_vec(&L::from_parts(Vec::new(), Some(total), false, None)).unwrap_or_default()
}

/// `{"<items>":[`.
fn opening<L: ListResponse>() -> Vec<u8> {
    let mut whole = empty::<L>(0);
    let end = whole.iter().position(|b| *b == b'[').map_or(0, |i| i + 1);
    whole.truncate(end);
    whole
}

/// `],"total":N,"hasMore":false}`.
fn closing<L: ListResponse>(total: u64) -> Vec<u8> {
    let whole = empty::<L>(total);
    let start = whole.iter().position(|b| *b == b']').unwrap_or(whole.len());
    whole[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    ferry_domain::list_response! {
        pub struct Things {
            pub things: Vec<u32>,
        }
    }

    #[test]
    fn the_opening_and_the_closing_frame_the_items_as_the_type_serializes_them() {
        let mut body = opening::<Things>();
        write_items(&mut body, &[1, 2], true).unwrap();
        write_items(&mut body, &[3], false).unwrap();
        body.extend(closing::<Things>(3));
        let whole =
            serde_json::to_vec(&Things::from_parts(vec![1, 2, 3], Some(3), false, None)).unwrap();
        assert_eq!(
            String::from_utf8(body).unwrap(),
            String::from_utf8(whole).unwrap()
        );
    }

    #[test]
    fn an_empty_list_is_whole_too() {
        let mut body = opening::<Things>();
        write_items(&mut body, &Vec::<u32>::new(), true).unwrap();
        body.extend(closing::<Things>(0));
        let read: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            read,
            serde_json::json!({"things": [], "total": 0, "hasMore": false})
        );
    }
}
