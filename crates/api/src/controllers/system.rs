//! `health` and `debug`: plain GETs, as in the contract.

use crate::auth::guard::{Guard, InstanceAdmin, Public};
use crate::AppState;
use actix_web::{get, web};
use ferry_domain::system::{DebugRead, HealthCheckRead};
use std::time::Duration;

/// How long health waits for a database connection before it answers `db: false`.
const HEALTH_DB_TIMEOUT: Duration = Duration::from_secs(2);

/// Health Check
///
/// Always 200; `db` tells whether the database answered.
#[utoipa::path(
    tag = "health",
    operation_id = "getHealthCheck",
    security(()),
    responses((status = 200, description = "Successful operation", body = HealthCheckRead))
)]
#[get("/v1/health")]
pub async fn health(
    _guard: Guard<Public>,
    state: web::Data<AppState>,
) -> web::Json<HealthCheckRead> {
    let db = state.db.is_healthy(HEALTH_DB_TIMEOUT).await;
    web::Json(HealthCheckRead { db })
}

/// Get miscellaneous information for debugging
#[utoipa::path(
    tag = "debugging",
    operation_id = "getDebuggingInfo",
    responses((status = 200, description = "Successful operation", body = DebugRead))
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
