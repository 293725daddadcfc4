//! Users. Emails are unique ignoring case among live users.

use super::paging::{self, load_page, ListPage, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::{is_unique_violation, DieselResultExt};
use crate::schema::{applications, permissions, users};
use crate::sql_types::{now, sqlite_time_text, DbTime, DbUuid};
use diesel::prelude::*;
use ferry_domain::ids::UserId;
use ferry_domain::user::{User, UserCreate, UserSortBy, UserUpdate};
use ferry_domain::{Error, Resource, Result};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: DbUuid,
    name: String,
    email: String,
    email_folded: String,
    created_at: DbTime,
    updated_at: DbTime,
    deleted_at: Option<DbTime>,
    version: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: UserId(r.id.0),
            name: r.name,
            email: r.email,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            deleted_at: r.deleted_at.map(|t| t.0),
            version: r.version,
        }
    }
}

fn duplicate_email(email: &str) -> Error {
    Error::conflict(format!("a user with the email {email:?} already exists"))
}

pub fn create(conn: &mut AnyConnection, request: &UserCreate) -> Result<User> {
    let timestamp = DbTime(now());
    let row = UserRow {
        id: DbUuid(UserId::random().0),
        name: request.name.to_string(),
        email: request.email.to_string(),
        email_folded: request.email.as_str().to_lowercase(),
        created_at: timestamp,
        updated_at: timestamp,
        deleted_at: None,
        version: ferry_domain::version::FIRST_VERSION,
    };
    // A savepoint, so that a duplicate leaves an enclosing transaction usable.
    match conn.transaction(|c| diesel::insert_into(users::table).values(&row).execute(c)) {
        Ok(_) => Ok(row.into()),
        Err(e) if is_unique_violation(&e) => Err(duplicate_email(request.email.as_str())),
        Err(e) => Err(crate::error::from_diesel(e)),
    }
}

/// A live user.
pub fn get(conn: &mut AnyConnection, id: UserId) -> Result<User> {
    users::table
        .filter(users::id.eq(DbUuid(id.0)))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .map(User::from)
        .ok_or_else(|| Error::not_found(Resource::User, id))
}

/// A live user by email, ignoring case.
pub fn get_by_email(conn: &mut AnyConnection, email: &str) -> Result<User> {
    users::table
        .filter(users::email_folded.eq(email.trim().to_lowercase()))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .map(User::from)
        .ok_or_else(|| Error::not_found(Resource::User, email))
}

/// Which users a list holds: live ones, filtered.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Lowercased.
    pub email_contains: Option<String>,
    /// Only this user (the caller, when it is no administrator).
    pub only: Option<UserId>,
}

/// How a user list is ordered and which slice of it to return.
pub type UserPage = ListPage<UserSortBy>;

fn filtered(filter: &UserFilter) -> users::BoxedQuery<'static, MultiBackend> {
    let mut query = users::table
        .filter(users::deleted_at.is_null())
        .into_boxed();
    if let Some(id) = filter.only {
        query = query.filter(users::id.eq(DbUuid(id.0)));
    }
    if let Some(term) = &filter.email_contains {
        query = query.filter(
            users::email_folded
                .like(paging::contains_pattern(term))
                .escape('\\'),
        );
    }
    query
}

/// A page of the live users (`store::paging`).
pub fn list(conn: &mut AnyConnection, filter: &UserFilter, page: &UserPage) -> Result<Page<User>> {
    let (order, paging) = (page.order, &page.paging);
    let rows = match page.sort_by {
        UserSortBy::Email => {
            let after = paging::after(paging, paging::text_key)?;
            load_page!(conn, filtered(filter), UserRow::as_select() => UserRow,
                users::email_folded, users::id, after, order, paging,
                |r: &UserRow| (r.email_folded.clone(), r.id.0))
        }
        UserSortBy::CreatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(conn, filtered(filter), UserRow::as_select() => UserRow,
                users::created_at, users::id, after, order, paging,
                |r: &UserRow| (sqlite_time_text(&r.created_at.0), r.id.0))
        }
        UserSortBy::UpdatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(conn, filtered(filter), UserRow::as_select() => UserRow,
                users::updated_at, users::id, after, order, paging,
                |r: &UserRow| (sqlite_time_text(&r.updated_at.0), r.id.0))
        }
    };
    Ok(rows.map(User::from))
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChanges {
    name: Option<String>,
    email: Option<String>,
    email_folded: Option<String>,
    updated_at: DbTime,
}

pub fn update(
    conn: &mut AnyConnection,
    request: &UserUpdate,
    expected: Option<i64>,
) -> Result<User> {
    let id = request.user_id;
    super::versions::check(conn, Resource::User, id.0, expected)?;
    let changes = UserChanges {
        name: request.name.as_ref().map(ToString::to_string),
        email: request.email.as_ref().map(ToString::to_string),
        email_folded: request.email.as_ref().map(|e| e.as_str().to_lowercase()),
        updated_at: DbTime(now()),
    };
    let updated = conn.transaction(|c| {
        diesel::update(
            users::table
                .filter(users::id.eq(DbUuid(id.0)))
                .filter(users::deleted_at.is_null()),
        )
        .set((&changes, users::version.eq(users::version + 1)))
        .execute(c)
    });
    match updated {
        Ok(0) => Err(Error::not_found(Resource::User, id)),
        Ok(_) => get(conn, id),
        Err(e) if is_unique_violation(&e) => Err(duplicate_email(
            request.email.as_ref().map(|e| e.as_str()).unwrap_or(""),
        )),
        Err(e) => Err(crate::error::from_diesel(e)),
    }
}

/// Soft-deletes a user, removes its permissions and deletes its applications: its tokens
/// stop working at once.
pub fn delete(conn: &mut AnyConnection, id: UserId, expected: Option<i64>) -> Result<()> {
    get(conn, id)?;
    super::versions::check(conn, Resource::User, id.0, expected)?;
    let timestamp = DbTime(now());
    diesel::update(
        users::table
            .filter(users::id.eq(DbUuid(id.0)))
            .filter(users::deleted_at.is_null()),
    )
    .set((
        users::deleted_at.eq(Some(timestamp)),
        users::updated_at.eq(timestamp),
        users::version.eq(users::version + 1),
    ))
    .execute(conn)
    .db()?;
    diesel::delete(permissions::table.filter(permissions::user_id.eq(DbUuid(id.0))))
        .execute(conn)
        .db()?;
    diesel::update(
        applications::table
            .filter(applications::user_id.eq(DbUuid(id.0)))
            .filter(applications::deleted_at.is_null()),
    )
    .set((
        applications::deleted_at.eq(Some(timestamp)),
        applications::version.eq(applications::version + 1),
    ))
    .execute(conn)
    .db()?;
    Ok(())
}

/// The live users among `ids`.
pub fn list_by_ids(conn: &mut AnyConnection, ids: &[UserId]) -> Result<Vec<User>> {
    let ids: Vec<DbUuid> = ids.iter().map(|id| DbUuid(id.0)).collect();
    let rows: Vec<UserRow> = users::table
        .filter(users::id.eq_any(ids))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .load(conn)
        .db()?;
    Ok(rows.into_iter().map(User::from).collect())
}
