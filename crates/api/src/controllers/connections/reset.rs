use crate::app::jobs;
use crate::auth::guard::Runner;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::ConnectionIdRequestBody;
use ferry_domain::job::{JobConfigType, JobInfoRead};

/// Reset the data in the destination of a connection
///
/// Queues a reset, which empties the connection's streams in the destination and forgets its
/// state, so the next incremental sync starts over. Answers at once, like `connections/sync`,
/// with the sync or reset already pending or running if there is one. A deprecated connection
/// is a 422.
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
    let (job, attempts) = jobs::enqueue(
        &state,
        request.connection_id,
        JobConfigType::ResetConnection,
    )
    .await?;
    Ok(web::Json(JobInfoRead::new(&job, &attempts)))
}
