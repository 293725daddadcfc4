use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionRead, ConnectionUpdate};
use ferry_persistence::store::connections::{self, ConnectionChanges};

/// Update a connection
///
/// Replaces the sync schema, the schedule and the status, atomically. The schedule is given
/// as the 2020 `schedule` or as `scheduleType` with `scheduleData`; forms that disagree are a
/// 422, and none at all makes the connection manual. A deprecated connection cannot be
/// re-activated (422).
#[utoipa::path(
    tag = "connection",
    operation_id = "updateConnection",
    params(IfMatch),
    request_body = ConnectionUpdate,
    responses(
        (status = 200, description = "Successful operation", body = ConnectionRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/connections/update")]
pub async fn update_connection(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<ConnectionUpdate, Editor>,
    if_match: IfMatch,
) -> ApiResult<Tagged<ConnectionRead>> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.connection_id;
    let schedule = request.decided_schedule()?;
    let changes = ConnectionChanges {
        sync_schema: request.sync_schema,
        schedule,
        status: request.status,
        by: caller.user_id,
        expected_version: expected,
    };
    let connection = state
        .db
        .write(move |conn| connections::update(conn, id, &changes))
        .await?;
    tracing::info!(connection_id = %id, status = %connection.status, "connection updated");
    Ok(Tagged(connection.into()))
}
