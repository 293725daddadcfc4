use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::application::ApplicationIdRequestBody;
use ferry_persistence::store::applications;

/// Delete an application
///
/// Its owner, or an instance administrator, may delete it; its tokens stop working at once.
#[utoipa::path(
    tag = "applications",
    operation_id = "deleteApplication",
    params(IfMatch),
    request_body = ApplicationIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/applications/delete")]
pub async fn delete_application(
    state: web::Data<AppState>,
    Body(request, _): Body<ApplicationIdRequestBody, Admin>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.application_id;
    state
        .db
        .write(move |conn| applications::delete(conn, id, expected))
        .await?;
    tracing::info!(%id, "application deleted");
    Ok(HttpResponse::NoContent().finish())
}
