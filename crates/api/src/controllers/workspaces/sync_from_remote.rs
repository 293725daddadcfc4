use crate::auth::guard::{CurrentCaller, InstanceAdmin};
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound, UpstreamErrors};
use crate::extract::Body;
use crate::{app, AppState};
use actix_web::{post, web};
use ferry_domain::workspace::{WorkspaceSyncFromRemoteRead, WorkspaceSyncFromRemoteRequestBody};

/// Copy workspaces from another server
///
/// Reads every workspace another Airbyte-compatible Configuration API lists (Airbyte's, or
/// another Ferry's: `<url>/v1/workspaces/list`, following `nextCursor` pages), authenticated
/// with a bearer token or Basic credentials, and creates in `organizationId` those whose
/// `workspaceId` is not known here, keeping their ids, names, emails, descriptions and flags.
/// Repeating it creates nothing new. Instance administrators only. The other server's
/// failures are a 502 naming its status; each request to it is bounded (10 s to connect,
/// 30 s in all). A `url` that reaches an internal address (as for webhooks) is a 422 unless the
/// server's `outbound.allow` lists it; a name that resolves only to such addresses is a 502.
#[utoipa::path(
    tag = "workspace",
    operation_id = "syncWorkspacesFromRemote",
    request_body = WorkspaceSyncFromRemoteRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceSyncFromRemoteRead),
        NotFound, BodyErrors, UpstreamErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/sync_from_remote")]
pub async fn sync_workspaces_from_remote(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<WorkspaceSyncFromRemoteRequestBody, InstanceAdmin>,
) -> ApiResult<web::Json<WorkspaceSyncFromRemoteRead>> {
    let synced = app::workspaces::sync_from_remote(&state, &caller, request).await?;
    Ok(web::Json(synced))
}
