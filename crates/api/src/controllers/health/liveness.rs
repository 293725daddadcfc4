use crate::auth::guard::{Guard, Public};
use crate::error::ErrorResponse;
use actix_web::{get, web};
use ferry_domain::system::LivenessRead;

/// Liveness
///
/// Always 200 while the process serves requests; it does not touch the database (a
/// database outage must not make an orchestrator restart every replica).
#[utoipa::path(
    tag = "health",
    operation_id = "getLiveness",
    security(()),
    responses(
        (status = 200, description = "The process is serving", body = LivenessRead),
        (status = 400, description = "Unsupported X-API-Version", body = ErrorResponse)
    )
)]
#[get("/v1/health/liveness")]
pub async fn liveness(_guard: Guard<Public>) -> web::Json<LivenessRead> {
    web::Json(LivenessRead { live: true })
}
