//! Applications: client credentials of a user. Only a hash of the secret is stored.

use super::paging::{self, load_page, ListPage, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::DieselResultExt;
use crate::schema::{applications, users};
use crate::sql_types::{now, sqlite_time_text, DbTime, DbUuid};
use diesel::prelude::*;
use ferry_domain::application::{Application, ApplicationSortBy};
use ferry_domain::ids::{ApplicationId, UserId};
use ferry_domain::{Error, Resource, Result};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = applications)]
struct ApplicationRow {
    id: DbUuid,
    user_id: DbUuid,
    name: String,
    client_id: String,
    secret_hash: String,
    created_at: DbTime,
    deleted_at: Option<DbTime>,
    version: i64,
}

impl From<ApplicationRow> for Application {
    fn from(r: ApplicationRow) -> Self {
        Application {
            id: ApplicationId(r.id.0),
            user_id: UserId(r.user_id.0),
            name: r.name,
            client_id: r.client_id,
            created_at: r.created_at.0,
            version: r.version,
        }
    }
}

/// Creates an application for a live user; `secret_hash` is the only trace of its secret.
pub fn create(
    conn: &mut AnyConnection,
    user: UserId,
    name: &str,
    client_id: &str,
    secret_hash: &str,
) -> Result<Application> {
    super::users::get(conn, user)?;
    let row = ApplicationRow {
        id: DbUuid(ApplicationId::random().0),
        user_id: DbUuid(user.0),
        name: name.to_string(),
        client_id: client_id.to_string(),
        secret_hash: secret_hash.to_string(),
        created_at: DbTime(now()),
        deleted_at: None,
        version: ferry_domain::version::FIRST_VERSION,
    };
    diesel::insert_into(applications::table)
        .values(&row)
        .execute(conn)
        .db()?;
    Ok(row.into())
}

/// A live application.
pub fn get(conn: &mut AnyConnection, id: ApplicationId) -> Result<Application> {
    applications::table
        .filter(applications::id.eq(DbUuid(id.0)))
        .filter(applications::deleted_at.is_null())
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .map(Application::from)
        .ok_or_else(|| Error::not_found(Resource::Application, id))
}

/// How an application list is ordered and which slice of it to return.
pub type ApplicationPage = ListPage<ApplicationSortBy>;

/// A page of the live applications: one user's, or everyone's (`store::paging`).
pub fn list(
    conn: &mut AnyConnection,
    user: Option<UserId>,
    page: &ApplicationPage,
) -> Result<Page<Application>> {
    let filtered = || {
        let mut query = applications::table
            .filter(applications::deleted_at.is_null())
            .into_boxed::<MultiBackend>();
        if let Some(user) = user {
            query = query.filter(applications::user_id.eq(DbUuid(user.0)));
        }
        query
    };
    let (order, paging) = (page.order, &page.paging);
    let rows = match page.sort_by {
        ApplicationSortBy::CreatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(conn, filtered(), ApplicationRow::as_select() => ApplicationRow,
                applications::created_at, applications::id, after, order, paging,
                |r: &ApplicationRow| (sqlite_time_text(&r.created_at.0), r.id.0))
        }
    };
    Ok(rows.map(Application::from))
}

/// Deletes an application: tokens issued for it stop working.
pub fn delete(conn: &mut AnyConnection, id: ApplicationId, expected: Option<i64>) -> Result<()> {
    super::versions::check(conn, Resource::Application, id.0, expected)?;
    let deleted = diesel::update(
        applications::table
            .filter(applications::id.eq(DbUuid(id.0)))
            .filter(applications::deleted_at.is_null()),
    )
    .set((
        applications::deleted_at.eq(Some(DbTime(now()))),
        applications::version.eq(applications::version + 1),
    ))
    .execute(conn)
    .db()?;
    if deleted == 0 {
        return Err(Error::not_found(Resource::Application, id));
    }
    Ok(())
}

/// The live application of a live user with this client id, and its secret's hash.
pub fn credentials(
    conn: &mut AnyConnection,
    client_id: &str,
) -> Result<Option<(Application, String)>> {
    let row: Option<ApplicationRow> = applications::table
        .inner_join(users::table)
        .filter(applications::client_id.eq(client_id.to_string()))
        .filter(applications::deleted_at.is_null())
        .filter(users::deleted_at.is_null())
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()
        .db()?;
    Ok(row.map(|r| {
        let hash = r.secret_hash.clone();
        (Application::from(r), hash)
    }))
}

/// Whether an application is live and belongs to `user`, who is live too (a token names
/// both).
pub fn is_live(conn: &mut AnyConnection, id: ApplicationId, user: UserId) -> Result<bool> {
    let count: i64 = applications::table
        .inner_join(users::table)
        .filter(applications::id.eq(DbUuid(id.0)))
        .filter(applications::user_id.eq(DbUuid(user.0)))
        .filter(applications::deleted_at.is_null())
        .filter(users::deleted_at.is_null())
        .count()
        .get_result(conn)
        .db()?;
    Ok(count > 0)
}
