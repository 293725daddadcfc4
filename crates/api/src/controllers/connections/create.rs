use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::connection::{ConnectionCreate, ConnectionRead};
use ferry_persistence::store::connections::{self, NewConnection};

/// Create a connection between a source and a destination
///
/// Both must be live and in the same workspace (otherwise 422 naming `sourceId` or
/// `destinationId`). The name defaults to "<source name> <> <destination name>". The schedule
/// is given as the 2020 `schedule` (an interval) or as `scheduleType` with `scheduleData`
/// (`basic` or `cron`); forms that disagree are a 422, and none at all means the connection
/// syncs only when asked.
#[utoipa::path(
    tag = "connection",
    operation_id = "createConnection",
    request_body = ConnectionCreate,
    responses(
        (status = 200, description = "Successful operation", body = ConnectionRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/connections/create")]
pub async fn create_connection(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<ConnectionCreate, Editor>,
) -> ApiResult<Tagged<ConnectionRead>> {
    let schedule = request.decided_schedule()?;
    let new = NewConnection {
        name: request.name.map(String::from),
        source_id: request.source_id,
        destination_id: request.destination_id,
        sync_mode: request.sync_mode,
        sync_schema: request.sync_schema.unwrap_or_default(),
        schedule,
        status: request.status,
        by: caller.user_id,
    };
    let connection = state
        .db
        .write(move |conn| connections::create(conn, &new))
        .await?;
    tracing::info!(connection_id = %connection.id, workspace_id = %connection.workspace_id, "connection created");
    Ok(Tagged(connection.into()))
}
