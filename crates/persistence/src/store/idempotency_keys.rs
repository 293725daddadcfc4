//! Idempotency keys: the first answer to a create, duplicate, sync or reset, kept for its
//! caller so that a retry with the same `Idempotency-Key` replays it instead of acting twice.
//! The rules (which operations, what a key may be, how long keys live) are the API's
//! (`crates/api/src/idempotency.rs`); this module keeps the rows.

use crate::connection::AnyConnection;
use crate::error::{is_unique_violation, DieselResultExt};
use crate::schema::idempotency_keys as keys;
use crate::sql_types::DbTime;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ferry_domain::Result;

/// Who asked, with which key, for what.
#[derive(Clone, Debug)]
pub struct KeyedRequest {
    /// The caller's scope: a user id, or the instance administrator.
    pub caller: String,
    pub key: String,
    /// The request path (`/api/v1/sources/create`).
    pub operation: String,
    /// SHA-256 of the body, hex.
    pub request_hash: String,
}

/// A stored first answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: String,
    /// Headers worth replaying (content type, ETag), as JSON `{name: value}`.
    pub headers: String,
}

/// What a request with a key may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or expired, or its first call died): this call runs, then stores
    /// its answer with [`finish`] or gives the key up with [`abandon`].
    Run,
    /// The first call with this key and body answered this.
    Replay(StoredAnswer),
    /// The first call with this key is still running.
    InProgress,
    /// The key was used for another operation or body.
    Mismatch,
}

/// A stored row as `claim` reads it: operation, request hash, status, body, headers.
type StoredRow = (String, String, Option<i32>, Option<String>, Option<String>);

/// Claims `request.key` for `request`, in one transaction: a key expired (or whose first
/// call's lease ran out) is taken over; of concurrent first calls, exactly one gets
/// [`Claim::Run`] (the insert of the others waits for it and then does nothing).
pub fn claim(
    conn: &mut AnyConnection,
    request: &KeyedRequest,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    lifetime: chrono::Duration,
) -> Result<Claim> {
    let mine = keys::caller
        .eq(request.caller.clone())
        .and(keys::idempotency_key.eq(request.key.clone()));
    diesel::delete(
        keys::table.filter(mine.clone()).filter(
            keys::expires_at.lt(DbTime(now)).or(keys::status
                .is_null()
                .and(keys::locked_until.lt(DbTime(now)))),
        ),
    )
    .execute(conn)
    .db()?;
    // A savepoint, so that losing the race leaves the transaction usable; on PostgreSQL the
    // loser's insert waits for the winner's transaction and then fails as a duplicate.
    let inserted = conn.transaction(|c| {
        diesel::insert_into(keys::table)
            .values((
                keys::caller.eq(&request.caller),
                keys::idempotency_key.eq(&request.key),
                keys::operation.eq(&request.operation),
                keys::request_hash.eq(&request.request_hash),
                keys::created_at.eq(DbTime(now)),
                keys::locked_until.eq(DbTime(now + lease)),
                keys::expires_at.eq(DbTime(now + lifetime)),
            ))
            .execute(c)
    });
    match inserted {
        Ok(_) => return Ok(Claim::Run),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(crate::error::from_diesel(e)),
    }
    let stored: Option<StoredRow> = keys::table
        .filter(mine)
        .select((
            keys::operation,
            keys::request_hash,
            keys::status,
            keys::response_body,
            keys::response_headers,
        ))
        .first(conn)
        .optional()
        .db()?;
    Ok(match stored {
        // Removed between the insert and this read (expired at this very moment).
        None => Claim::InProgress,
        Some((operation, hash, ..))
            if operation != request.operation || hash != request.request_hash =>
        {
            Claim::Mismatch
        }
        Some((_, _, Some(status), body, headers)) => Claim::Replay(StoredAnswer {
            status: u16::try_from(status).unwrap_or(500),
            body: crate::secrets::open_text(&body.unwrap_or_default())?,
            headers: headers.unwrap_or_else(|| "{}".into()),
        }),
        Some(_) => Claim::InProgress,
    })
}

