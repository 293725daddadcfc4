use crate::auth::guard::{CurrentCaller, Editor};
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, ConnectorErrors, NotFound};
use crate::extract::Body;
use crate::{app, AppState};
use actix_web::{post, web};
use ferry_domain::export::{WorkspaceImportRead, WorkspaceImportRequestBody};

/// Import a workspace
///
/// Creates a new workspace in `organizationId` from a `workspaces/export` document, with its
/// sources, destinations and connections, in one transaction: a failure leaves nothing.
/// Definitions are matched by type, docker repository and tag (a missing one is a 422 naming
/// it). Encrypted secrets need the document's `passphrase` (a wrong one is a 422); secrets
/// the document left out are taken from `secrets`, or the source or destination is created
/// without them and listed in `missingSecrets`. An unknown `ferryExportVersion` is a 422.
/// Each definition's specification tells which values are secrets: a connector that cannot be
/// run to give it is a 502, and nothing is imported.
#[utoipa::path(
    tag = "workspace",
    operation_id = "importWorkspace",
    request_body = WorkspaceImportRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceImportRead),
        NotFound, Conflict, BodyErrors, ConnectorErrors, CommonErrors
    )
)]
#[post("/v1/workspaces/import")]
pub async fn import_workspace(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<WorkspaceImportRequestBody, Editor>,
) -> ApiResult<web::Json<WorkspaceImportRead>> {
    let imported = app::transfer::import(&state, &caller, request).await?;
    Ok(web::Json(imported))
}
