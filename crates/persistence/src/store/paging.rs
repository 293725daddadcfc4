//! The stored side of the one list convention (docs/API-DESIGN.md, "Lists"): every list
//! store declares its filters (a boxed query) and its sort keys, and this module pages it:
//! the total over all pages when it is asked for (or free: an unpaged list), keyset pages that start strictly after the previous page's
//! last (sort key, id), Airbyte's offset pages, and the position of the next page.

use crate::sql_types::{DbTime, DbUuid, SqlUuid};
use chrono::{DateTime, Utc};
use ferry_domain::list::{Paging, SortOrder};
use ferry_domain::{Error, Result, Violation};
use uuid::Uuid;

/// How a list is ordered and which slice of it to return: its sort key (an enum of the
/// list's own), the direction, and the paging.
#[derive(Clone, Debug)]
pub struct ListPage<SortBy> {
    pub sort_by: SortBy,
    pub order: SortOrder,
    pub paging: Paging,
}

/// One page of a list, and where the next one starts.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Rows matching the filters, over all pages: counted for an unpaged list (free) and for
    /// a page that asked for it (`Paging`'s `total`); None otherwise.
    pub total: Option<i64>,
    pub has_more: bool,
    /// The last row's (sort key, id), both as text, when there are more rows.
    pub next: Option<(String, String)>,
}

impl<T> Page<T> {
    /// The same page with its items converted.
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(convert).collect(),
            total: self.total,
            has_more: self.has_more,
            next: self.next,
        }
    }

    /// The same page with its items converted by a fallible conversion.
    pub fn try_map<U>(self, convert: impl FnMut(T) -> Result<U>) -> Result<Page<U>> {
        Ok(Page {
            items: self.items.into_iter().map(convert).collect::<Result<_>>()?,
            total: self.total,
            has_more: self.has_more,
            next: self.next,
        })
    }
}

/// `%term%` for LIKE (`nameContains`, `search`), with LIKE's own wildcards escaped (use
/// `.escape('\\')`).
pub fn contains_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A cursor's time key, as rows of a time sort carry it.
pub fn time_key(key: &str) -> Result<DbTime> {
    DateTime::parse_from_rfc3339(key)
        .map(|t| DbTime(t.with_timezone(&Utc)))
        .map_err(|_| {
            Error::invalid(Violation::new("cursor", "does not fit this sort").with_value(key))
        })
}

/// A cursor's text key (a folded name).
pub fn text_key(key: &str) -> Result<String> {
    Ok(key.to_string())
}

/// Where a keyset page starts: its key read by `parse`, and the id as the cursor carries it
/// (text; `load_page!` reads it as its id column's type with [`row_id`]).
pub fn after<K>(paging: &Paging, parse: impl Fn(&str) -> Result<K>) -> Result<Option<(K, String)>> {
    match paging {
        Paging::Keyset {
            after: Some(cursor),
            ..
        } => Ok(Some((parse(&cursor.key)?, cursor.id.clone()))),
        _ => Ok(None),
    }
}

/// The SQL types a list's id column may have, and how a cursor's id text reads as one.
pub trait IdSqlType {
    type Value;
    fn parse(text: &str) -> Option<Self::Value>;
}

impl IdSqlType for SqlUuid {
    type Value = DbUuid;
    fn parse(text: &str) -> Option<DbUuid> {
        Uuid::parse_str(text).ok().map(DbUuid)
    }
}

impl IdSqlType for diesel::sql_types::BigInt {
    type Value = i64;
    fn parse(text: &str) -> Option<i64> {
        text.parse().ok()
    }
}

/// A cursor's id text as a value of `column`'s type (a uuid, or a job's number).
pub fn row_id<C>(_column: &C, text: &str) -> Result<<C::SqlType as IdSqlType>::Value>
where
    C: diesel::Expression,
    C::SqlType: IdSqlType,
{
    <C::SqlType as IdSqlType>::parse(text).ok_or_else(|| {
        Error::invalid(Violation::new("cursor", "does not fit this list").with_value(text))
    })
}

