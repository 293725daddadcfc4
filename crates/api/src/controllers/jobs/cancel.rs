use crate::app::jobs;
use crate::auth::guard::Runner;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::job::{JobIdRequestBody, JobInfoRead};

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
    let (job, attempts) = jobs::cancel(&state, request.id).await?;
    Ok(web::Json(JobInfoRead::new(&job, &attempts)))
}
