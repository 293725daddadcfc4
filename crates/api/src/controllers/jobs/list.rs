use crate::app::jobs;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::job::{JobListRequestBody, JobReadList, JobWithAttemptsRead};

/// List the jobs of a connection
///
/// The connection's syncs or resets (`configType`; `configId` is the connection's id), newest
/// first, with their attempts but without their logs.
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
    let found = jobs::list(&state, request.config_type, request.config_id).await?;
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
