//! The list convention every list endpoint follows: optional filters as body fields,
//! `sortBy` + `sortOrder` with the id as the final tie-breaker, and keyset pagination with
//! `pageSize` and an opaque `cursor` (or Airbyte's `pagination: {pageSize, rowOffset}`).
//! Responses add `hasMore`, `nextCursor` and, when it costs nothing (an unpaged list) or is
//! asked for (`includeTotal`), `total`: a page costs the page, not the table.

use crate::{wire_enum, Error, Violation};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

wire_enum!(SortOrder { Asc => "asc", Desc => "desc" });

/// Checks a date range of a list's filters: it must not be inverted. The violation names its
/// upper bound (`createdAtTo`), as the request spells it.
pub fn check_range(
    upper_field: &str,
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), Error> {
    match (from, to) {
        (Some(from), Some(to)) if to < from => Err(Error::invalid(
            Violation::new(
                upper_field,
                format!("must not be before {}", from.to_rfc3339()),
            )
            .with_value(to.to_rfc3339()),
        )),
        _ => Ok(()),
    }
}

/// The largest page a list returns.
pub const MAX_PAGE_SIZE: i64 = 1000;

/// Airbyte's offset pagination, accepted as an alternative to cursors.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[validate(range(min = 1, max = 1000, message = "must be between 1 and 1000"))]
    #[schema(minimum = 1, maximum = 1000)]
    pub page_size: Option<i64>,
    #[validate(range(min = 0, message = "must not be negative"))]
    #[schema(minimum = 0)]
    pub row_offset: Option<i64>,
}

/// Where the next page starts: after the row with this sort key and id, for the query
/// whose fingerprint it carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The last row's sort key, as text (a folded name or an RFC 3339 timestamp).
    #[serde(rename = "k")]
    pub key: String,
    /// The last row's id, as text: a uuid, or a job's number.
    #[serde(rename = "i")]
    pub id: String,
    /// Fingerprint of the filters and sort that made this cursor.
    #[serde(rename = "q")]
    pub query: u64,
}

/// HMAC-SHA256 under the instance key, truncated to 128 bits: a cursor cannot be forged or
/// altered without the key, which every replica shares.
type CursorMac = hmac::Hmac<sha2::Sha256>;
const MAC_BYTES: usize = 16;

fn cursor_mac(key: &[u8], json: &[u8]) -> CursorMac {
    use hmac::Mac;
    // HMAC takes a key of any length.
    let mut mac = <CursorMac as hmac::digest::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(json);
    mac
}

impl Cursor {
    /// `base64url(json).base64url(mac)`: opaque to clients, signed with the instance key.
    pub fn encode(&self, key: &[u8]) -> String {
        use hmac::Mac;
        let json = serde_json::to_vec(self).unwrap_or_default();
        let tag = cursor_mac(key, &json).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(&tag[..MAC_BYTES])
        )
    }

    /// Decodes a cursor signed with `key` for the query with `fingerprint`; anything else
    /// (altered, forged, made for another filter or sort) is a 422 naming `cursor`.
    pub fn decode(text: &str, fingerprint: u64, key: &[u8]) -> Result<Cursor, Error> {
        use hmac::Mac;
        let invalid = |why: &str| {
            Error::invalid(Violation::new("cursor", why.to_string()).with_value(text.to_string()))
        };
        let (body, tag) = text
            .split_once('.')
            .ok_or_else(|| invalid("is not a cursor this service issued"))?;
        let json = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| invalid("is not a cursor this service issued"))?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| invalid("is not a cursor this service issued"))?;
        if tag.len() != MAC_BYTES || cursor_mac(key, &json).verify_truncated_left(&tag).is_err() {
            return Err(invalid("was altered, or was not issued by this service"));
        }
        let cursor: Cursor = serde_json::from_slice(&json)
            .map_err(|_| invalid("is not a cursor this service issued"))?;
        if cursor.query != fingerprint {
            return Err(invalid(
                "was issued for another filter or sort; start again without a cursor",
            ));
        }
        Ok(cursor)
    }
}

