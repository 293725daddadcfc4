use crate::app::jobs;
use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::job::{JobListRequestBody, JobReadList};

/// List the jobs of a connection
///
/// The connection's syncs or resets (`configType`; `configId` is the connection's id), newest
/// first, with their attempts but without their logs. Optional filters (`status`, a
/// creation range), `sortBy`/`sortOrder` and keyset pages (`pageSize`, `cursor`) follow the
/// list convention of docs/API-DESIGN.md, "Lists".
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
) -> ApiResult<ListAnswer<JobReadList>> {
    Ok(jobs::list(&state, request).await?.into())
}
