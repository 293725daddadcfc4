//! `metrics`: Prometheus' text format, for scrapers.

use crate::auth::guard::{Guard, InstanceAdmin};
use crate::error::{ApiResult, CommonErrors};
use crate::AppState;
use actix_web::{get, web, HttpResponse};

/// Metrics in Prometheus' text format
///
/// Requests by operation id and status and their latency, the database pool, pending jobs
/// and the age of the oldest, attempts by type and outcome with their durations, records and
/// bytes synced, job start lag, and build info. Instance administrators only (any caller when
/// authentication is off).
#[utoipa::path(
    tag = "health",
    operation_id = "getMetrics",
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain", body = String),
        CommonErrors
    )
)]
#[get("/metrics")]
pub async fn metrics(
    _guard: Guard<InstanceAdmin>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    Ok(crate::metrics::scrape(state).await)
}