/// The rows a page asks for: its size, plus one that tells whether there is a next page.
pub fn limit(paging: &Paging) -> Option<i64> {
    match paging {
        Paging::All => None,
        Paging::Keyset { size, .. } | Paging::Offset { size, .. } => Some(*size),
    }
}

/// Rows skipped before an offset page.
/// Whether a page counts the total over all pages (`includeTotal`).
pub fn counts_total(paging: &Paging) -> bool {
    match paging {
        Paging::All => false,
        Paging::Keyset { total, .. } | Paging::Offset { total, .. } => *total,
    }
}

pub fn offset(paging: &Paging) -> Option<i64> {
    match paging {
        Paging::Offset { offset, .. } => Some(*offset),
        _ => None,
    }
}

/// Cuts the rows loaded for a page (one more than its size) to the page, and says where the
/// next one starts: after the last row's (sort key, id).
pub fn page<T, Id: ToString>(
    mut rows: Vec<T>,
    paging: &Paging,
    total: Option<i64>,
    position: impl Fn(&T) -> (String, Id),
) -> Page<T> {
    let limit = limit(paging);
    let has_more = limit.is_some_and(|limit| rows.len() as i64 > limit);
    if let Some(limit) = limit {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    let next = match rows.last() {
        Some(last) if has_more => {
            let (key, id) = position(last);
            Some((key, id.to_string()))
        }
        _ => None,
    };
    Page {
        items: rows,
        total,
        has_more,
        next,
    }
}

/// Loads one page of a list: `$filtered` (an expression making the boxed, filtered query;
/// evaluated twice: for the total and for the page) ordered by `$column` then `$id`,
/// starting after `$after` (`Option<(key, id)>`), cut per `$paging`, selecting `$select` as
/// rows of `$row`; `$position` gives a row's (sort key, id) for the next page's cursor.
/// The seek is written `key >= k AND (key > k OR id > i)`: the first conjunct lets both
/// backends seek the (key, id) index to `k`, so a deep page costs what the first one does.
macro_rules! load_page {
    ($conn:expr, $filtered:expr, $select:expr => $row:ty, $column:expr, $id:expr, $after:expr, $order:expr, $paging:expr, $position:expr) => {{
        use ferry_domain::list::SortOrder;
        use $crate::error::DieselResultExt as _;
        use $crate::store::paging;
        // An unpaged list counts what it loads; a page asks the database for the total only
        // when the request wants it: a page costs the page, not the table.
        let counted: Option<i64> = match paging::counts_total($paging) {
            true => Some($filtered.count().get_result($conn).db()?),
            false => None,
        };
        let query = $filtered;
        let query = match ($after, $order) {
            (Some((key, id)), SortOrder::Asc) => {
                let id = paging::row_id(&$id, &id)?;
                query
                    .filter($column.ge(key.clone()))
                    .filter($column.gt(key).or($id.gt(id)))
            }
            (Some((key, id)), SortOrder::Desc) => {
                let id = paging::row_id(&$id, &id)?;
                query
                    .filter($column.le(key.clone()))
                    .filter($column.lt(key).or($id.lt(id)))
            }
            (None, _) => query,
        };
        let query = match $order {
            SortOrder::Asc => query.order(($column.asc(), $id.asc())),
            SortOrder::Desc => query.order(($column.desc(), $id.desc())),
        };
        let query = match paging::offset($paging) {
            Some(offset) => query.offset(offset),
            None => query,
        };
        let query = match paging::limit($paging) {
            Some(limit) => query.limit(limit + 1),
            None => query,
        };
        let rows: Vec<$row> = query.select($select).load($conn).db()?;
        let total = match $paging {
            ferry_domain::list::Paging::All => Some(rows.len() as i64),
            _ => counted,
        };
        paging::page(rows, $paging, total, $position)
    }};
}
pub(crate) use load_page;
