//! `health` (readiness) and, below it, `health/liveness`: plain GETs, as in the contract.

pub mod liveness;

use crate::auth::guard::{Guard, Public};
use crate::error::ErrorResponse;
use crate::AppState;
use actix_web::{get, web, HttpResponse};
use ferry_domain::system::HealthCheckRead;
use std::time::Duration;

/// How long health waits for a database connection before it answers `db: false`.
const HEALTH_DB_TIMEOUT: Duration = Duration::from_secs(2);

/// Health Check
///
/// Readiness: 200 with `db: true` when the database answered a trivial query within two
/// seconds, otherwise 503 with `db: false`, so load balancers stop sending traffic to a
/// replica that cannot serve it. A full disk (a write refused for want of space, and none
/// accepted since) is a 503 with `storageFull: true`. For liveness (is the process serving at all?) use
/// `health/liveness`, which does not touch the database.
#[utoipa::path(
    tag = "health",
    operation_id = "getHealthCheck",
    security(()),
    responses(
        (status = 200, description = "Successful operation", body = HealthCheckRead),
        (status = 400, description = "Unsupported X-API-Version", body = ErrorResponse),
        (status = 503, description = "The database did not answer, or its storage is full", body = HealthCheckRead)
    )
)]
#[get("/v1/health")]
pub async fn health(_guard: Guard<Public>, state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.is_healthy(HEALTH_DB_TIMEOUT).await;
    let storage_full = state.db.storage_full();
    let mut response = match db && !storage_full {
        true => HttpResponse::Ok(),
        false => HttpResponse::ServiceUnavailable(),
    };
    response.json(HealthCheckRead { db, storage_full })
}
