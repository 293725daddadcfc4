use crate::auth::guard::{authorize, CurrentCaller, Guarded, Reader};
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::{app, AppState};
use actix_web::{post, web, HttpRequest};
use ferry_domain::access::Requirement;
use ferry_domain::export::{WorkspaceExport, WorkspaceExportRequestBody};
use ferry_domain::permission::Role;

/// Export a workspace
///
/// A versioned JSON document (`ferryExportVersion: 1`) of the workspace's live sources,
/// destinations and connections (configurations, catalogs, schedules, statuses), referring
/// to definitions by docker repository and tag, for `workspaces/import`. Secret values are
/// left out (the mask stands in their place) unless `includeSecrets` is true: then they are
/// encrypted with AES-256-GCM under a key derived from `passphrase` (Argon2id, with a random
/// salt the document carries), and the caller must be a workspace admin (403 otherwise).
#[utoipa::path(
    tag = "workspace",
    operation_id = "exportWorkspace",
    request_body = WorkspaceExportRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceExport),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/export")]
pub async fn export_workspace(
    state: web::Data<AppState>,
    req: HttpRequest,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<WorkspaceExportRequestBody, Reader>,
) -> ApiResult<web::Json<WorkspaceExport>> {
    if request.includes_secrets() {
        // Secrets leave the server: what reads them otherwise (duplicate) needs admin.
        authorize(
            &req,
            &caller,
            Requirement::Role(Role::Admin),
            request.targets(),
        )
        .await?;
    }
    let document = app::transfer::export(&state, request).await?;
    Ok(web::Json(document))
}
