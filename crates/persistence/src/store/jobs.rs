//! Jobs, attempts, their logs, and each connection's state.

use super::paging::{self, load_page, ListPage, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::{is_unique_violation, DieselResultExt};
use crate::schema::{attempt_logs, attempts, connection_states, jobs};
use crate::sql_types::{now, sqlite_time_text, DbJson, DbTime, DbUuid};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ferry_domain::ids::{ConnectionId, WorkspaceId};
use ferry_domain::job::{
    Attempt, AttemptStatus, Job, JobConfigType, JobOrigin, JobSortBy, JobStatus, QueueHead,
};
use ferry_domain::list::{Paging, SortOrder};
use ferry_domain::{Error, Resource, Result};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// How many log lines a read returns per attempt (the last ones).
pub const MAX_LOG_LINES: i64 = 1000;

#[derive(Queryable, Selectable)]
#[diesel(table_name = jobs)]
struct JobRow {
    id: i64,
    config_type: String,
    config_id: String,
    status: String,
    created_at: DbTime,
    updated_at: DbTime,
    cancel_reason: Option<String>,
}

impl TryFrom<JobRow> for Job {
    type Error = Error;

    fn try_from(r: JobRow) -> Result<Self> {
        Ok(Job {
            id: r.id,
            config_type: JobConfigType::parse(&r.config_type).ok_or_else(|| {
                Error::internal(format!("jobs.config_type holds {:?}", r.config_type))
            })?,
            config_id: r.config_id,
            status: JobStatus::parse(&r.status)
                .ok_or_else(|| Error::internal(format!("jobs.status holds {:?}", r.status)))?,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            cancel_reason: r.cancel_reason,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = attempts)]
struct AttemptRow {
    id: i64,
    job_id: i64,
    attempt_number: i32,
    status: String,
    records_synced: i64,
    bytes_synced: i64,
    created_at: DbTime,
    updated_at: DbTime,
    ended_at: Option<DbTime>,
}

impl AttemptRow {
    fn into_attempt(self, log_lines: Vec<String>) -> Result<Attempt> {
        Ok(Attempt {
            id: self.id,
            job_id: self.job_id,
            number: self.attempt_number,
            status: AttemptStatus::parse(&self.status).ok_or_else(|| {
                Error::internal(format!("attempts.status holds {:?}", self.status))
            })?,
            records_synced: self.records_synced,
            bytes_synced: self.bytes_synced,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
            ended_at: self.ended_at.map(|t| t.0),
            log_lines,
        })
    }
}

const ACTIVE: [&str; 2] = [JobStatus::Pending.as_str(), JobStatus::Running.as_str()];
const CONNECTION_JOBS: [&str; 2] = [
    JobConfigType::Sync.as_str(),
    JobConfigType::ResetConnection.as_str(),
];

/// The pending or running sync or reset of a connection, if any.
fn active_for(conn: &mut AnyConnection, connection: ConnectionId) -> Result<Option<Job>> {
    jobs::table
        .filter(jobs::config_id.eq(connection.to_string()))
        .filter(jobs::status.eq_any(ACTIVE))
        .filter(jobs::config_type.eq_any(CONNECTION_JOBS))
        .select(JobRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .map(Job::try_from)
        .transpose()
}

/// A sync or reset to queue: of which connection (in which workspace), and who asked.
#[derive(Clone, Copy, Debug)]
pub struct NewJob {
    pub config_type: JobConfigType,
    pub connection: ConnectionId,
    pub workspace: WorkspaceId,
    pub origin: JobOrigin,
}

/// Queues a sync or reset of a connection, or returns the one already pending or running:
/// a connection has at most one at a time (a unique index guarantees it under races).
/// Returns the job and whether it is new.
pub fn enqueue(conn: &mut AnyConnection, new: NewJob) -> Result<(Job, bool)> {
    let NewJob {
        config_type,
        connection,
        workspace,
        origin,
    } = new;
    if let Some(existing) = active_for(conn, connection)? {
        return Ok((existing, false));
    }
    let timestamp = DbTime(now());
    let inserted = conn.transaction(|c| {
        diesel::insert_into(jobs::table)
            .values((
                jobs::config_type.eq(config_type.as_str()),
                jobs::config_id.eq(connection.to_string()),
                jobs::status.eq(JobStatus::Pending.as_str()),
                jobs::not_before.eq(timestamp),
                jobs::created_at.eq(timestamp),
                jobs::updated_at.eq(timestamp),
                jobs::workspace_id.eq(Some(DbUuid(workspace.0))),
                jobs::priority.eq(origin.priority()),
            ))
            .returning(jobs::id)
            .get_result::<i64>(c)
    });
    match inserted {
        Ok(id) => Ok((get_job(conn, id)?, true)),
        Err(e) if is_unique_violation(&e) => active_for(conn, connection)?
            .map(|job| (job, false))
            .ok_or_else(|| Error::internal("a concurrent job vanished")),
        Err(e) => Err(crate::error::from_diesel(e)),
    }
}

fn get_job(conn: &mut AnyConnection, id: i64) -> Result<Job> {
    jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(Resource::Job, id))?
        .try_into()
}

fn attempts_of(
    conn: &mut AnyConnection,
    job_ids: &[i64],
    with_logs: bool,
) -> Result<HashMap<i64, Vec<Attempt>>> {
    let mut rows: Vec<AttemptRow> = Vec::new();
    for batch in job_ids.chunks(super::MAX_BOUND_IDS) {
        rows.extend(
            attempts::table
                .filter(attempts::job_id.eq_any(batch))
                .order((attempts::job_id, attempts::attempt_number))
                .select(AttemptRow::as_select())
                .load(conn)
                .db()?,
        );
    }
    let mut by_job: HashMap<i64, Vec<Attempt>> = HashMap::new();
    for row in rows {
        let logs = if with_logs {
            last_log_lines(conn, row.id)?
        } else {
            Vec::new()
        };
        let job_id = row.job_id;
        by_job
            .entry(job_id)
            .or_default()
            .push(row.into_attempt(logs)?);
    }
    Ok(by_job)
}

fn last_log_lines(conn: &mut AnyConnection, attempt: i64) -> Result<Vec<String>> {
    let mut lines: Vec<String> = attempt_logs::table
        .filter(attempt_logs::attempt_id.eq(attempt))
        .order(attempt_logs::id.desc())
        .limit(MAX_LOG_LINES)
        .select(attempt_logs::line)
        .load(conn)
        .db()?;
    lines.reverse();
    Ok(lines)
}

/// A job with its attempts and the last lines of each attempt's log.
pub fn get(conn: &mut AnyConnection, id: i64) -> Result<(Job, Vec<Attempt>)> {
    let job = get_job(conn, id)?;
    let attempts = attempts_of(conn, &[id], true)?
        .remove(&id)
        .unwrap_or_default();
    Ok((job, attempts))
}

/// Which jobs a list holds: one config's (a connection's syncs or resets), filtered.
#[derive(Clone, Debug)]
pub struct JobFilter {
    pub config_type: JobConfigType,
    pub config_id: String,
    pub status: Option<JobStatus>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

impl JobFilter {
    /// Every job of one config.
    pub fn of(config_type: JobConfigType, config_id: impl Into<String>) -> Self {
        JobFilter {
            config_type,
            config_id: config_id.into(),
            status: None,
            created_from: None,
            created_to: None,
        }
    }
}

/// How a job list is ordered and which slice of it to return.
pub type JobPage = ListPage<JobSortBy>;

impl JobPage {
    /// The whole list, newest first.
    pub fn newest_first() -> Self {
        ListPage {
            sort_by: JobSortBy::CreatedAt,
            order: SortOrder::Desc,
            paging: Paging::All,
        }
    }
}

fn filtered(filter: &JobFilter) -> jobs::BoxedQuery<'static, MultiBackend> {
    let mut query = jobs::table
        .filter(jobs::config_type.eq(filter.config_type.as_str()))
        .filter(jobs::config_id.eq(filter.config_id.clone()))
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(jobs::status.eq(status.as_str()));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(jobs::created_at.ge(DbTime(from)));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(jobs::created_at.le(DbTime(to)));
    }
    query
}

/// A page of one config's jobs with their attempts (without logs), in three queries (count,
/// page, attempts) whatever the page's depth (`store::paging`); an unpaged list reads the
/// attempts in batches, however many jobs it holds.
pub fn list(
    conn: &mut AnyConnection,
    filter: &JobFilter,
    page: &JobPage,
) -> Result<Page<(Job, Vec<Attempt>)>> {
    let (order, paging) = (page.order, &page.paging);
    let after = paging::after(paging, paging::time_key)?;
    let rows = match page.sort_by {
        JobSortBy::CreatedAt => load_page!(
            conn,
            filtered(filter),
            JobRow::as_select() => JobRow,
            jobs::created_at,
            jobs::id,
            after,
            order,
            paging,
            |r: &JobRow| (sqlite_time_text(&r.created_at.0), r.id)
        ),
        JobSortBy::UpdatedAt => load_page!(
            conn,
            filtered(filter),
            JobRow::as_select() => JobRow,
            jobs::updated_at,
            jobs::id,
            after,
            order,
            paging,
            |r: &JobRow| (sqlite_time_text(&r.updated_at.0), r.id)
        ),
    };
    let ids: Vec<i64> = rows.items.iter().map(|r| r.id).collect();
    let mut attempts = attempts_of(conn, &ids, false)?;
    rows.try_map(|row| {
        let own = attempts.remove(&row.id).unwrap_or_default();
        Ok((Job::try_from(row)?, own))
    })
}

fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    status: JobStatus,
    not_before: Option<DateTime<Utc>>,
) -> Result<()> {
    let timestamp = now();
    diesel::update(jobs::table.find(id))
        .set((
            jobs::status.eq(status.as_str()),
            jobs::updated_at.eq(DbTime(timestamp)),
            jobs::not_before.eq(DbTime(not_before.unwrap_or(timestamp))),
        ))
        .execute(conn)
        .db()?;
    Ok(())
}

/// Cancels a pending or running job; the worker running it sees this at its next heartbeat
/// and kills the connectors. Cancelling a cancelled job changes nothing; a job that already
/// ended otherwise is a conflict.
pub fn cancel(conn: &mut AnyConnection, id: i64) -> Result<Job> {
    let job = get_job(conn, id)?;
    match job.status {
        JobStatus::Pending | JobStatus::Running | JobStatus::Incomplete => {
            set_status(conn, id, JobStatus::Cancelled, None)?;
            diesel::update(jobs::table.find(id))
                .set(jobs::cancel_reason.eq(MANUAL_CANCEL))
                .execute(conn)
                .db()?;
            get_job(conn, id)
        }
        JobStatus::Cancelled => Ok(job),
        ended => Err(Error::conflict(format!("job {id} already ended: {ended}"))),
    }
}

/// The reason `jobs/cancel` records.
pub const MANUAL_CANCEL: &str = "cancelled through jobs/cancel";

/// Cancels every pending or running sync and reset of these connections, recording why (the
/// delete that orphaned them). Pending ones never start; a running attempt sees the
/// cancellation at its next heartbeat and its connectors are stopped. Call in the delete's
/// transaction. Returns how many jobs it cancelled.
pub fn cancel_for_connections(
    conn: &mut AnyConnection,
    connections: &[String],
    reason: &str,
) -> Result<usize> {
    let mut cancelled = 0;
    for batch in connections.chunks(super::MAX_BOUND_IDS) {
        cancelled += diesel::update(
            jobs::table
                .filter(jobs::config_id.eq_any(batch))
                .filter(jobs::config_type.eq_any(CONNECTION_JOBS))
                .filter(jobs::status.eq_any(ACTIVE)),
        )
        .set((
            jobs::status.eq(JobStatus::Cancelled.as_str()),
            jobs::cancel_reason.eq(reason),
            jobs::updated_at.eq(DbTime(now())),
        ))
        .execute(conn)
        .db()?;
    }
    if cancelled > 0 {
        tracing::info!(
            cancelled,
            reason,
            "jobs of deprecated connections cancelled"
        );
    }
    Ok(cancelled)
}

/// How many jobs there are of each type and status (for metrics).
pub fn counts_by_type_and_status(conn: &mut AnyConnection) -> Result<Vec<(String, String, i64)>> {
    jobs::table
        .group_by((jobs::config_type, jobs::status))
        .select((jobs::config_type, jobs::status, diesel::dsl::count_star()))
        .load(conn)
        .db()
}

/// How many jobs are pending, and when the oldest of them was queued (for metrics).
pub fn pending_summary(conn: &mut AnyConnection) -> Result<(i64, Option<DateTime<Utc>>)> {
    let (count, oldest): (i64, Option<DbTime>) = jobs::table
        .filter(jobs::status.eq(JobStatus::Pending.as_str()))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(jobs::created_at),
        ))
        .first(conn)
        .db()?;
    Ok((count, oldest.map(|t| t.0)))
}

