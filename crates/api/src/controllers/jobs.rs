//! `connections/sync|reset` and `jobs/*`. A sync or reset is queued as a job and answered
//! at once; a worker runs it. A connection has at most one pending or running at a time: a
//! second call answers with that job.

use crate::auth::guard::{Reader, Runner};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionIdRequestBody, ConnectionStatus};
use ferry_domain::ids::ConnectionId;
use ferry_domain::job::{
    JobConfigType, JobIdRequestBody, JobInfoRead, JobListRequestBody, JobReadList,
    JobWithAttemptsRead,
};
use ferry_domain::workspace::WorkspaceStatus;
use ferry_domain::{Error, Violation};
use ferry_persistence::store::{connections, jobs, workspaces};

async fn enqueue(
    state: &AppState,
    connection: ConnectionId,
    config_type: JobConfigType,
) -> ApiResult<JobInfoRead> {
    let (job, attempts) = state
        .db
        .write(move |conn| {
            let found = connections::get(conn, connection)?;
            if found.status == ConnectionStatus::Deprecated {
                return Err(Error::invalid(
                    Violation::new("connectionId", "names a deprecated (deleted) connection")
                        .with_value(connection.to_string()),
                ));
            }
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
            let (job, created) = jobs::enqueue(conn, config_type, connection)?;
            if created {
                tracing::info!(job_id = job.id, %connection, %config_type, "job queued");
            }
            jobs::get(conn, job.id)
        })
        .await?;
    Ok(JobInfoRead::new(&job, &attempts))
}

/// Sync a connection now
///
/// Answers at once with the queued job (pending), or with the sync or reset already pending
/// or running for the connection.
#[utoipa::path(
    tag = "connection",
    operation_id = "syncConnection",
    request_body = ConnectionIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = JobInfoRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/connections/sync")]
pub async fn sync_connection(
    state: web::Data<AppState>,
    Body(request, _): Body<ConnectionIdRequestBody, Runner>,
) -> ApiResult<web::Json<JobInfoRead>> {
    Ok(web::Json(
        enqueue(&state, request.connection_id, JobConfigType::Sync).await?,
    ))
}

/// Reset the data in the destination of a connection
///
/// Empties the connection's streams in the destination and forgets its state, so the next
/// incremental sync starts over. Answers at once, like `connections/sync`.
#[utoipa::path(
    tag = "connection",
    operation_id = "resetConnection",
    request_body = ConnectionIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = JobInfoRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/connections/reset")]
pub async fn reset_connection(
    state: web::Data<AppState>,
    Body(request, _): Body<ConnectionIdRequestBody, Runner>,
) -> ApiResult<web::Json<JobInfoRead>> {
    Ok(web::Json(
        enqueue(
            &state,
            request.connection_id,
            JobConfigType::ResetConnection,
        )
        .await?,
    ))
}

/// Get information about a job: its attempts and the last 1,000 lines of each one's log
#[utoipa::path(
    tag = "jobs",
    operation_id = "getJobInfo",
    request_body = JobIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = JobInfoRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/jobs/get")]
pub async fn get_job(
    state: web::Data<AppState>,
    Body(request, _): Body<JobIdRequestBody, Reader>,
) -> ApiResult<web::Json<JobInfoRead>> {
    let id = request.id;
    let (job, attempts) = state.db.run(move |conn| jobs::get(conn, id)).await?;
    Ok(web::Json(JobInfoRead::new(&job, &attempts)))
}

/// Returns recent jobs for a connection, newest first
#[utoipa::path(
    tag = "jobs",
    operation_id = "listJobsFor",
    request_body = JobListRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = JobReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/jobs/list")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    Body(request, _): Body<JobListRequestBody, Reader>,
) -> ApiResult<web::Json<JobReadList>> {
    let found = state
        .db
        .run(move |conn| jobs::list(conn, request.config_type, &request.config_id))
        .await?;
    Ok(web::Json(JobReadList {
        jobs: found
            .iter()
            .map(|(job, attempts)| JobWithAttemptsRead {
                job: job.into(),
                attempts: attempts.iter().map(Into::into).collect(),
            })
            .collect(),
    }))
}

/// Cancel a job
///
/// A pending job never starts; a running one has its connectors stopped within a heartbeat.
/// Cancelling a cancelled job changes nothing; a job that ended otherwise is a 409.
#[utoipa::path(
    tag = "jobs",
    operation_id = "cancelJob",
    request_body = JobIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = JobInfoRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/jobs/cancel")]
pub async fn cancel_job(
    state: web::Data<AppState>,
    Body(request, _): Body<JobIdRequestBody, Runner>,
) -> ApiResult<web::Json<JobInfoRead>> {
    let id = request.id;
    let (job, attempts) = state
        .db
        .write(move |conn| {
            jobs::cancel(conn, id)?;
            jobs::get(conn, id)
        })
        .await?;
    tracing::info!(job_id = id, "job cancelled");
    Ok(web::Json(JobInfoRead::new(&job, &attempts)))
}
