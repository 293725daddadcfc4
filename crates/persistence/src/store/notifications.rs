//! Notifications: webhooks, the outbox of events, and their deliveries (the delivery log).
//!
//! An event is written by the transaction of the change that caused it (a sync job ending,
//! a connection disabled), with one delivery per live webhook of its workspace that wants
//! it, so that a committed change always has its notifications queued and a rolled-back one
//! never does. Deliveries are then claimed by the delivery task of any worker (`FOR UPDATE
//! SKIP LOCKED` on PostgreSQL, SQLite's write lock), each claim taking a lease and counting
//! an attempt; the outcome is recorded only by the claim that made it (the attempt count
//! fences older claims), so a worker killed mid-attempt leaves its delivery to be taken
//! again once the lease runs out: at least once, with the event id for de-duplication.
//!
//! Signing secrets are stored encrypted (ferry:enc:v1, the secrets key of the `Database`
//! in scope), as connector secrets are.

use super::actors::ResealBatch;
use super::locks::{lock_live, LockMode, Locked};
use super::paging::{self, load_page, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::DieselResultExt;
use crate::schema::{
    attempt_logs, connections, notification_deliveries, notification_events, notification_webhooks,
};
use crate::sql_types::{now, sqlite_time_text, DbJson, DbTime, DbUuid};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ferry_domain::connection::ConnectionStatus;
use ferry_domain::ids::{
    ConnectionId, NotificationDeliveryId, NotificationEventId, NotificationWebhookId, WorkspaceId,
};
use ferry_domain::job::{Attempt, Job};
use ferry_domain::list::{Paging, SortOrder};
use ferry_domain::notification::{
    DeliveryPolicy, NotificationDeliveryRead, NotificationDeliveryStatus, NotificationEvent,
    NotificationTrigger, NotificationWebhook, SyncEnded,
};
use ferry_domain::{Error, Resource, Result, Violation};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use uuid::Uuid;

#[derive(Queryable, Selectable)]
#[diesel(table_name = notification_webhooks)]
struct WebhookRow {
    id: DbUuid,
    workspace_id: DbUuid,
    name: String,
    url: String,
    notification_triggers: DbJson,
    created_at: DbTime,
    updated_at: DbTime,
    deleted_at: Option<DbTime>,
    version: i64,
}

impl TryFrom<WebhookRow> for NotificationWebhook {
    type Error = Error;

    fn try_from(r: WebhookRow) -> Result<Self> {
        let triggers: Vec<NotificationTrigger> = serde_json::from_value(r.notification_triggers.0)
            .map_err(|e| {
                Error::internal(format!("notification_webhooks.notification_triggers: {e}"))
            })?;
        Ok(NotificationWebhook {
            id: NotificationWebhookId(r.id.0),
            workspace_id: WorkspaceId(r.workspace_id.0),
            name: r.name,
            url: r.url,
            triggers,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            tombstone: r.deleted_at.is_some(),
            version: r.version,
        })
    }
}

fn triggers_json(triggers: &[NotificationTrigger]) -> Result<DbJson> {
    serde_json::to_value(triggers)
        .map(DbJson)
        .map_err(Error::internal)
}

/// What creating a webhook needs, every value decided (the secret in clear: the store
/// encrypts it).
#[derive(Clone)]
pub struct NewWebhook {
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub url: String,
    /// Sorted, without duplicates.
    pub triggers: Vec<NotificationTrigger>,
    pub signing_secret: String,
}

impl std::fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWebhook")
            .field("workspace_id", &self.workspace_id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Creates a webhook in a live workspace (locked against a concurrent delete).
pub fn create(conn: &mut AnyConnection, new: &NewWebhook) -> Result<NotificationWebhook> {
    if !lock_live(conn, Locked::Workspace, new.workspace_id.0, LockMode::Share)? {
        return Err(Error::invalid(
            Violation::new("workspaceId", "names no live workspace")
                .with_value(new.workspace_id.to_string()),
        ));
    }
    let id = NotificationWebhookId::random();
    let timestamp = DbTime(now());
    diesel::insert_into(notification_webhooks::table)
        .values((
            notification_webhooks::id.eq(DbUuid(id.0)),
            notification_webhooks::workspace_id.eq(DbUuid(new.workspace_id.0)),
            notification_webhooks::name.eq(&new.name),
            notification_webhooks::url.eq(&new.url),
            notification_webhooks::notification_triggers.eq(triggers_json(&new.triggers)?),
            notification_webhooks::signing_secret
                .eq(crate::secrets::seal_text(&new.signing_secret)?),
            notification_webhooks::created_at.eq(timestamp),
            notification_webhooks::updated_at.eq(timestamp),
        ))
        .execute(conn)
        .db()?;
    get(conn, id)
}

/// A webhook, deleted or not (`tombstone` says which).
pub fn get(conn: &mut AnyConnection, id: NotificationWebhookId) -> Result<NotificationWebhook> {
    notification_webhooks::table
        .filter(notification_webhooks::id.eq(DbUuid(id.0)))
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(Resource::NotificationWebhook, id))?
        .try_into()
}

/// A live webhook (a deleted one is not found).
pub fn get_live(
    conn: &mut AnyConnection,
    id: NotificationWebhookId,
) -> Result<NotificationWebhook> {
    get(conn, id).and_then(|w| match w.tombstone {
        false => Ok(w),
        true => Err(Error::not_found(Resource::NotificationWebhook, id)),
    })
}

/// A live webhook and its signing secret, decrypted (to sign a test event).
pub fn get_with_secret(
    conn: &mut AnyConnection,
    id: NotificationWebhookId,
) -> Result<(NotificationWebhook, String)> {
    let webhook = get_live(conn, id)?;
    let sealed: String = notification_webhooks::table
        .find(DbUuid(id.0))
        .select(notification_webhooks::signing_secret)
        .first(conn)
        .db()?;
    Ok((webhook, crate::secrets::open_text(&sealed)?))
}

/// The live webhooks of a live workspace, oldest first.
pub fn list(conn: &mut AnyConnection, workspace: WorkspaceId) -> Result<Vec<NotificationWebhook>> {
    super::workspaces::get_live(conn, workspace)?;
    live_in(conn, workspace)
}

fn live_in(conn: &mut AnyConnection, workspace: WorkspaceId) -> Result<Vec<NotificationWebhook>> {
    notification_webhooks::table
        .filter(notification_webhooks::workspace_id.eq(DbUuid(workspace.0)))
        .filter(notification_webhooks::deleted_at.is_null())
        .order((
            notification_webhooks::created_at.asc(),
            notification_webhooks::id.asc(),
        ))
        .select(WebhookRow::as_select())
        .load(conn)
        .db()?
        .into_iter()
        .map(NotificationWebhook::try_from)
        .collect()
}

/// A partial update: None keeps the stored value.
#[derive(Clone, Debug, Default)]
pub struct WebhookChanges {
    pub name: Option<String>,
    pub url: Option<String>,
    /// Sorted, without duplicates.
    pub triggers: Option<Vec<NotificationTrigger>>,
    /// The version the change was computed from, if the caller named one.
    pub expected_version: Option<i64>,
}

#[derive(AsChangeset)]
#[diesel(table_name = notification_webhooks)]
struct WebhookChangeset {
    name: Option<String>,
    url: Option<String>,
    notification_triggers: Option<DbJson>,
    updated_at: DbTime,
}

/// Applies a partial update to a live webhook, in one statement.
pub fn update(
    conn: &mut AnyConnection,
    id: NotificationWebhookId,
    changes: &WebhookChanges,
) -> Result<NotificationWebhook> {
    let changeset = WebhookChangeset {
        name: changes.name.clone(),
        url: changes.url.clone(),
        notification_triggers: changes.triggers.as_deref().map(triggers_json).transpose()?,
        updated_at: DbTime(now()),
    };
    super::versions::check(
        conn,
        Resource::NotificationWebhook,
        id.0,
        changes.expected_version,
    )?;
    let updated = diesel::update(
        notification_webhooks::table
            .filter(notification_webhooks::id.eq(DbUuid(id.0)))
            .filter(notification_webhooks::deleted_at.is_null()),
    )
    .set((
        &changeset,
        notification_webhooks::version.eq(notification_webhooks::version + 1),
    ))
    .execute(conn)
    .db()?;
    if updated == 0 {
        return Err(Error::not_found(Resource::NotificationWebhook, id));
    }
    get_live(conn, id)
}

/// What the delivery log says of deliveries whose webhook was deleted before they went out.
pub const WEBHOOK_DELETED: &str = "the webhook was deleted before this event was delivered";

/// Soft-deletes a webhook and fails its pending deliveries. Deleting a deleted webhook
/// changes nothing; an unknown id is not found.
pub fn delete(
    conn: &mut AnyConnection,
    id: NotificationWebhookId,
    expected: Option<i64>,
) -> Result<()> {
    super::versions::check(conn, Resource::NotificationWebhook, id.0, expected)?;
    let timestamp = DbTime(now());
    let deleted = diesel::update(
        notification_webhooks::table
            .filter(notification_webhooks::id.eq(DbUuid(id.0)))
            .filter(notification_webhooks::deleted_at.is_null()),
    )
    .set((
        notification_webhooks::deleted_at.eq(Some(timestamp)),
        notification_webhooks::updated_at.eq(timestamp),
        notification_webhooks::version.eq(notification_webhooks::version + 1),
    ))
    .execute(conn)
    .db()?;
    if deleted == 0 {
        let exists: i64 = notification_webhooks::table
            .filter(notification_webhooks::id.eq(DbUuid(id.0)))
            .count()
            .get_result(conn)
            .db()?;
        return match exists {
            0 => Err(Error::not_found(Resource::NotificationWebhook, id)),
            _ => Ok(()),
        };
    }
    diesel::update(
        notification_deliveries::table
            .filter(notification_deliveries::webhook_id.eq(DbUuid(id.0)))
            .filter(
                notification_deliveries::status.eq(NotificationDeliveryStatus::Pending.as_str()),
            ),
    )
    .set((
        notification_deliveries::status.eq(NotificationDeliveryStatus::Failed.as_str()),
        notification_deliveries::last_error.eq(WEBHOOK_DELETED),
        notification_deliveries::updated_at.eq(timestamp),
    ))
    .execute(conn)
    .db()?;
    Ok(())
}

/// Writes `event` to the outbox with one pending delivery per live webhook of its workspace
/// that wants it; an event nobody wants is not written. Call inside the transaction of the
/// change that caused it. Returns how many deliveries it queued.
pub fn emit(conn: &mut AnyConnection, event: &NotificationEvent) -> Result<usize> {
    let subscribed: Vec<NotificationWebhook> = live_in(conn, event.workspace_id)?
        .into_iter()
        .filter(|w| w.wants(event.event_type))
        .collect();
    if subscribed.is_empty() {
        return Ok(0);
    }
    let created = DbTime(event.created_at);
    diesel::insert_into(notification_events::table)
        .values((
            notification_events::id.eq(DbUuid(event.id.0)),
            notification_events::workspace_id.eq(DbUuid(event.workspace_id.0)),
            notification_events::event_type.eq(event.event_type.as_str()),
            notification_events::payload.eq(event.body()),
            notification_events::created_at.eq(created),
        ))
        .execute(conn)
        .db()?;
    for webhook in &subscribed {
        diesel::insert_into(notification_deliveries::table)
            .values((
                notification_deliveries::id.eq(DbUuid(NotificationDeliveryId::random().0)),
                notification_deliveries::event_id.eq(DbUuid(event.id.0)),
                notification_deliveries::webhook_id.eq(DbUuid(webhook.id.0)),
                notification_deliveries::workspace_id.eq(DbUuid(event.workspace_id.0)),
                notification_deliveries::event_type.eq(event.event_type.as_str()),
                notification_deliveries::status.eq(NotificationDeliveryStatus::Pending.as_str()),
                notification_deliveries::attempts.eq(0),
                notification_deliveries::next_attempt_at.eq(created),
                notification_deliveries::created_at.eq(created),
                notification_deliveries::updated_at.eq(created),
            ))
            .execute(conn)
            .db()?;
    }
    tracing::info!(event_id = %event.id, event_type = %event.event_type,
        deliveries = subscribed.len(), "notification queued");
    Ok(subscribed.len())
}

/// Emits `sync_success` or `sync_failure` for a sync job that has just ended with `last`
/// (`records` and `bytes` its counts). A failure says why: the last line of that attempt's
/// log, which the worker writes as `attempt failed: <reason>` (or orphan recovery as its own
/// verdict). Call inside the transaction that ends the job.
pub fn sync_ended(
    conn: &mut AnyConnection,
    job: &Job,
    last: &Attempt,
    succeeded: bool,
    (records, bytes): (i64, i64),
    at: DateTime<Utc>,
) -> Result<usize> {
    let Some(connection) = job.connection_id() else {
        return Ok(0);
    };
    let found: Option<(DbUuid, String)> = connections::table
        .filter(connections::id.eq(DbUuid(connection.0)))
        .select((connections::workspace_id, connections::name))
        .first(conn)
        .optional()
        .db()?;
    let Some((workspace, name)) = found else {
        return Ok(0);
    };
    let failure_reason = match succeeded {
        true => None,
        false => attempt_logs::table
            .filter(attempt_logs::attempt_id.eq(last.id))
            .order(attempt_logs::id.desc())
            .select(attempt_logs::line)
            .first::<String>(conn)
            .optional()
            .db()?
            .map(|line| line.chars().take(MAX_REASON_CHARS).collect()),
    };
    let sync = SyncEnded {
        connection_id: connection,
        connection_name: name,
        job_id: job.id,
        succeeded,
        attempts: last.number.saturating_add(1),
        records_synced: records,
        bytes_synced: bytes,
        job_created_at: job.created_at,
        failure_reason,
    };
    emit(
        conn,
        &NotificationEvent::sync_ended(WorkspaceId(workspace.0), at, &sync),
    )
}

/// The longest `failureReason` an event carries.
const MAX_REASON_CHARS: usize = 1000;

/// Emits `connection_disabled` for each of these connections, which have just become
/// `status` (inactive or deprecated) because of `reason`. Call inside that transaction.
pub fn connections_disabled(
    conn: &mut AnyConnection,
    ids: &[Uuid],
    status: ConnectionStatus,
    reason: &str,
) -> Result<usize> {
    let at = now();
    let mut queued = 0;
    for batch in ids.chunks(super::MAX_BOUND_IDS) {
        let batch: Vec<DbUuid> = batch.iter().copied().map(DbUuid).collect();
        let rows: Vec<(DbUuid, DbUuid, String)> = connections::table
            .filter(connections::id.eq_any(batch))
            .select((
                connections::id,
                connections::workspace_id,
                connections::name,
            ))
            .load(conn)
            .db()?;
        let mut by_workspace: BTreeMap<DbUuid, Vec<(DbUuid, String)>> = BTreeMap::new();
        for (id, workspace, name) in rows {
            by_workspace.entry(workspace).or_default().push((id, name));
        }
        for (workspace, disabled) in by_workspace {
            let workspace = WorkspaceId(workspace.0);
            // Most workspaces have no webhook: one query, then nothing.
            let wanted = live_in(conn, workspace)?
                .iter()
                .any(|w| w.wants(NotificationTrigger::ConnectionDisabled));
            if !wanted {
                continue;
            }
            for (id, name) in disabled {
                let event = NotificationEvent::connection_disabled(
                    workspace,
                    at,
                    ConnectionId(id.0),
                    &name,
                    status.as_str(),
                    reason,
                );
                queued += emit(conn, &event)?;
            }
        }
    }
    Ok(queued)
}

/// A delivery a worker has claimed: where to post what, and with which secret.
pub struct Claimed {
    pub delivery_id: NotificationDeliveryId,
    pub webhook_id: Uuid,
    pub event_id: NotificationEventId,
    pub event_type: NotificationTrigger,
    /// This attempt's number (from 1); the outcome is recorded only if it is still the last.
    pub attempt: i32,
    pub url: String,
    pub signing_secret: String,
    pub body: String,
    pub event_created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Claimed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimed")
            .field("delivery_id", &self.delivery_id)
            .field("event_id", &self.event_id)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

/// Takes up to `limit` pending deliveries that are due at `at`, oldest due first, and
/// leases each for `lease` (an attempt counted). Call inside `write_transaction`: on
/// PostgreSQL `FOR UPDATE SKIP LOCKED` lets many workers claim at once without taking the
/// same delivery; SQLite's write lock serialises claimers.
/// How many due deliveries a claim considers per one it may take.
const CANDIDATES_PER_CLAIM: i64 = 4;

/// Leases up to `limit` due deliveries, at most `room(webhook)` of each webhook (what the caller
/// has room for besides those it is still posting), oldest first, and counts an attempt for
/// each.
pub fn claim(
    conn: &mut AnyConnection,
    at: DateTime<Utc>,
    lease: Duration,
    limit: i64,
    room: &dyn Fn(Uuid) -> usize,
) -> Result<Vec<Claimed>> {
    // More candidates than wanted, so that a webhook with a long queue (a receiver that hangs)
    // cannot fill the claim: each webhook gets what `room` leaves it. They are read without a
    // lock; only those then locked (`SKIP LOCKED`: not another claimer's) are leased, so the
    // ones passed over stay free for other workers.
    let candidates: Vec<(DbUuid, DbUuid)> = notification_deliveries::table
        .filter(notification_deliveries::status.eq(NotificationDeliveryStatus::Pending.as_str()))
        .filter(notification_deliveries::next_attempt_at.le(DbTime(at)))
        .order((
            notification_deliveries::next_attempt_at.asc(),
            notification_deliveries::id.asc(),
        ))
        .limit(limit.saturating_mul(CANDIDATES_PER_CLAIM))
        .select((
            notification_deliveries::id,
            notification_deliveries::webhook_id,
        ))
        .load(conn)
        .db()?;
    let mut taken: HashMap<Uuid, usize> = HashMap::new();
    let fitting: Vec<DbUuid> = candidates
        .into_iter()
        .filter(|(_, webhook)| {
            let taken = taken.entry(webhook.0).or_default();
            let fits = *taken < room(webhook.0);
            *taken += usize::from(fits);
            fits
        })
        .map(|(id, _)| id)
        .collect();
    if fitting.is_empty() {
        return Ok(Vec::new());
    }
    let still_due = notification_deliveries::table
        .filter(notification_deliveries::id.eq_any(&fitting))
        .filter(notification_deliveries::status.eq(NotificationDeliveryStatus::Pending.as_str()))
        .filter(notification_deliveries::next_attempt_at.le(DbTime(at)))
        .order((
            notification_deliveries::next_attempt_at.asc(),
            notification_deliveries::id.asc(),
        ))
        .limit(limit)
        .select(notification_deliveries::id);
    let ids: Vec<DbUuid> = match conn {
        AnyConnection::Postgres(pg) => still_due.for_update().skip_locked().load(pg),
        AnyConnection::Sqlite(_) => still_due.load(conn),
    }
    .db()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let until = chrono::Duration::from_std(lease)
        .ok()
        .and_then(|lease| at.checked_add_signed(lease))
        .unwrap_or(at);
    diesel::update(notification_deliveries::table.filter(notification_deliveries::id.eq_any(&ids)))
        .set((
            notification_deliveries::attempts.eq(notification_deliveries::attempts + 1),
            notification_deliveries::next_attempt_at.eq(DbTime(until)),
            notification_deliveries::updated_at.eq(DbTime(at)),
        ))
        .execute(conn)
        .db()?;
    type Row = (
        DbUuid,
        DbUuid,
        DbUuid,
        String,
        i32,
        String,
        DbTime,
        String,
        String,
    );
    let rows: Vec<Row> = notification_deliveries::table
        .inner_join(notification_events::table)
        .inner_join(notification_webhooks::table)
        .filter(notification_deliveries::id.eq_any(&ids))
        .select((
            notification_deliveries::id,
            notification_deliveries::webhook_id,
            notification_deliveries::event_id,
            notification_deliveries::event_type,
            notification_deliveries::attempts,
            notification_events::payload,
            notification_events::created_at,
            notification_webhooks::url,
            notification_webhooks::signing_secret,
        ))
        .load(conn)
        .db()?;
    rows.into_iter()
        .map(
            |(id, webhook, event, event_type, attempt, body, created, url, secret)| {
                Ok(Claimed {
                    delivery_id: NotificationDeliveryId(id.0),
                    webhook_id: webhook.0,
                    event_id: NotificationEventId(event.0),
                    event_type: NotificationTrigger::parse(&event_type).ok_or_else(|| {
                        Error::internal(format!(
                            "notification_deliveries.event_type holds {event_type:?}"
                        ))
                    })?,
                    attempt,
                    url,
                    signing_secret: crate::secrets::open_text(&secret)?,
                    body,
                    event_created_at: created.0,
                })
            },
        )
        .collect()
}

/// How one attempt went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempted {
    /// The receiver answered 2xx.
    Delivered { status_code: u16 },
    /// It answered otherwise (`status_code`), or could not be reached or timed out.
    Failed {
        status_code: Option<u16>,
        error: String,
    },
}

/// The longest `last_error` kept.
const MAX_ERROR_CHARS: usize = 500;

/// Records the outcome of `claimed`'s attempt at `at`: delivered; or pending again after
/// the policy's backoff; or failed once `retry_for` has passed. An attempt that is no longer
/// the delivery's last (its lease ran out and another claim took it) records nothing.
/// Returns the delivery's status, or None when nothing was recorded.
pub fn record(
    conn: &mut AnyConnection,
    claimed: &Claimed,
    outcome: &Attempted,
    policy: &DeliveryPolicy,
    at: DateTime<Utc>,
) -> Result<Option<NotificationDeliveryStatus>> {
    let this_claim = notification_deliveries::table
        .filter(notification_deliveries::id.eq(DbUuid(claimed.delivery_id.0)))
        .filter(notification_deliveries::attempts.eq(claimed.attempt))
        .filter(notification_deliveries::status.eq(NotificationDeliveryStatus::Pending.as_str()));
    let timestamp = DbTime(at);
    let (status, updated) = match outcome {
        Attempted::Delivered { status_code } => {
            let status = NotificationDeliveryStatus::Delivered;
            let updated = diesel::update(this_claim)
                .set((
                    notification_deliveries::status.eq(status.as_str()),
                    notification_deliveries::last_status_code.eq(Some(i32::from(*status_code))),
                    notification_deliveries::last_error.eq(None::<String>),
                    notification_deliveries::delivered_at.eq(Some(timestamp)),
                    notification_deliveries::updated_at.eq(timestamp),
                ))
                .execute(conn)
                .db()?;
            (status, updated)
        }
        Attempted::Failed { status_code, error } => {
            let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
            let code = status_code.map(i32::from);
            match policy.next_attempt(claimed.attempt, claimed.event_created_at, at) {
                Some(next) => (
                    NotificationDeliveryStatus::Pending,
                    diesel::update(this_claim)
                        .set((
                            notification_deliveries::next_attempt_at.eq(DbTime(next)),
                            notification_deliveries::last_status_code.eq(code),
                            notification_deliveries::last_error.eq(Some(error)),
                            notification_deliveries::updated_at.eq(timestamp),
                        ))
                        .execute(conn)
                        .db()?,
                ),
                None => (
                    NotificationDeliveryStatus::Failed,
                    diesel::update(this_claim)
                        .set((
                            notification_deliveries::status
                                .eq(NotificationDeliveryStatus::Failed.as_str()),
                            notification_deliveries::last_status_code.eq(code),
                            notification_deliveries::last_error.eq(Some(error)),
                            notification_deliveries::updated_at.eq(timestamp),
                        ))
                        .execute(conn)
                        .db()?,
                ),
            }
        }
    };
    Ok((updated > 0).then_some(status))
}

/// The filters of `notification_deliveries/list`.
#[derive(Clone, Debug)]
pub struct DeliveryFilter {
    pub workspace_id: WorkspaceId,
    pub webhook_id: Option<NotificationWebhookId>,
    pub event_id: Option<NotificationEventId>,
    pub event_type: Option<NotificationTrigger>,
    pub status: Option<NotificationDeliveryStatus>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

/// How the log is ordered (by creation time, then id) and which slice to return.
#[derive(Clone, Debug)]
pub struct DeliveryPage {
    pub order: SortOrder,
    pub paging: Paging,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = notification_deliveries)]
struct DeliveryRow {
    id: DbUuid,
    event_id: DbUuid,
    webhook_id: DbUuid,
    workspace_id: DbUuid,
    event_type: String,
    status: String,
    attempts: i32,
    next_attempt_at: DbTime,
    last_error: Option<String>,
    last_status_code: Option<i32>,
    created_at: DbTime,
    updated_at: DbTime,
    delivered_at: Option<DbTime>,
}

impl TryFrom<DeliveryRow> for NotificationDeliveryRead {
    type Error = Error;

    fn try_from(r: DeliveryRow) -> Result<Self> {
        let status = NotificationDeliveryStatus::parse(&r.status).ok_or_else(|| {
            Error::internal(format!(
                "notification_deliveries.status holds {:?}",
                r.status
            ))
        })?;
        Ok(NotificationDeliveryRead {
            delivery_id: NotificationDeliveryId(r.id.0),
            event_id: NotificationEventId(r.event_id.0),
            event_type: NotificationTrigger::parse(&r.event_type).ok_or_else(|| {
                Error::internal(format!(
                    "notification_deliveries.event_type holds {:?}",
                    r.event_type
                ))
            })?,
            webhook_id: NotificationWebhookId(r.webhook_id.0),
            workspace_id: WorkspaceId(r.workspace_id.0),
            status,
            attempts: r.attempts,
            last_error: r.last_error,
            last_status_code: r.last_status_code,
            next_attempt_at: (status == NotificationDeliveryStatus::Pending)
                .then_some(r.next_attempt_at.0),
            delivered_at: r.delivered_at.map(|t| t.0),
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

type BoxedDeliveries<'a> = notification_deliveries::BoxedQuery<'a, MultiBackend>;

fn filtered(filter: &DeliveryFilter) -> BoxedDeliveries<'static> {
    use notification_deliveries as d;
    let mut query = d::table
        .filter(d::workspace_id.eq(DbUuid(filter.workspace_id.0)))
        .into_boxed();
    if let Some(webhook) = filter.webhook_id {
        query = query.filter(d::webhook_id.eq(DbUuid(webhook.0)));
    }
    if let Some(event) = filter.event_id {
        query = query.filter(d::event_id.eq(DbUuid(event.0)));
    }
    if let Some(event_type) = filter.event_type {
        query = query.filter(d::event_type.eq(event_type.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(d::status.eq(status.as_str()));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(d::created_at.ge(DbTime(from)));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(d::created_at.le(DbTime(to)));
    }
    query
}

/// A filtered, sorted page of a live workspace's delivery log, the number of all matching
/// rows, and where the next page starts (keyset on (created_at, id), `store::paging`).
pub fn list_deliveries(
    conn: &mut AnyConnection,
    filter: &DeliveryFilter,
    page: &DeliveryPage,
) -> Result<Page<NotificationDeliveryRead>> {
    use notification_deliveries as d;
    super::workspaces::get_live(conn, filter.workspace_id)?;
    let (order, paging) = (page.order, &page.paging);
    let after = paging::after(paging, paging::time_key)?;
    let rows = load_page!(
        conn,
        filtered(filter),
        DeliveryRow::as_select() => DeliveryRow,
        d::created_at,
        d::id,
        after,
        order,
        paging,
        |r: &DeliveryRow| (sqlite_time_text(&r.created_at.0), r.id.0)
    );
    rows.try_map(NotificationDeliveryRead::try_from)
}

/// Moves the signing secrets of up to `limit` webhooks (deleted ones too, in id order after
/// `after`) to `secrets`' current key. Call inside `write_transaction` (rows locked, as for
/// actors).
pub fn reseal_batch(
    conn: &mut AnyConnection,
    secrets: &crate::secrets::SecretBox,
    after: Option<Uuid>,
    limit: i64,
) -> Result<ResealBatch> {
    let after = DbUuid(after.unwrap_or(Uuid::nil()));
    let query = notification_webhooks::table
        .select((
            notification_webhooks::id,
            notification_webhooks::signing_secret,
        ))
        .filter(notification_webhooks::id.gt(after))
        .order(notification_webhooks::id.asc())
        .limit(limit);
    let rows: Vec<(DbUuid, String)> = match conn {
        AnyConnection::Postgres(pg) => query.for_update().load(pg),
        AnyConnection::Sqlite(_) => query.load(conn),
    }
    .db()?;
    let mut batch = ResealBatch {
        actors: rows.len(),
        last: rows.last().map(|(id, _)| id.0),
        ..ResealBatch::default()
    };
    for (id, sealed) in rows {
        if crate::secrets::SecretBox::key_id_of(&sealed) == Some(secrets.current_id()) {
            continue;
        }
        let clear = secrets
            .decrypt(&sealed)
            .map_err(|e| Error::internal(format!("webhook {}: {e}", id.0)))?;
        diesel::update(notification_webhooks::table.filter(notification_webhooks::id.eq(id)))
            .set(notification_webhooks::signing_secret.eq(secrets.encrypt(&clear)?))
            .execute(conn)
            .db()?;
        batch.rewritten += 1;
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::write_transaction;
    use crate::store::jobs::{self, Outcome, Retries};
    use crate::testing::{seed_connections, TestBackend, TestDatabase};
    use ferry_domain::job::JobConfigType;
    use NotificationTrigger::*;

    const ONE_ATTEMPT: Retries = Retries {
        max_attempts: 1,
        backoff: Duration::from_secs(30),
    };

    const POLICY: DeliveryPolicy = DeliveryPolicy {
        timeout: Duration::from_secs(5),
        first_backoff: Duration::from_secs(10),
        max_backoff: Duration::from_secs(40),
        retry_for: Duration::from_secs(60),
    };

    fn webhook(
        conn: &mut AnyConnection,
        workspace: WorkspaceId,
        triggers: &[NotificationTrigger],
    ) -> NotificationWebhook {
        let new = NewWebhook {
            workspace_id: workspace,
            name: "hook".into(),
            url: "http://127.0.0.1:9/hook".into(),
            triggers: triggers.to_vec(),
            signing_secret: "whsec_test".into(),
        };
        write_transaction(conn, |c| create(c, &new)).unwrap()
    }

    fn workspace_of(conn: &mut AnyConnection, connection: ConnectionId) -> WorkspaceId {
        crate::store::connections::get(conn, connection)
            .unwrap()
            .workspace_id
    }

    fn deliveries(
        conn: &mut AnyConnection,
        workspace: WorkspaceId,
    ) -> Vec<NotificationDeliveryRead> {
        let filter = DeliveryFilter {
            workspace_id: workspace,
            webhook_id: None,
            event_id: None,
            event_type: None,
            status: None,
            created_from: None,
            created_to: None,
        };
        let page = DeliveryPage {
            order: SortOrder::Asc,
            paging: Paging::All,
        };
        list_deliveries(conn, &filter, &page).unwrap().items
    }

    /// Runs one sync job of `connection` to its end with `outcome`, in one transaction that
    /// `commit` decides to keep or roll back.
    fn sync_once(
        conn: &mut AnyConnection,
        connection: ConnectionId,
        outcome: Outcome,
        commit: bool,
    ) {
        crate::testing::enqueue_sync(conn, connection);
        let (_, attempt) = write_transaction(conn, jobs::claim).unwrap().unwrap();
        if outcome == Outcome::Failed {
            jobs::append_logs(conn, attempt.id, &["attempt failed: told to".to_string()]).unwrap();
        }
        let ended = write_transaction(conn, |c| {
            jobs::finish(c, &attempt, outcome, 7, 70, ONE_ATTEMPT)?;
            match commit {
                true => Ok(()),
                false => Err(Error::internal("rolled back on purpose")),
            }
        });
        assert_eq!(ended.is_ok(), commit);
        if !commit {
            // The attempt is still running; end it for good, without the failure.
            write_transaction(conn, |c| {
                jobs::finish(c, &attempt, Outcome::Cancelled, 0, 0, ONE_ATTEMPT)
            })
            .unwrap();
        }
    }

    /// A sync's end writes its event with the job's new status, or not at all: rolled back
    /// with it; only for webhooks that want it; once, even when an attempt is finished again.
    fn events_are_written_with_the_change(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        test_db
            .db
            .run_blocking(|conn| {
                let [a, b] = seed_connections(conn, 2, None)[..] else {
                    panic!()
                };
                let workspace = workspace_of(conn, a);
                let both = webhook(conn, workspace, &[SyncSuccess, SyncFailure]);
                let failures = webhook(conn, workspace, &[SyncFailure]);
                sync_once(conn, a, Outcome::Succeeded, false);
                assert!(
                    deliveries(conn, workspace).is_empty(),
                    "rolled back with the job"
                );
                sync_once(conn, a, Outcome::Succeeded, true);
                let log = deliveries(conn, workspace);
                assert_eq!(
                    log.len(),
                    1,
                    "only the webhook that wants successes: {log:?}"
                );
                assert_eq!(
                    (log[0].webhook_id, log[0].event_type),
                    (both.id, SyncSuccess)
                );
                assert_eq!(
                    (log[0].status, log[0].attempts),
                    (NotificationDeliveryStatus::Pending, 0)
                );
                sync_once(conn, b, Outcome::Failed, true);
                let failed: Vec<_> = deliveries(conn, workspace)
                    .into_iter()
                    .filter(|d| d.event_type == SyncFailure)
                    .collect();
                assert_eq!(failed.len(), 2, "both want failures");
                assert_eq!(
                    failed[0].event_id, failed[1].event_id,
                    "one event, two deliveries"
                );
                assert!(failed.iter().any(|d| d.webhook_id == failures.id));
                // The payload is the job's.
                let payload: String = notification_events::table
                    .find(DbUuid(failed[0].event_id.0))
                    .select(notification_events::payload)
                    .first(conn)
                    .unwrap();
                let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
                assert_eq!(payload["data"]["connectionId"], b.to_string());
                assert_eq!(payload["data"]["jobStatus"], "failed");
                assert_eq!(payload["data"]["recordsSynced"], 7);
                assert_eq!(payload["data"]["failureReason"], "attempt failed: told to");
                // A job already over emits nothing when an attempt of it is finished again.
                let job = failed_job(conn, b);
                let (_, attempts) = jobs::get(conn, job).unwrap();
                write_transaction(conn, |c| {
                    jobs::finish(c, &attempts[0], Outcome::Failed, 0, 0, ONE_ATTEMPT)
                })
                .unwrap();
                assert_eq!(deliveries(conn, workspace).len(), 3);
                Ok(())
            })
            .unwrap();
    }

    fn failed_job(conn: &mut AnyConnection, connection: ConnectionId) -> i64 {
        jobs::list(
            conn,
            &jobs::JobFilter::of(JobConfigType::Sync, connection.to_string()),
            &jobs::JobPage::newest_first(),
        )
        .unwrap()
        .items[0]
            .0
            .id
    }

    #[test]
    fn events_are_written_with_the_change_on_sqlite() {
        events_are_written_with_the_change(TestBackend::Sqlite);
    }

    #[test]
    fn events_are_written_with_the_change_on_postgres() {
        events_are_written_with_the_change(TestBackend::Postgres);
    }

    /// Connections that become inactive or deprecated tell the webhooks once each.
    fn disabled_connections(backend: TestBackend) {
        use crate::store::connections::{self as store, ConnectionChanges};
        use ferry_domain::connection::SourceSchema;
        use ferry_domain::schedule::Schedule;
        let test_db = TestDatabase::new(backend);
        test_db
            .db
            .run_blocking(|conn| {
                let ids = seed_connections(conn, 3, None);
                let workspace = workspace_of(conn, ids[0]);
                webhook(conn, workspace, &[ConnectionDisabled]);
                let change = |status| ConnectionChanges {
                    sync_schema: SourceSchema::default(),
                    schedule: Schedule::Manual,
                    status,
                    by: None,
                    expected_version: None,
                };
                let inactive = change(ConnectionStatus::Inactive);
                write_transaction(conn, |c| store::update(c, ids[0], &inactive)).unwrap();
                write_transaction(conn, |c| store::update(c, ids[0], &inactive)).unwrap();
                assert_eq!(deliveries(conn, workspace).len(), 1, "inactive once");
                write_transaction(conn, |c| store::delete(c, ids[0], None)).unwrap();
                write_transaction(conn, |c| store::delete(c, ids[0], None)).unwrap();
                assert_eq!(deliveries(conn, workspace).len(), 2, "deprecated once");
                // The workspace made inactive: the two other connections.
                let changes = crate::store::workspaces::WorkspaceChanges {
                    status: Some(ferry_domain::workspace::WorkspaceStatus::Inactive),
                    ..Default::default()
                };
                write_transaction(conn, |c| {
                    crate::store::workspaces::update(c, workspace, &changes)
                })
                .unwrap();
                let log = deliveries(conn, workspace);
                assert_eq!(log.len(), 4, "{log:?}");
                let reasons: Vec<String> = log
                    .iter()
                    .map(|d| {
                        let payload: String = notification_events::table
                            .find(DbUuid(d.event_id.0))
                            .select(notification_events::payload)
                            .first(conn)
                            .unwrap();
                        let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
                        format!(
                            "{} {}",
                            payload["data"]["status"].as_str().unwrap(),
                            payload["data"]["reason"].as_str().unwrap()
                        )
                    })
                    .collect();
                assert_eq!(
                    reasons[..2],
                    [
                        "inactive connection set inactive",
                        "deprecated connection deleted"
                    ]
                );
                assert_eq!(
                    reasons[2..],
                    [
                        "inactive workspace set inactive",
                        "inactive workspace set inactive"
                    ]
                );
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn disabled_connections_on_sqlite() {
        disabled_connections(TestBackend::Sqlite);
    }

    #[test]
    fn disabled_connections_on_postgres() {
        disabled_connections(TestBackend::Postgres);
    }

    /// Queues `count` deliveries of one connection_disabled event (one per webhook).
    fn queue(conn: &mut AnyConnection, count: usize) -> WorkspaceId {
        let connection = seed_connections(conn, 1, None)[0];
        let workspace = workspace_of(conn, connection);
        for _ in 0..count {
            webhook(conn, workspace, &[ConnectionDisabled]);
        }
        write_transaction(conn, |c| {
            crate::store::connections::delete(c, connection, None)
        })
        .unwrap();
        workspace
    }

    /// Claims are exclusive (four claimers at once take four distinct deliveries), leased
    /// (nothing is due again until the lease ends), and fenced: once a lease ran out and
    /// another claim took the delivery, the first claim's outcome is not recorded.
    fn claims(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let workspace = test_db.db.run_blocking(|conn| Ok(queue(conn, 4))).unwrap();
        let at = now();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let claimers: Vec<_> = (0..4)
            .map(|_| {
                let db = test_db.db.clone();
                let barrier = std::sync::Arc::clone(&barrier);
                std::thread::spawn(move || {
                    db.run_blocking(|conn| {
                        barrier.wait();
                        write_transaction(conn, |c| {
                            claim(c, at, POLICY.lease(), 1, &|_| usize::MAX)
                        })
                    })
                    .unwrap()
                })
            })
            .collect();
        let mut claimed: Vec<Claimed> = claimers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        let mut ids: Vec<_> = claimed.iter().map(|c| c.delivery_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 4, "four claimers took four distinct deliveries");
        assert!(claimed
            .iter()
            .all(|c| c.attempt == 1 && c.signing_secret == "whsec_test"));
        test_db
            .db
            .run_blocking(|conn| {
                assert!(
                    write_transaction(conn, |c| claim(c, at, POLICY.lease(), 10, &|_| usize::MAX))?
                        .is_empty(),
                    "leased"
                );
                let later = at
                    + chrono::Duration::from_std(POLICY.lease()).unwrap()
                    + chrono::Duration::seconds(1);
                let again = write_transaction(conn, |c| {
                    claim(c, later, POLICY.lease(), 10, &|_| usize::MAX)
                })?;
                assert_eq!(again.len(), 4, "a lease that ran out frees its delivery");
                let stale = claimed.remove(0);
                let fresh = again
                    .iter()
                    .find(|c| c.delivery_id == stale.delivery_id)
                    .unwrap();
                assert_eq!(fresh.attempt, 2);
                let ok = Attempted::Delivered { status_code: 204 };
                assert_eq!(
                    write_transaction(conn, |c| record(c, &stale, &ok, &POLICY, later))?,
                    None,
                    "fenced"
                );
                assert_eq!(
                    write_transaction(conn, |c| record(c, fresh, &ok, &POLICY, later))?,
                    Some(NotificationDeliveryStatus::Delivered)
                );
                let log = deliveries(conn, workspace);
                let done = log
                    .iter()
                    .find(|d| d.delivery_id == fresh.delivery_id)
                    .unwrap();
                assert_eq!((done.attempts, done.last_status_code), (2, Some(204)));
                assert!(done.delivered_at.is_some() && done.next_attempt_at.is_none());
                Ok(())
            })
            .unwrap();
    }

    /// A webhook the caller has no room for gets nothing, and what it did not get stays
    /// unleased with no attempt counted, due for the next claim.
    fn room(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        test_db
            .db
            .run_blocking(|conn| {
                queue(conn, 3);
                let at = now();
                let none = write_transaction(conn, |c| claim(c, at, POLICY.lease(), 10, &|_| 0))?;
                assert!(none.is_empty());
                let all = write_transaction(conn, |c| claim(c, at, POLICY.lease(), 10, &|_| 1))?;
                assert_eq!(all.len(), 3);
                assert!(all.iter().all(|c| c.attempt == 1), "nothing counted before");
                let mut webhooks: Vec<_> = all.iter().map(|c| c.webhook_id).collect();
                webhooks.sort();
                webhooks.dedup();
                assert_eq!(webhooks.len(), 3);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn claims_leave_what_a_webhook_has_no_room_for_on_sqlite() {
        room(TestBackend::Sqlite);
    }

    #[test]
    fn claims_leave_what_a_webhook_has_no_room_for_on_postgres() {
        room(TestBackend::Postgres);
    }

    #[test]
    fn claims_are_exclusive_leased_and_fenced_on_sqlite() {
        claims(TestBackend::Sqlite);
    }

    #[test]
    fn claims_are_exclusive_leased_and_fenced_on_postgres() {
        claims(TestBackend::Postgres);
    }

    /// A failed attempt waits its backoff; past `retry_for` the delivery fails; deleting the
    /// webhook fails what is still pending.
    fn retries(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        test_db
            .db
            .run_blocking(|conn| {
                let workspace = queue(conn, 2);
                let at = now();
                let mut claimed =
                    write_transaction(conn, |c| claim(c, at, POLICY.lease(), 10, &|_| usize::MAX))?;
                let (first, second) = (claimed.remove(0), claimed.remove(0));
                let refused = Attempted::Failed {
                    status_code: Some(503),
                    error: "the receiver answered 503".into(),
                };
                assert_eq!(
                    write_transaction(conn, |c| record(c, &first, &refused, &POLICY, at))?,
                    Some(NotificationDeliveryStatus::Pending)
                );
                let log = deliveries(conn, workspace);
                let waiting = log
                    .iter()
                    .find(|d| d.delivery_id == first.delivery_id)
                    .unwrap();
                assert_eq!(
                    waiting.next_attempt_at,
                    Some(at + chrono::Duration::seconds(10))
                );
                assert_eq!(
                    waiting.last_error.as_deref(),
                    Some("the receiver answered 503")
                );
                // Its second attempt fails 55 s after the event: the next (20 s on) would be late.
                let due = at + chrono::Duration::seconds(10);
                let retry = write_transaction(conn, |c| {
                    claim(c, due, POLICY.lease(), 10, &|_| usize::MAX)
                })?
                .remove(0);
                assert_eq!((retry.delivery_id, retry.attempt), (first.delivery_id, 2));
                let late = first.event_created_at + chrono::Duration::seconds(55);
                assert_eq!(
                    write_transaction(conn, |c| record(c, &retry, &refused, &POLICY, late))?,
                    Some(NotificationDeliveryStatus::Failed)
                );
                // The other delivery's webhook is deleted while its attempt runs.
                let webhook = deliveries(conn, workspace)
                    .into_iter()
                    .find(|d| d.delivery_id == second.delivery_id)
                    .unwrap()
                    .webhook_id;
                write_transaction(conn, |c| delete(c, webhook, None))?;
                let gone = deliveries(conn, workspace)
                    .into_iter()
                    .find(|d| d.delivery_id == second.delivery_id)
                    .unwrap();
                assert_eq!(
                    (gone.status, gone.last_error.as_deref()),
                    (NotificationDeliveryStatus::Failed, Some(WEBHOOK_DELETED))
                );
                let ok = Attempted::Delivered { status_code: 200 };
                assert_eq!(
                    write_transaction(conn, |c| record(c, &second, &ok, &POLICY, at))?,
                    None
                );
                assert!(get(conn, webhook)?.tombstone);
                assert!(matches!(
                    get_live(conn, webhook),
                    Err(Error::NotFound { .. })
                ));
                write_transaction(conn, |c| delete(c, webhook, None))?;
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn retries_end_and_deleted_webhooks_fail_their_deliveries_on_sqlite() {
        retries(TestBackend::Sqlite);
    }

    #[test]
    fn retries_end_and_deleted_webhooks_fail_their_deliveries_on_postgres() {
        retries(TestBackend::Postgres);
    }

    /// Signing secrets are stored encrypted, and a rotation moves them to the new key.
    fn secrets_at_rest(backend: TestBackend) {
        use crate::secrets::{SecretBox, SecretKey};
        let test_db = TestDatabase::new(backend);
        let id = test_db
            .db
            .run_blocking(|conn| {
                let workspace = queue(conn, 1);
                Ok(live_in(conn, workspace)?[0].id)
            })
            .unwrap();
        let stored = |db: &crate::Database| -> String {
            db.run_blocking(|conn| {
                notification_webhooks::table
                    .find(DbUuid(id.0))
                    .select(notification_webhooks::signing_secret)
                    .first::<String>(conn)
                    .db()
            })
            .unwrap()
        };
        let before = stored(&test_db.db);
        assert!(
            before.starts_with(crate::secrets::PREFIX) && !before.contains("whsec_test"),
            "{before}"
        );
        let old = test_db.key();
        let new = SecretKey::generate().unwrap().0;
        let new_id = new.id().to_string();
        let test_db = test_db.with_secrets(SecretBox::new(old, vec![]).rotating_to(new));
        let done = crate::secrets::rotate(&test_db.db).unwrap();
        assert_eq!(done.webhooks, 1, "{done:?}");
        let after = stored(&test_db.db);
        assert_eq!(SecretBox::key_id_of(&after), Some(new_id.as_str()));
        let (_, secret) = test_db
            .db
            .run_blocking(|conn| get_with_secret(conn, id))
            .unwrap();
        assert_eq!(secret, "whsec_test");
    }

    #[test]
    fn signing_secrets_are_encrypted_and_rotated_on_sqlite() {
        secrets_at_rest(TestBackend::Sqlite);
    }

    #[test]
    fn signing_secrets_are_encrypted_and_rotated_on_postgres() {
        secrets_at_rest(TestBackend::Postgres);
    }
}