/// Takes the next pending job that is due, as the queue's policy orders them
/// (`ferry_domain::job::next_in_queue`: manual first, then the workspace running the fewest
/// attempts, then the oldest), and starts an attempt of it. A line another worker emptied
/// meanwhile is passed over. Call inside `write_transaction`.
pub fn claim(conn: &mut AnyConnection) -> Result<Option<(Job, Attempt)>> {
    let mut heads = queue_heads(conn)?;
    if heads.is_empty() {
        return Ok(None);
    }
    let running = running_per_workspace(conn)?;
    while let Some(head) =
        ferry_domain::job::next_in_queue(&heads, |w| running.get(&w).copied().unwrap_or(0))
    {
        if let Some(claimed) = claim_from(conn, &head)? {
            return Ok(Some(claimed));
        }
        heads.retain(|h| *h != head);
    }
    Ok(None)
}

/// The heads of the queue's lines: for each workspace and origin with due pending jobs, the
/// oldest of them. One grouped read over the pending jobs (`jobs_queue_idx`).
pub fn queue_heads(conn: &mut AnyConnection) -> Result<Vec<QueueHead>> {
    let rows: Vec<(Option<DbUuid>, i32, Option<i64>)> = jobs::table
        .filter(jobs::status.eq(JobStatus::Pending.as_str()))
        .filter(jobs::not_before.le(DbTime(now())))
        .group_by((jobs::workspace_id, jobs::priority))
        .select((
            jobs::workspace_id,
            jobs::priority,
            diesel::dsl::min(jobs::id),
        ))
        .load(conn)
        .db()?;
    Ok(rows
        .into_iter()
        .filter_map(|(workspace, priority, oldest)| {
            Some(QueueHead {
                workspace: workspace.map(|w| WorkspaceId(w.0)),
                origin: JobOrigin::from_priority(priority),
                oldest_job: oldest?,
            })
        })
        .collect())
}