/// A list request: its paging fields, and the fingerprint of the rest (the filters and the
/// sort) that its cursors are bound to. Implemented by [`crate::paged_request!`] for every list
/// body, so that paging is read one way for every list.
pub trait PagedRequest {
    fn page_size(&self) -> Option<i64>;
    fn cursor(&self) -> Option<&str>;
    fn pagination(&self) -> Option<Pagination>;
    /// Whether a page also counts the total (`includeTotal`).
    fn include_total(&self) -> bool;
    /// What a cursor is bound to: the filters and the sort, not the paging itself. Call it
    /// after the defaults are written into the request, so it fingerprints what was meant.
    fn query_fingerprint(&self) -> u64;
}

/// Declares a list's request body: its own fields (the filters, and any the contract
/// requires) followed by the convention's `sortBy` (of the list's own enum, with the doc
/// that names its default), `sortOrder`, `pageSize`, `cursor` and `pagination`, and
/// implements [`PagedRequest`] for it. Lists declared before it spell the same fields out.
#[macro_export]
macro_rules! list_request {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty, )*
        }
        sort_by: $sort:ty => $sort_doc:literal,
        sort_order => $order_doc:literal $(,)?
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
            validator::Validate,
        )]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
            #[doc = $sort_doc]
            pub sort_by: Option<$sort>,
            #[doc = $order_doc]
            pub sort_order: Option<$crate::list::SortOrder>,
            /// 1 to 1000; without it the list is unpaged: every row, sent as it is read (a
            /// row that exists throughout is sent once; one created or deleted meanwhile may
            /// or may not be), with no `Content-Length`.
            #[schema(minimum = 1, maximum = 1000)]
            pub page_size: Option<i64>,
            /// The previous page's `nextCursor`.
            pub cursor: Option<String>,
            /// Airbyte's offset pagination, as an alternative to `pageSize` and `cursor`.
            #[validate(nested)]
            pub pagination: Option<$crate::list::Pagination>,
            /// Also count every row that matches the filters, over all pages, into the
            /// answer's `total` (a count costs a pass over the matching rows; a page alone
            /// costs the page). An unpaged list always answers its total.
            pub include_total: Option<bool>,
        }

        $crate::paged_request!($name);
    };
}

/// Declares a list's answer: its items under the field the contract names, then the
/// convention's `total`, `hasMore` and `nextCursor`.
#[macro_export]
macro_rules! list_response {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(#[$field_meta:meta])* pub $field:ident : Vec<$item:ty> $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $(#[$field_meta])* pub $field: Vec<$item>,
            /// How many rows match the filters, over all pages, counted when this answer was
            /// made: present for an unpaged list (the rows it sent, written after them), and
            /// for a page when the request set `includeTotal`.
            #[schema(format = Int64)]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub total: Option<i64>,
            pub has_more: bool,
            /// Pass as `cursor` (with the same filters and sort) for the next page; absent
            /// on the last.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub next_cursor: Option<String>,
        }

        impl $crate::list::ListResponse for $name {
            type Item = $item;

            fn from_parts(
                items: Vec<$item>,
                total: Option<i64>,
                has_more: bool,
                next_cursor: Option<String>,
            ) -> Self {
                $name {
                    $field: items,
                    total,
                    has_more,
                    next_cursor,
                }
            }
        }
    };
}

/// A list's answer made of its parts: the items (its first field, so that it serializes
/// first), `total`, `hasMore` and `nextCursor`. The API writes an unpaged list through it a
/// chunk of items at a time.
pub trait ListResponse: Serialize {
    type Item: Serialize;

    fn from_parts(
        items: Vec<Self::Item>,
        total: Option<i64>,
        has_more: bool,
        next_cursor: Option<String>,
    ) -> Self;
}

/// Implements [`PagedRequest`] for list bodies with `page_size`, `cursor` and `pagination`.
#[macro_export]
macro_rules! paged_request {
    ($($request:ty),* $(,)?) => {$(
        impl $crate::list::PagedRequest for $request {
            fn page_size(&self) -> Option<i64> {
                self.page_size
            }

            fn cursor(&self) -> Option<&str> {
                self.cursor.as_deref()
            }

            fn pagination(&self) -> Option<$crate::list::Pagination> {
                self.pagination
            }

            fn include_total(&self) -> bool {
                self.include_total.unwrap_or(false)
            }

            fn query_fingerprint(&self) -> u64 {
                $crate::list::fingerprint(&Self {
                    page_size: None,
                    cursor: None,
                    pagination: None,
                    include_total: None,
                    ..self.clone()
                })
            }
        }
    )*};
}

