//! `health` and `debug`: plain GETs, as in the contract.

use crate::auth::guard::{Guard, InstanceAdmin, Public};
use crate::error::{CommonErrors, ErrorResponse};
use crate::AppState;
use actix_web::{get, web, HttpResponse};
use ferry_domain::system::{DebugRead, HealthCheckRead, LivenessRead};
use std::time::Duration;

/// How long health waits for a database connection before it answers `db: false`.
const HEALTH_DB_TIMEOUT: Duration = Duration::from_secs(2);

/// Health Check
///
/// Readiness: 200 with `db: true` when the database answered a trivial query within two
/// seconds, otherwise 503 with `db: false`, so load balancers stop sending traffic to a
/// replica that cannot serve it. For liveness (is the process serving at all?) use
/// `health/liveness`, which does not touch the database.
#[utoipa::path(
    tag = "health",
    operation_id = "getHealthCheck",
    security(()),
    responses(
        (status = 200, description = "Successful operation", body = HealthCheckRead),
        (status = 400, description = "Unsupported X-API-Version", body = ErrorResponse),
        (status = 503, description = "The database did not answer", body = HealthCheckRead)
    )
)]
#[get("/v1/health")]
pub async fn health(_guard: Guard<Public>, state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.is_healthy(HEALTH_DB_TIMEOUT).await;
    let mut response = match db {
        true => HttpResponse::Ok(),
        false => HttpResponse::ServiceUnavailable(),
    };
    response.json(HealthCheckRead { db })
}

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

/// Get miscellaneous information for debugging
#[utoipa::path(
    tag = "debugging",
    operation_id = "getDebuggingInfo",
    responses(
        (status = 200, description = "Successful operation", body = DebugRead),
        CommonErrors
    )
)]
#[get("/v1/debug")]
pub async fn debug(
    _guard: Guard<InstanceAdmin>,
    state: web::Data<AppState>,
) -> web::Json<DebugRead> {
    web::Json(DebugRead {
        info: serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "database": state.db.backend().name(),
        }),
    })
}