/// How many attempts run now in each workspace (on every worker).
pub fn running_per_workspace(
    conn: &mut AnyConnection,
) -> Result<HashMap<Option<WorkspaceId>, i64>> {
    let rows: Vec<(Option<DbUuid>, i64)> = jobs::table
        .filter(jobs::status.eq(JobStatus::Running.as_str()))
        .group_by(jobs::workspace_id)
        .select((jobs::workspace_id, diesel::dsl::count_star()))
        .load(conn)
        .db()?;
    Ok(rows
        .into_iter()
        .map(|(workspace, count)| (workspace.map(|w| WorkspaceId(w.0)), count))
        .collect())
}

/// Takes the oldest due pending job of the line `head` names and starts an attempt of it;
/// None when another worker took them all meanwhile. Call inside `write_transaction`: on
/// PostgreSQL `FOR UPDATE SKIP LOCKED` lets many workers claim at once without taking the
/// same job; SQLite's write lock serialises claimers.
pub fn claim_from(conn: &mut AnyConnection, head: &QueueHead) -> Result<Option<(Job, Attempt)>> {
    // The line's query in both arms (a workspace, or none), each finished by `$finish`: the
    // two filters are different types, and a locking query cannot be boxed.
    macro_rules! oldest_in_line {
        (|$query:ident| $finish:expr) => {{
            let line = jobs::table
                .filter(jobs::status.eq(JobStatus::Pending.as_str()))
                .filter(jobs::not_before.le(DbTime(now())))
                .filter(jobs::priority.eq(head.origin.priority()))
                .order(jobs::id)
                .select(jobs::id);
            match head.workspace {
                Some(workspace) => {
                    let $query = line.filter(jobs::workspace_id.eq(DbUuid(workspace.0)));
                    $finish
                }
                None => {
                    let $query = line.filter(jobs::workspace_id.is_null());
                    $finish
                }
            }
        }};
    }
    let candidate: Option<i64> = match conn {
        AnyConnection::Postgres(pg) => {
            oldest_in_line!(|query| query.for_update().skip_locked().first::<i64>(pg).optional())
                .db()?
        }
        AnyConnection::Sqlite(lite) => {
            oldest_in_line!(|query| query.first::<i64>(lite).optional()).db()?
        }
    };
    let Some(id) = candidate else { return Ok(None) };
    start_attempt(conn, id).map(Some)
}

/// Marks job `id` running and creates its next attempt.
fn start_attempt(conn: &mut AnyConnection, id: i64) -> Result<(Job, Attempt)> {
    set_status(conn, id, JobStatus::Running, None)?;
    let number: i32 = attempts::table
        .filter(attempts::job_id.eq(id))
        .count()
        .get_result::<i64>(conn)
        .db()?
        .try_into()
        .unwrap_or(i32::MAX);
    let timestamp = DbTime(now());
    let attempt_id: i64 = diesel::insert_into(attempts::table)
        .values((
            attempts::job_id.eq(id),
            attempts::attempt_number.eq(number),
            attempts::status.eq(AttemptStatus::Running.as_str()),
            attempts::heartbeat_at.eq(timestamp),
            attempts::created_at.eq(timestamp),
            attempts::updated_at.eq(timestamp),
        ))
        .returning(attempts::id)
        .get_result(conn)
        .db()?;
    let job = get_job(conn, id)?;
    let attempt = attempts::table
        .find(attempt_id)
        .select(AttemptRow::as_select())
        .first(conn)
        .db()?
        .into_attempt(Vec::new())?;
    Ok((job, attempt))
}

/// Records progress and proves the attempt alive.
pub fn heartbeat(
    conn: &mut AnyConnection,
    attempt: &Attempt,
    records: i64,
    bytes: i64,
) -> Result<()> {
    diesel::update(attempts::table.find(attempt.id))
        .set((
            attempts::heartbeat_at.eq(DbTime(now())),
            attempts::records_synced.eq(records),
            attempts::bytes_synced.eq(bytes),
        ))
        .execute(conn)
        .db()?;
    Ok(())
}

