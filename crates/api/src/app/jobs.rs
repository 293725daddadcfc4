//! Syncs and resets as jobs: what may be queued, and reading and cancelling them. A worker
//! runs what is queued here; nothing here waits for a connector.

use super::lists::Listed;
use crate::AppState;
use ferry_domain::connection::ConnectionStatus;
use ferry_domain::ids::ConnectionId;
use ferry_domain::job::{
    Attempt, Job, JobConfigType, JobListRequestBody, JobOrigin, JobSortBy, JobWithAttemptsRead,
};
use ferry_domain::list::SortOrder;
use ferry_domain::workspace::WorkspaceStatus;
use ferry_domain::{Error, Result, Violation};
use ferry_persistence::store::jobs::{JobFilter, JobPage};
use ferry_persistence::store::{connections, jobs, workspaces};

/// A job with its attempts (and each attempt's last log lines, when read one at a time).
pub type JobWithAttempts = (Job, Vec<Attempt>);

/// Queues a sync or reset of a connection, or answers with the one already pending or
/// running (a connection has at most one; the store keeps it so under races).
pub async fn enqueue(
    state: &AppState,
    connection: ConnectionId,
    config_type: JobConfigType,
) -> Result<JobWithAttempts> {
    state
        .db
        .write(move |conn| {
            let found = connections::get(conn, connection)?;
            // A deleted connection is only kept for reading: it must never move data again.
            if found.status == ConnectionStatus::Deprecated {
                return Err(Error::invalid(
                    Violation::new("connectionId", "names a deprecated (deleted) connection")
                        .with_value(connection.to_string()),
                ));
            }
            // An inactive workspace is paused: nothing is read from its sources. A reset
            // reads nothing, so it is still allowed.
            let workspace = workspaces::get(conn, found.workspace_id)?;
            if config_type == JobConfigType::Sync && workspace.status == WorkspaceStatus::Inactive {
                return Err(Error::invalid(
                    Violation::new(
                        "connectionId",
                        format!(
                            "workspace {} is inactive; no sync starts in it",
                            workspace.id
                        ),
                    )
                    .with_value(connection.to_string()),
                ));
            }
            let (job, created) = jobs::enqueue(
                conn,
                jobs::NewJob {
                    config_type,
                    connection,
                    workspace: workspace.id,
                    origin: JobOrigin::Manual,
                },
            )?;
            if created {
                tracing::info!(job_id = job.id, %connection, %config_type, "job queued");
            }
            jobs::get(conn, job.id)
        })
        .await
}

/// A job with its attempts and their logs.
pub async fn get(state: &AppState, id: i64) -> Result<JobWithAttempts> {
    state.db.run(move |conn| jobs::get(conn, id)).await
}

/// One page of a connection's syncs or resets (attempts without logs), newest first unless
/// sorted otherwise, with the cursor of the next page.
pub async fn list(
    state: &AppState,
    mut request: JobListRequestBody,
) -> Result<Listed<JobWithAttemptsRead>> {
    request.check_ranges()?;
    // Defaults are written into the request so that a cursor fingerprints what was meant.
    let sort_by = *request.sort_by.get_or_insert(JobSortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Desc);
    let (paging, query) = super::lists::paging(state, "jobs", &request)?;
    let filter = JobFilter {
        config_type: request.config_type,
        config_id: request.config_id,
        status: request.status,
        created_from: request.created_at_from,
        created_to: request.created_at_to,
    };
    let page = JobPage {
        sort_by,
        order,
        paging,
    };
    super::lists::answer_page(state, page, query, move |conn, page| {
        Ok(
            jobs::list(conn, &filter, page)?.map(|(job, attempts)| JobWithAttemptsRead {
                job: (&job).into(),
                attempts: attempts.iter().map(Into::into).collect(),
            }),
        )
    })
    .await
}

/// Cancels a job: a pending one never starts, a running one is stopped by its worker at the
/// next heartbeat. The store refuses (409) a job that already ended otherwise.
pub async fn cancel(state: &AppState, id: i64) -> Result<JobWithAttempts> {
    let cancelled = state
        .db
        .write(move |conn| {
            jobs::cancel(conn, id)?;
            jobs::get(conn, id)
        })
        .await?;
    tracing::info!(job_id = id, "job cancelled");
    Ok(cancelled)
}