/// Stores the first call's answer; later calls with the key replay it. The body is kept
/// encrypted like connector secrets (`crate::secrets`): a first answer may be the only copy
/// of a secret shown once (an application's client secret, a webhook's signing secret).
pub fn finish(
    conn: &mut AnyConnection,
    request: &KeyedRequest,
    answer: &StoredAnswer,
) -> Result<()> {
    diesel::update(
        keys::table
            .filter(keys::caller.eq(&request.caller))
            .filter(keys::idempotency_key.eq(&request.key)),
    )
    .set((
        keys::status.eq(Some(i32::from(answer.status))),
        keys::response_body.eq(Some(crate::secrets::seal_text(&answer.body)?)),
        keys::response_headers.eq(Some(&answer.headers)),
    ))
    .execute(conn)
    .db()?;
    Ok(())
}

/// Gives a key up (its call failed on the server's side), so a retry runs again.
pub fn abandon(conn: &mut AnyConnection, request: &KeyedRequest) -> Result<()> {
    diesel::delete(
        keys::table
            .filter(keys::caller.eq(&request.caller))
            .filter(keys::idempotency_key.eq(&request.key))
            .filter(keys::status.is_null()),
    )
    .execute(conn)
    .db()?;
    Ok(())
}

/// Removes every key expired at `now` (one statement, over the expiry index); returns how
/// many.
pub fn delete_expired(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<usize> {
    diesel::delete(keys::table.filter(keys::expires_at.lt(DbTime(now))))
        .execute(conn)
        .db()
}

/// How many keys are stored (for tests and `debug`).
pub fn count(conn: &mut AnyConnection) -> Result<i64> {
    keys::table.count().get_result(conn).db()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::write_transaction;
    use crate::testing::{TestBackend, TestDatabase};
    use chrono::Duration;

    fn request(hash: &str) -> KeyedRequest {
        KeyedRequest {
            caller: "user:1".into(),
            key: "k".into(),
            operation: "/v1/sources/create".into(),
            request_hash: hash.into(),
        }
    }

    /// A key's life: claimed, waited on, answered, replayed, refused for another body,
    /// taken over once expired or once its first call's lease ran out, and removed.
    fn lifecycle(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        // `run_blocking` puts the secrets key in scope: stored answers are encrypted.
        test_db
            .db
            .run_blocking(|conn| {
                lifecycle_on(conn);
                Ok(())
            })
            .unwrap();
    }

    fn lifecycle_on(conn: &mut AnyConnection) {
        let (lease, life) = (Duration::minutes(5), Duration::hours(24));
        let t0 = Utc::now();
        let claim_at = |conn: &mut AnyConnection, at, hash: &str| {
            write_transaction(conn, |c| claim(c, &request(hash), at, lease, life)).unwrap()
        };
        assert_eq!(claim_at(conn, t0, "a"), Claim::Run);
        assert_eq!(claim_at(conn, t0, "a"), Claim::InProgress);
        // The first call died: after its lease, a retry runs again.
        assert_eq!(claim_at(conn, t0 + Duration::minutes(6), "a"), Claim::Run);
        let answer = StoredAnswer {
            status: 200,
            body: "{\"id\":1}".into(),
            headers: "{}".into(),
        };
        finish(conn, &request("a"), &answer).unwrap();
        let stored: Option<String> = keys::table.select(keys::response_body).first(conn).unwrap();
        assert!(
            !stored.unwrap().contains("\"id\""),
            "answers are kept encrypted"
        );
        let later = t0 + Duration::hours(1);
        assert_eq!(claim_at(conn, later, "a"), Claim::Replay(answer));
        assert_eq!(claim_at(conn, later, "b"), Claim::Mismatch);
        // A day after, the key is new again.
        let next_day = t0 + Duration::hours(25);
        assert_eq!(claim_at(conn, next_day, "b"), Claim::Run);
        abandon(conn, &request("b")).unwrap();
        assert_eq!(count(conn).unwrap(), 0, "an abandoned key is gone");
        assert_eq!(claim_at(conn, next_day, "b"), Claim::Run);
        assert_eq!(delete_expired(conn, next_day).unwrap(), 0);
        assert_eq!(
            delete_expired(conn, next_day + life + Duration::seconds(1)).unwrap(),
            1
        );
        assert_eq!(count(conn).unwrap(), 0);
    }

    #[test]
    fn a_key_lives_its_life_on_sqlite() {
        lifecycle(TestBackend::Sqlite);
    }

    #[test]
    fn a_key_lives_its_life_on_postgres() {
        lifecycle(TestBackend::Postgres);
    }
}