/// Which of `ids` are cancelled jobs: one query for every attempt a worker runs, so that a
/// cancellation stops its connectors within the cancel watch's period.
pub fn cancelled_among(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<i64>> {
    let mut cancelled = Vec::new();
    for batch in ids.chunks(super::MAX_BOUND_IDS) {
        cancelled.extend(
            jobs::table
                .filter(jobs::id.eq_any(batch))
                .filter(jobs::status.eq(JobStatus::Cancelled.as_str()))
                .select(jobs::id)
                .load::<i64>(conn)
                .db()?,
        );
    }
    Ok(cancelled)
}

/// Appends lines to an attempt's log.
pub fn append_logs(conn: &mut AnyConnection, attempt: i64, lines: &[String]) -> Result<()> {
    for line in lines {
        diesel::insert_into(attempt_logs::table)
            .values((
                attempt_logs::attempt_id.eq(attempt),
                attempt_logs::line.eq(line),
            ))
            .execute(conn)
            .db()?;
    }
    Ok(())
}

pub use ferry_domain::job::{Outcome, Retries};

/// Ends an attempt and moves its job on: succeeded; cancelled; or, after a failure, pending
/// again (after a backoff) until the attempts run out, then failed. A job cancelled while
/// its attempt ran stays cancelled.
pub fn finish(
    conn: &mut AnyConnection,
    attempt: &Attempt,
    outcome: Outcome,
    records: i64,
    bytes: i64,
    retries: Retries,
) -> Result<JobStatus> {
    let timestamp = now();
    diesel::update(attempts::table.find(attempt.id))
        .set((
            attempts::status.eq(outcome.attempt_status().as_str()),
            attempts::records_synced.eq(records),
            attempts::bytes_synced.eq(bytes),
            attempts::updated_at.eq(DbTime(timestamp)),
            attempts::ended_at.eq(Some(DbTime(timestamp))),
        ))
        .execute(conn)
        .db()?;
    let job = get_job(conn, attempt.job_id)?;
    let next =
        ferry_domain::job::after_attempt(job.status, outcome, attempt.number, retries, timestamp);
    set_status(conn, attempt.job_id, next.0, next.1)?;
    // A sync that ends now (and not again: a job already over stays so) tells its
    // workspace's webhooks, in this transaction.
    let ended = matches!(next.0, JobStatus::Succeeded | JobStatus::Failed);
    if ended && !job.status.is_terminal() && job.config_type == JobConfigType::Sync {
        super::notifications::sync_ended(
            conn,
            &job,
            attempt,
            next.0 == JobStatus::Succeeded,
            (records, bytes),
            timestamp,
        )?;
    }
    Ok(next.0)
}

/// Fails the running attempts whose heartbeat stopped longer ago than `stale_after` (their
/// worker died) and moves their jobs on as any failure would. Idempotent; returns the
/// attempts it ended as (job id, attempt number), so their files can be cleaned up.
pub fn recover_orphans(
    conn: &mut AnyConnection,
    stale_after: Duration,
    retries: Retries,
) -> Result<Vec<(i64, i32)>> {
    let cutoff = chrono::Duration::from_std(stale_after)
        .ok()
        .and_then(|stale| now().checked_sub_signed(stale))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let orphans: Vec<AttemptRow> = attempts::table
        .filter(attempts::status.eq(AttemptStatus::Running.as_str()))
        .filter(attempts::heartbeat_at.lt(DbTime(cutoff)))
        .select(AttemptRow::as_select())
        .load(conn)
        .db()?;
    let mut ended = Vec::with_capacity(orphans.len());
    for row in orphans {
        let attempt = row.into_attempt(Vec::new())?;
        ended.push((attempt.job_id, attempt.number));
        append_logs(conn, attempt.id, &["the worker running this attempt stopped sending heartbeats (it crashed or was killed); the attempt failed".to_string()])?;
        let (records, bytes) = (attempt.records_synced, attempt.bytes_synced);
        finish(conn, &attempt, Outcome::Failed, records, bytes, retries)?;
    }
    Ok(ended)
}

/// The state the next incremental sync of a connection starts from.
pub fn state(conn: &mut AnyConnection, connection: ConnectionId) -> Result<Option<Value>> {
    let state: Option<DbJson> = connection_states::table
        .find(DbUuid(connection.0))
        .select(connection_states::state)
        .first(conn)
        .optional()
        .db()?;
    Ok(state.map(|s| s.0))
}

pub fn set_state(conn: &mut AnyConnection, connection: ConnectionId, state: &Value) -> Result<()> {
    clear_state(conn, connection)?;
    diesel::insert_into(connection_states::table)
        .values((
            connection_states::connection_id.eq(DbUuid(connection.0)),
            connection_states::state.eq(DbJson(state.clone())),
            connection_states::updated_at.eq(DbTime(now())),
        ))
        .execute(conn)
        .db()?;
    Ok(())
}

pub fn clear_state(conn: &mut AnyConnection, connection: ConnectionId) -> Result<()> {
    diesel::delete(connection_states::table.find(DbUuid(connection.0)))
        .execute(conn)
        .db()?;
    Ok(())
}

/// For each connection: whether a sync or reset is pending or running, and when its last
/// sync job was created (epoch seconds). Two queries, whatever the number of connections,
/// each reading an index seek per connection, not its jobs.
pub fn sync_summaries(
    conn: &mut AnyConnection,
    connections: &[ConnectionId],
) -> Result<HashMap<String, (bool, Option<i64>)>> {
    let ids: Vec<String> = connections.iter().map(ToString::to_string).collect();
    let mut summaries: HashMap<String, (bool, Option<i64>)> = HashMap::new();
    for batch in ids.chunks(super::MAX_BOUND_IDS) {
        // Syncing: a pending or running job (at most one per connection).
        let active: Vec<String> = jobs::table
            .filter(jobs::config_id.eq_any(batch))
            .filter(jobs::config_type.eq_any(CONNECTION_JOBS))
            .filter(jobs::status.eq_any(ACTIVE))
            .select(jobs::config_id)
            .load(conn)
            .db()?;
        for id in active {
            summaries.entry(id).or_insert((false, None)).0 = true;
        }
        let last: Vec<LastSyncRow> = super::id_rows::load(conn, LAST_SYNCS, "c", "text", batch)?;
        for row in last {
            if let Some(at) = row.last_sync {
                summaries
                    .entry(row.connection_id)
                    .or_insert((false, None))
                    .1 = Some(at.0.timestamp());
            }
        }
    }
    Ok(summaries)
}

/// A connection's newest sync job's creation, as [`LAST_SYNCS`] reads it.
#[derive(diesel::QueryableByName)]
struct LastSyncRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    connection_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::sql_types::SqlTimestamp>)]
    last_sync: Option<DbTime>,
}

/// Each connection's newest sync job's creation: one index seek per connection
/// (`jobs_by_created`), however many jobs it has; read through [`super::id_rows`].
const LAST_SYNCS: &str = "\
SELECT c.id AS connection_id,
       (SELECT max(j.created_at) FROM jobs j
        WHERE j.config_type = 'sync' AND j.config_id = c.id) AS last_sync
FROM {ids}";

