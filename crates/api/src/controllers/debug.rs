//! `debug`: a plain GET, as in the contract.

use crate::auth::guard::{Guard, InstanceAdmin};
use crate::error::CommonErrors;
use crate::AppState;
use actix_web::{get, web};
use ferry_domain::system::DebugRead;

/// Get miscellaneous information for debugging
///
/// The server's version and database backend, and each background task of this process
/// (`tasks`: period, runs, failures, last start, duration, summary and error). Instance
/// administrators only.
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
            "tasks": state.tasks.snapshot(),
        }),
    })
}