/// A stable 64-bit fingerprint of a value's JSON form (FNV-1a: the same on every build).
pub fn fingerprint<T: Serialize>(value: &T) -> u64 {
    fnv1a(&serde_json::to_vec(value).unwrap_or_default())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// How a list request pages: not at all, by keyset, or by offset; a page also counts the
/// total over all pages when `total` says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Paging {
    All,
    Keyset {
        size: i64,
        after: Option<Cursor>,
        total: bool,
    },
    Offset {
        size: i64,
        offset: i64,
        total: bool,
    },
}

impl Paging {
    /// Reads `pageSize`/`cursor`, or Airbyte's `pagination`, for a query with `fingerprint`;
    /// `total`: whether a page counts the total too (`includeTotal`).
    pub fn from_request(
        page_size: Option<i64>,
        cursor: Option<&str>,
        pagination: Option<Pagination>,
        total: bool,
        fingerprint: u64,
        key: &[u8],
    ) -> Result<Paging, Error> {
        if let Some(size) = page_size {
            if !(1..=MAX_PAGE_SIZE).contains(&size) {
                return Err(Error::invalid(
                    Violation::new("pageSize", format!("must be between 1 and {MAX_PAGE_SIZE}"))
                        .with_value(size.to_string()),
                ));
            }
        }
        let after = cursor
            .map(|c| Cursor::decode(c, fingerprint, key))
            .transpose()?;
        match (page_size, after, pagination) {
            (Some(size), after, _) => Ok(Paging::Keyset { size, after, total }),
            (None, Some(_), _) => Err(Error::invalid(Violation::new(
                "pageSize",
                "is required with a cursor",
            ))),
            (
                None,
                None,
                Some(Pagination {
                    page_size,
                    row_offset,
                }),
            ) => Ok(Paging::Offset {
                size: page_size.unwrap_or(20),
                offset: row_offset.unwrap_or(0),
                total,
            }),
            (None, None, None) => Ok(Paging::All),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use uuid::Uuid;

    const KEY: &[u8] = b"instance key";

    fn cursor() -> Cursor {
        Cursor {
            key: "2026-01-01T00:00:00.000000Z".into(),
            id: Uuid::nil().to_string(),
            query: 42,
        }
    }

    #[test]
    fn cursors_round_trip() {
        let text = cursor().encode(KEY);
        assert_eq!(Cursor::decode(&text, 42, KEY).unwrap(), cursor());
    }

    #[test]
    fn altered_or_foreign_cursors_are_refused() {
        let text = cursor().encode(KEY);
        let mut altered = text.clone().into_bytes();
        altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        for bad in [altered.as_str(), "garbage", "", "abc.def"] {
            match Cursor::decode(bad, 42, KEY) {
                Err(Error::InvalidInput { violations, .. }) => {
                    assert_eq!(violations[0].property_path, "cursor")
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        assert!(
            Cursor::decode(&text, 43, KEY).is_err(),
            "a cursor for another query"
        );
        assert!(
            Cursor::decode(&text, 42, b"another instance").is_err(),
            "a cursor signed with another key"
        );
        // A forged cursor: valid JSON with a plausible tag, made without the key.
        let json = serde_json::to_vec(&cursor()).unwrap();
        let forged = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode([0u8; 16])
        );
        assert!(Cursor::decode(&forged, 42, KEY).is_err());
    }

    #[test]
    fn paging_modes() {
        assert_eq!(
            Paging::from_request(None, None, None, false, 1, KEY).unwrap(),
            Paging::All
        );
        assert!(Paging::from_request(Some(0), None, None, false, 1, KEY).is_err());
        assert!(Paging::from_request(Some(1001), None, None, false, 1, KEY).is_err());
        assert_eq!(
            Paging::from_request(Some(10), None, None, true, 1, KEY).unwrap(),
            Paging::Keyset {
                size: 10,
                after: None,
                total: true
            }
        );
        let offset = Pagination {
            page_size: Some(5),
            row_offset: Some(10),
        };
        assert_eq!(
            Paging::from_request(None, None, Some(offset), false, 1, KEY).unwrap(),
            Paging::Offset {
                size: 5,
                offset: 10,
                total: false
            }
        );
        let text = cursor().encode(KEY);
        assert!(Paging::from_request(None, Some(&text), None, false, 42, KEY).is_err());
    }
}