/// Queues a sync for every active connection, in a live and active workspace, whose
/// schedule is due. A basic schedule is due when there is no sync job yet, or the last one
/// was created at least one period ago. A cron schedule is due when its latest fire time at
/// or before `at` is after both the last sync job's creation and the moment the schedule was
/// set: runs missed while nothing was running are one run, not a pile of them.
///
/// Set-based: a pass costs a few statements whatever is due (the schedules, the last syncs,
/// the connections already queued, then one insert per thousand jobs). Idempotent, and safe
/// from every replica at once (an advisory lock on PostgreSQL; the write lock on SQLite: a due
/// run is queued once, and a connection has at most one pending or running job). Nothing is
/// queued for a connection that is deprecated or inactive, or whose workspace is, when this
/// commits: on PostgreSQL the pass holds a share lock on each connection and workspace it
/// queues for, re-checked when taken, so a delete or deactivation waits for the pass and then
/// cancels what it queued (it changes those rows before it cancels their jobs), or the pass
/// waits for it and skips them. Returns how many syncs it queued. Call inside
/// `write_transaction`.
pub fn enqueue_due_syncs(conn: &mut AnyConnection, at: DateTime<Utc>) -> Result<usize> {
    use crate::schema::{connections, workspaces};
    use ferry_domain::connection::{ConnectionStatus, TimeUnit};
    use ferry_domain::schedule::{ConnectionScheduleDataCron, CronExpression, CronTimeZone};
    use ferry_domain::workspace::WorkspaceStatus;
    if let AnyConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(4702111234474983745)")
            .execute(pg)
            .db()?;
    }
    type Scheduled = (
        DbUuid,
        DbUuid,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<DbTime>,
    );
    let scheduled: Vec<Scheduled> = connections::table
        .inner_join(workspaces::table.on(workspaces::id.eq(connections::workspace_id)))
        .filter(connections::status.eq(ConnectionStatus::Active.as_str()))
        .filter(workspaces::status.eq(WorkspaceStatus::Active.as_str()))
        .filter(workspaces::deleted_at.is_null())
        .filter(
            connections::schedule_units
                .is_not_null()
                .or(connections::schedule_cron_expression.is_not_null()),
        )
        .select((
            connections::id,
            connections::workspace_id,
            connections::schedule_units,
            connections::schedule_time_unit,
            connections::schedule_cron_expression,
            connections::schedule_cron_time_zone,
            connections::schedule_cron_since,
        ))
        .load(conn)
        .db()?;
    if scheduled.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = scheduled.iter().map(|row| row.0 .0.to_string()).collect();
    let mut last: HashMap<String, DateTime<Utc>> = HashMap::new();
    for batch in ids.chunks(super::MAX_BOUND_IDS) {
        let rows: Vec<(String, Option<DbTime>)> = jobs::table
            .filter(jobs::config_type.eq(JobConfigType::Sync.as_str()))
            .filter(jobs::config_id.eq_any(batch))
            .group_by(jobs::config_id)
            .select((jobs::config_id, diesel::dsl::max(jobs::created_at)))
            .load(conn)
            .db()?;
        last.extend(
            rows.into_iter()
                .filter_map(|(id, at)| at.map(|t| (id, t.0))),
        );
    }
    let mut due: HashMap<String, WorkspaceId> = HashMap::new();
    for (id, workspace, units, unit, expression, zone, since) in scheduled {
        let previous = last.get(&id.0.to_string()).copied();
        let is_due = match (units, unit, expression, zone, since) {
            (Some(units), Some(unit), _, _, _) => match previous {
                None => true,
                // A stored schedule that does not fit in time (refused on input since; kept
                // for rows written before) is never due rather than a failure of every run.
                Some(previous) => TimeUnit::parse(&unit)
                    .and_then(|unit| unit.after(previous, units))
                    .is_some_and(|next| next <= at),
            },
            (_, _, Some(expression), Some(zone), Some(since)) => {
                let cron = ConnectionScheduleDataCron {
                    cron_expression: CronExpression::stored(expression),
                    cron_time_zone: CronTimeZone::stored(zone),
                };
                cron.is_due(at, previous.map_or(since.0, |p| p.max(since.0)))
            }
            _ => false,
        };
        if is_due {
            due.insert(id.0.to_string(), WorkspaceId(workspace.0));
        }
    }
    if due.is_empty() {
        return Ok(0);
    }
    let candidates: Vec<String> = due.keys().cloned().collect();
    // Those with a sync or reset pending or running already keep it.
    for batch in candidates.chunks(super::MAX_BOUND_IDS) {
        let busy: Vec<String> = jobs::table
            .filter(jobs::config_id.eq_any(batch))
            .filter(jobs::config_type.eq_any(CONNECTION_JOBS))
            .filter(jobs::status.eq_any(ACTIVE))
            .select(jobs::config_id)
            .load(conn)
            .db()?;
        for id in busy {
            due.remove(&id);
        }
    }
    if let AnyConnection::Postgres(pg) = conn {
        // Still active when locked: rows a concurrent delete changed are read again as it
        // left them (READ COMMITTED re-checks a locked row), and one it is changing now is
        // waited for.
        let candidates: Vec<DbUuid> = due
            .keys()
            .filter_map(|id| id.parse().ok().map(DbUuid))
            .collect();
        let mut still_active = std::collections::HashSet::new();
        for batch in candidates.chunks(super::MAX_BOUND_IDS) {
            let locked: Vec<DbUuid> = connections::table
                .inner_join(workspaces::table.on(workspaces::id.eq(connections::workspace_id)))
                .filter(connections::id.eq_any(batch))
                .filter(connections::status.eq(ConnectionStatus::Active.as_str()))
                .filter(workspaces::status.eq(WorkspaceStatus::Active.as_str()))
                .filter(workspaces::deleted_at.is_null())
                .select(connections::id)
                .for_share()
                .load(pg)
                .db()?;
            still_active.extend(locked.into_iter().map(|id| id.0.to_string()));
        }
        due.retain(|id, _| still_active.contains(id));
    }
    let timestamp = DbTime(now());
    let rows: Vec<_> = due
        .iter()
        .map(|(connection, workspace)| {
            (
                jobs::config_type.eq(JobConfigType::Sync.as_str()),
                jobs::config_id.eq(connection.as_str()),
                jobs::status.eq(JobStatus::Pending.as_str()),
                jobs::not_before.eq(timestamp),
                jobs::created_at.eq(timestamp),
                jobs::updated_at.eq(timestamp),
                jobs::workspace_id.eq(Some(DbUuid(workspace.0))),
                jobs::priority.eq(JobOrigin::Scheduled.priority()),
            )
        })
        .collect();
    let mut queued = 0;
    // A manual sync queued meanwhile wins: the one-active-job index turns this row away.
    for batch in rows.chunks(1_000) {
        let insert = diesel::insert_into(jobs::table).values(batch);
        queued += match conn {
            AnyConnection::Postgres(pg) => insert.on_conflict_do_nothing().execute(pg),
            AnyConnection::Sqlite(lite) => insert.on_conflict_do_nothing().execute(lite),
        }
        .db()?;
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::write_transaction;
    use crate::testing::{enqueue_sync, seed_connections, TestBackend, TestDatabase};
    use ferry_domain::connection::{ConnectionSchedule, TimeUnit};

    const RETRIES: Retries = Retries {
        max_attempts: 2,
        backoff: Duration::from_secs(30),
    };

    fn scheduler(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().unwrap();
        let conn: &mut AnyConnection = &mut pooled;
        let every_minute = ConnectionSchedule {
            units: 1,
            time_unit: TimeUnit::Minutes,
        };
        let scheduled = seed_connections(conn, 1, Some(every_minute))[0];
        seed_connections(conn, 1, None); // manual: never scheduled
        let at = now();
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, at)).unwrap(),
            1
        );
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, at)).unwrap(),
            0,
            "one active job at a time"
        );
        let (job, attempt) = write_transaction(conn, claim).unwrap().unwrap();
        assert_eq!(job.config_id, scheduled.to_string());
        finish(conn, &attempt, Outcome::Succeeded, 0, 0, RETRIES).unwrap();
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, at)).unwrap(),
            0,
            "not due yet"
        );
        let later = at + chrono::Duration::seconds(61);
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, later)).unwrap(),
            1,
            "due after a minute"
        );
    }

    /// A schedule stored before units were bounded (i64::MAX minutes) made the scheduler
    /// panic inside its transaction, which wedged SQLite for every later write.
    fn absurd_stored_schedules(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().unwrap();
        let conn: &mut AnyConnection = &mut pooled;
        for time_unit in [
            TimeUnit::Minutes,
            TimeUnit::Hours,
            TimeUnit::Days,
            TimeUnit::Weeks,
            TimeUnit::Months,
        ] {
            let absurd = ConnectionSchedule {
                units: i64::MAX,
                time_unit,
            };
            seed_connections(conn, 1, Some(absurd));
        }
        let at = now();
        // Never run: each is due once (no sync yet)...
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, at)).unwrap(),
            5
        );
        while let Some((_, attempt)) = write_transaction(conn, claim).unwrap() {
            finish(conn, &attempt, Outcome::Succeeded, 0, 0, RETRIES).unwrap();
        }
        // ...and then never again, without a panic.
        let far = at + chrono::Duration::days(365 * 100);
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, far)).unwrap(),
            0
        );
        // Writes still work.
        seed_connections(conn, 1, None);
    }

    fn nightly_utc() -> ferry_domain::schedule::ConnectionScheduleDataCron {
        cron_schedule("0 0 * * * ?")
    }

    fn cron_schedule(expression: &str) -> ferry_domain::schedule::ConnectionScheduleDataCron {
        use ferry_domain::schedule::{ConnectionScheduleDataCron, CronExpression, CronTimeZone};
        ConnectionScheduleDataCron {
            cron_expression: CronExpression::try_from(expression.to_string()).unwrap(),
            cron_time_zone: CronTimeZone::try_from("UTC".to_string()).unwrap(),
        }
    }

    /// Seeds an active connection on an hourly cron schedule set at `since`.
    fn cron_connection(conn: &mut AnyConnection, since: DateTime<Utc>) -> ConnectionId {
        use crate::schema::connections;
        use crate::testing::seed_connections_with;
        use ferry_domain::schedule::Schedule;
        let id = seed_connections_with(conn, 1, Schedule::Cron(nightly_utc()))[0];
        diesel::update(connections::table.find(DbUuid(id.0)))
            .set(connections::schedule_cron_since.eq(Some(DbTime(since))))
            .execute(conn)
            .unwrap();
        id
    }

    fn sync_jobs(conn: &mut AnyConnection, connection: ConnectionId) -> Vec<Job> {
        list(
            conn,
            &JobFilter::of(JobConfigType::Sync, connection.to_string()),
            &JobPage::newest_first(),
        )
        .unwrap()
        .items
        .into_iter()
        .map(|(job, _)| job)
        .collect()
    }

    fn run_to_success(conn: &mut AnyConnection) {
        while let Some((_, attempt)) = write_transaction(conn, claim).unwrap() {
            finish(conn, &attempt, Outcome::Succeeded, 0, 0, RETRIES).unwrap();
        }
    }

    /// An hourly cron schedule: due once its latest fire time is after the moment it was
    /// set and after its last sync; five missed fire times are one run; the next fire time
    /// is due again.
    fn cron_scheduler(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().unwrap();
        let conn: &mut AnyConnection = &mut pooled;
        let t0 = now();
        let hours = |n: i64| chrono::Duration::hours(n);
        // Set five hours ago: at least four fire times have passed since.
        let missed = cron_connection(conn, t0 - hours(5));
        // Set at t0: its latest fire time at t0 is not after t0.
        let fresh = cron_connection(conn, t0);
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, t0)).unwrap(),
            1,
            "the missed fire times are one run"
        );
        assert_eq!(sync_jobs(conn, missed).len(), 1);
        assert!(sync_jobs(conn, fresh).is_empty(), "not due yet");
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, t0)).unwrap(),
            0,
            "one active job at a time"
        );
        run_to_success(conn);
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, t0)).unwrap(),
            0,
            "that fire time ran once"
        );
        // Everything was down for three days: one run, not seventy-two.
        let job = sync_jobs(conn, missed)[0].id;
        diesel::update(jobs::table.find(job))
            .set(jobs::created_at.eq(DbTime(t0 - hours(72))))
            .execute(conn)
            .unwrap();
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, t0)).unwrap(),
            1
        );
        run_to_success(conn);
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, t0)).unwrap(),
            0
        );
        assert_eq!(sync_jobs(conn, missed).len(), 2);
        // The next fire time after the last sync is due for both.
        let last = sync_jobs(conn, missed)[0].created_at;
        let next = nightly_utc().next_fire_after(last).unwrap();
        assert!(next > t0);
        let just_before = next - chrono::Duration::seconds(1);
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, just_before)).unwrap(),
            0
        );
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, next)).unwrap(),
            2
        );
        assert_eq!(sync_jobs(conn, missed).len(), 3);
        assert_eq!(sync_jobs(conn, fresh).len(), 1);
    }

    #[test]
    fn the_scheduler_queues_due_cron_runs_once_on_sqlite() {
        cron_scheduler(TestBackend::Sqlite);
    }

    #[test]
    fn the_scheduler_queues_due_cron_runs_once_on_postgres() {
        cron_scheduler(TestBackend::Postgres);
    }

    /// Setting a new cron schedule starts it afresh (its past fire times are not runs of it);
    /// an update that keeps the same one keeps its start, and an inactive connection is never
    /// due.
    fn cron_updates(backend: TestBackend) {
        use crate::store::connections::{self as store, ConnectionChanges};
        use ferry_domain::connection::{ConnectionStatus, SourceSchema};
        use ferry_domain::schedule::Schedule;
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().unwrap();
        let conn: &mut AnyConnection = &mut pooled;
        let t0 = now();
        let connection = cron_connection(conn, t0 - chrono::Duration::hours(5));
        let since = |conn: &mut AnyConnection| -> Option<DbTime> {
            use crate::schema::connections;
            connections::table
                .find(DbUuid(connection.0))
                .select(connections::schedule_cron_since)
                .first(conn)
                .unwrap()
        };
        let before = since(conn);
        let change = |schedule: Schedule, status: ConnectionStatus| ConnectionChanges {
            sync_schema: SourceSchema::default(),
            schedule,
            status,
            by: None,
            expected_version: None,
        };
        let same = change(Schedule::Cron(nightly_utc()), ConnectionStatus::Inactive);
        let read = write_transaction(conn, |c| store::update(c, connection, &same)).unwrap();
        assert_eq!(read.schedule, Schedule::Cron(nightly_utc()));
        assert_eq!(since(conn), before, "the same schedule keeps its start");
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, t0)).unwrap(),
            0,
            "inactive"
        );
        let other = Schedule::Cron(cron_schedule("0 30 * * * ?"));
        let active = change(other.clone(), ConnectionStatus::Active);
        let read = write_transaction(conn, |c| store::update(c, connection, &active)).unwrap();
        assert_eq!(read.schedule, other);
        let restarted = since(conn).unwrap().0;
        assert!(restarted >= t0, "a new schedule starts now");
        assert_eq!(
            write_transaction(conn, |c| enqueue_due_syncs(c, restarted)).unwrap(),
            0,
            "its earlier fire times are not runs of it"
        );
        // Manual, then basic: no cron columns left.
        let manual = change(Schedule::Manual, ConnectionStatus::Active);
        let read = write_transaction(conn, |c| store::update(c, connection, &manual)).unwrap();
        assert_eq!(read.schedule, Schedule::Manual);
        assert_eq!(since(conn), None);
        let hourly = ConnectionSchedule {
            units: 1,
            time_unit: TimeUnit::Hours,
        };
        let basic = change(Schedule::Basic(hourly), ConnectionStatus::Active);
        let read = write_transaction(conn, |c| store::update(c, connection, &basic)).unwrap();
        assert_eq!(read.schedule, Schedule::Basic(hourly));
        assert_eq!(since(conn), None);
    }

    #[test]
    fn cron_updates_on_sqlite() {
        cron_updates(TestBackend::Sqlite);
    }

    #[test]
    fn cron_updates_on_postgres() {
        cron_updates(TestBackend::Postgres);
    }

    /// Two schedulers (on two pooled connections, as two replicas would be) see the same due
    /// run at the same moment: one job is queued. Once it ran, neither queues it again.
    fn racing_cron_schedulers(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let t0 = now();
        let connection = {
            let mut pooled = test_db.db.connection().unwrap();
            cron_connection(&mut pooled, t0 - chrono::Duration::hours(2))
        };
        let race = || -> usize {
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let schedulers: Vec<_> = (0..2)
                .map(|_| {
                    let db = test_db.db.clone();
                    let barrier = std::sync::Arc::clone(&barrier);
                    std::thread::spawn(move || {
                        let mut pooled = db.connection().unwrap();
                        barrier.wait();
                        write_transaction(&mut pooled, |c| enqueue_due_syncs(c, t0)).unwrap()
                    })
                })
                .collect();
            schedulers.into_iter().map(|s| s.join().unwrap()).sum()
        };
        assert_eq!(race(), 1, "two schedulers queued one job");
        let mut pooled = test_db.db.connection().unwrap();
        assert_eq!(sync_jobs(&mut pooled, connection).len(), 1);
        run_to_success(&mut pooled);
        assert_eq!(race(), 0, "a run that happened is not queued again");
        assert_eq!(sync_jobs(&mut pooled, connection).len(), 1);
    }

    #[test]
    fn racing_cron_schedulers_queue_one_job_on_sqlite() {
        racing_cron_schedulers(TestBackend::Sqlite);
    }

    #[test]
    fn racing_cron_schedulers_queue_one_job_on_postgres() {
        racing_cron_schedulers(TestBackend::Postgres);
    }

    #[test]
    fn absurd_stored_schedules_never_panic_on_sqlite() {
        absurd_stored_schedules(TestBackend::Sqlite);
    }

    #[test]
    fn absurd_stored_schedules_never_panic_on_postgres() {
        absurd_stored_schedules(TestBackend::Postgres);
    }

    #[test]
    fn the_scheduler_queues_due_syncs_on_sqlite() {
        scheduler(TestBackend::Sqlite);
    }

    #[test]
    fn the_scheduler_queues_due_syncs_on_postgres() {
        scheduler(TestBackend::Postgres);
    }

    fn retries_and_orphans(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().unwrap();
        let conn: &mut AnyConnection = &mut pooled;
        let connection = seed_connections(conn, 1, None)[0];
        let (job, created) = enqueue_sync(conn, connection);
        assert!(created);
        let (again, created) = enqueue_sync(conn, connection);
        assert!(!created);
        assert_eq!(again.id, job.id);
        // An attempt whose heartbeat stopped is failed and its job waits for a retry.
        let (_, attempt) = write_transaction(conn, claim).unwrap().unwrap();
        assert_eq!(
            recover_orphans(conn, Duration::from_secs(3600), RETRIES).unwrap(),
            [],
            "fresh heartbeat"
        );
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(
            recover_orphans(conn, Duration::from_millis(1), RETRIES).unwrap(),
            [(job.id, 0)]
        );
        let (job_now, attempts) = get(conn, job.id).unwrap();
        assert_eq!(job_now.status, JobStatus::Pending);
        assert_eq!(attempts[0].status, AttemptStatus::Failed);
        assert!(attempts[0].log_lines[0].contains("heartbeats"));
        assert!(
            write_transaction(conn, claim).unwrap().is_none(),
            "the retry waits for its backoff"
        );
        // Past the backoff the retry runs; its failure is the last one allowed.
        diesel::update(jobs::table.find(job.id))
            .set(jobs::not_before.eq(DbTime(now())))
            .execute(conn)
            .unwrap();
        let (_, second) = write_transaction(conn, claim).unwrap().unwrap();
        assert_eq!(second.number, 1);
        assert_eq!(
            finish(conn, &second, Outcome::Failed, 5, 10, RETRIES).unwrap(),
            JobStatus::Failed
        );
        assert_eq!(attempt.number, 0);
        // An attempt interrupted by a shutdown hands its job back at once, no backoff.
        let other = seed_connections(conn, 1, None)[0];
        let (interrupted_job, _) = enqueue_sync(conn, other);
        let (_, running) = write_transaction(conn, claim).unwrap().unwrap();
        assert_eq!(
            finish(conn, &running, Outcome::Interrupted, 1, 1, RETRIES).unwrap(),
            JobStatus::Pending
        );
        let (again, retry) = write_transaction(conn, claim).unwrap().unwrap();
        assert_eq!(
            (again.id, retry.number),
            (interrupted_job.id, 1),
            "claimable at once"
        );
    }

    #[test]
    fn retries_and_orphans_on_sqlite() {
        retries_and_orphans(TestBackend::Sqlite);
    }

    #[test]
    fn retries_and_orphans_on_postgres() {
        retries_and_orphans(TestBackend::Postgres);
    }

    fn concurrent_claims(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        {
            let mut pooled = test_db.db.connection().unwrap();
            let conn: &mut AnyConnection = &mut pooled;
            for connection in seed_connections(conn, 4, None) {
                enqueue_sync(conn, connection);
            }
        }
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let claimers: Vec<_> = (0..4)
            .map(|_| {
                let db = test_db.db.clone();
                let barrier = std::sync::Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let mut pooled = db.connection().unwrap();
                    barrier.wait();
                    write_transaction(&mut pooled, claim)
                        .unwrap()
                        .map(|(job, _)| job.id)
                })
            })
            .collect();
        let mut claimed: Vec<i64> = claimers
            .into_iter()
            .filter_map(|c| c.join().unwrap())
            .collect();
        claimed.sort();
        claimed.dedup();
        assert_eq!(
            claimed.len(),
            4,
            "four claimers took four distinct jobs: {claimed:?}"
        );
        let mut pooled = test_db.db.connection().unwrap();
        assert!(write_transaction(&mut pooled, claim).unwrap().is_none());
    }

    #[test]
    fn concurrent_claimers_take_distinct_jobs_on_sqlite() {
        concurrent_claims(TestBackend::Sqlite);
    }

    #[test]
    fn concurrent_claimers_take_distinct_jobs_on_postgres() {
        concurrent_claims(TestBackend::Postgres);
    }

    /// Seeds `count` connections in a new workspace and queues a job of `origin` for each.
    fn seeded_jobs(conn: &mut AnyConnection, count: usize, origin: JobOrigin) -> Vec<i64> {
        seed_connections(conn, count, None)
            .into_iter()
            .map(|connection| {
                let workspace = crate::store::connections::get(conn, connection)
                    .unwrap()
                    .workspace_id;
                let new = NewJob {
                    config_type: JobConfigType::Sync,
                    connection,
                    workspace,
                    origin,
                };
                enqueue(conn, new).unwrap().0.id
            })
            .collect()
    }

    fn fair_queue(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().unwrap();
        let conn: &mut AnyConnection = &mut pooled;
        let busy = seeded_jobs(conn, 20, JobOrigin::Scheduled);
        let quiet = seeded_jobs(conn, 1, JobOrigin::Scheduled);
        let mut next = || write_transaction(conn, claim).unwrap().unwrap().0.id;
        assert_eq!(next(), busy[0], "equals: the oldest job first");
        assert_eq!(
            next(),
            quiet[0],
            "then the workspace running nothing, not the busy one's next 19"
        );
        assert_eq!(next(), busy[1], "then the busy workspace again");
        // A manual sync in the busiest workspace goes before scheduled work anywhere.
        let manual = seeded_jobs(conn, 1, JobOrigin::Manual);
        let fresh = seeded_jobs(conn, 1, JobOrigin::Scheduled);
        let mut next = || write_transaction(conn, claim).unwrap().unwrap().0.id;
        assert_eq!(next(), manual[0], "manual first");
        assert_eq!(
            next(),
            fresh[0],
            "then the scheduled job of the workspace running nothing"
        );
        assert_eq!(next(), busy[2]);
        let (heads, running) = (
            queue_heads(conn).unwrap(),
            running_per_workspace(conn).unwrap(),
        );
        assert_eq!(heads.len(), 1, "one line left: {heads:?}");
        assert_eq!(heads[0].oldest_job, busy[3]);
        assert_eq!(running.values().sum::<i64>(), 6, "{running:?}");
    }

    #[test]
    fn claims_are_fair_across_workspaces_and_manual_first_on_sqlite() {
        fair_queue(TestBackend::Sqlite);
    }

    #[test]
    fn claims_are_fair_across_workspaces_and_manual_first_on_postgres() {
        fair_queue(TestBackend::Postgres);
    }

    /// A workspace deleted while a scheduler pass runs: whichever commits first, no job of
    /// its (now deprecated) connections is left pending or running.
    fn delete_racing_a_pass(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let every_minute = ConnectionSchedule {
            units: 1,
            time_unit: TimeUnit::Minutes,
        };
        for round in 0..12 {
            let (workspace, connections) = {
                let mut pooled = test_db.db.connection().unwrap();
                let conn: &mut AnyConnection = &mut pooled;
                let connections = seed_connections(conn, 200, Some(every_minute));
                let workspace = crate::store::connections::get(conn, connections[0])
                    .unwrap()
                    .workspace_id;
                (workspace, connections)
            };
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let pass = {
                let (db, barrier) = (test_db.db.clone(), std::sync::Arc::clone(&barrier));
                std::thread::spawn(move || {
                    let mut pooled = db.connection().unwrap();
                    barrier.wait();
                    write_transaction(&mut pooled, |c| enqueue_due_syncs(c, now())).unwrap()
                })
            };
            let delete = {
                let (db, barrier) = (test_db.db.clone(), std::sync::Arc::clone(&barrier));
                std::thread::spawn(move || {
                    let mut pooled = db.connection().unwrap();
                    barrier.wait();
                    // Vary who goes first.
                    std::thread::sleep(Duration::from_micros(round * 700));
                    write_transaction(&mut pooled, |c| {
                        crate::store::workspaces::delete(c, workspace, None)
                    })
                    .unwrap()
                })
            };
            let queued = pass.join().unwrap();
            delete.join().unwrap();
            let mut pooled = test_db.db.connection().unwrap();
            let conn: &mut AnyConnection = &mut pooled;
            let ids: Vec<String> = connections.iter().map(ToString::to_string).collect();
            let active: i64 = jobs::table
                .filter(jobs::config_id.eq_any(&ids))
                .filter(jobs::status.eq_any(ACTIVE))
                .count()
                .get_result(conn)
                .unwrap();
            assert_eq!(
                active, 0,
                "round {round}: the pass queued {queued}; {active} jobs of deleted connections are still active"
            );
        }
    }

    #[test]
    fn a_delete_racing_a_scheduler_pass_leaves_nothing_queued_on_sqlite() {
        delete_racing_a_pass(TestBackend::Sqlite);
    }

    #[test]
    fn a_delete_racing_a_scheduler_pass_leaves_nothing_queued_on_postgres() {
        delete_racing_a_pass(TestBackend::Postgres);
    }

    /// An unpaged jobs/list (the 2020 form) of a connection with more jobs than SQLite binds
    /// variables in one statement read their attempts in one `IN` and failed with a 500.
    fn unpaged_list_of_many_jobs(backend: TestBackend) {
        let test_db = TestDatabase::new(backend);
        let mut pooled = test_db.db.connection().unwrap();
        let conn: &mut AnyConnection = &mut pooled;
        let connection = seed_connections(conn, 1, None)[0];
        let timestamp = DbTime(now());
        let count = 40_000;
        let rows: Vec<_> = (0..count)
            .map(|_| {
                (
                    jobs::config_type.eq(JobConfigType::Sync.as_str()),
                    jobs::config_id.eq(connection.to_string()),
                    jobs::status.eq(JobStatus::Succeeded.as_str()),
                    jobs::not_before.eq(timestamp),
                    jobs::created_at.eq(timestamp),
                    jobs::updated_at.eq(timestamp),
                )
            })
            .collect();
        for batch in rows.chunks(1_000) {
            let insert = diesel::insert_into(jobs::table).values(batch);
            match &mut *conn {
                AnyConnection::Postgres(pg) => insert.execute(pg),
                AnyConnection::Sqlite(lite) => insert.execute(lite),
            }
            .unwrap();
        }
        let page = JobPage {
            sort_by: JobSortBy::CreatedAt,
            order: SortOrder::Desc,
            paging: Paging::All,
        };
        let listed = list(
            conn,
            &JobFilter::of(JobConfigType::Sync, connection.to_string()),
            &page,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(listed.items.len(), count);
        assert_eq!(listed.total, Some(count as i64));
    }

    #[test]
    fn an_unpaged_list_of_40000_jobs_answers_on_sqlite() {
        unpaged_list_of_many_jobs(TestBackend::Sqlite);
    }

    #[test]
    fn an_unpaged_list_of_40000_jobs_answers_on_postgres() {
        unpaged_list_of_many_jobs(TestBackend::Postgres);
    }
}
