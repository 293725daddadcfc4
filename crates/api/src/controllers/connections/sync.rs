use crate::app::jobs;
use crate::auth::guard::Runner;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::ConnectionIdRequestBody;
use ferry_domain::job::{JobConfigType, JobInfoRead};

/// Sync a connection now
///
/// Queues a sync and answers at once with its job (`pending`); a worker runs it. When a sync
/// or reset of the connection is already pending or running, answers with that job instead.
/// A deprecated connection, or one in an inactive workspace, is a 422.
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
    let (job, attempts) = jobs::enqueue(&state, request.connection_id, JobConfigType::Sync).await?;
    Ok(web::Json(JobInfoRead::new(&job, &attempts)))
}
