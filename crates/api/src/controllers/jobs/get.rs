use crate::app::jobs;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::job::{JobIdRequestBody, JobInfoRead};

/// Get a job
///
/// The job with its attempts, and the last 1,000 lines of each attempt's log.
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
    let (job, attempts) = jobs::get(&state, request.id).await?;
    Ok(web::Json(JobInfoRead::new(&job, &attempts)))
}
