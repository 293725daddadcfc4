use crate::app::applications;
use crate::auth::guard::{Authenticated, CurrentCaller};
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::OptionalBody;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::application::{ApplicationListRequestBody, ApplicationReadList};

/// List applications
///
/// The calling user's applications (every application for the configured administrator),
/// never with a secret. With no body (or `{}`) all of them, oldest first, unpaged;
/// `sortOrder` and keyset pages (`pageSize`, `cursor`) follow docs/API-DESIGN.md, "Lists".
#[utoipa::path(
    tag = "applications",
    operation_id = "listApplications",
    request_body(content = Option<ApplicationListRequestBody>, description = "Optional"),
    responses(
        (status = 200, description = "Successful operation", body = ApplicationReadList),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/applications/list")]
pub async fn list_applications(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    OptionalBody(request, _): OptionalBody<ApplicationListRequestBody, Authenticated>,
) -> ApiResult<ListAnswer<ApplicationReadList>> {
    Ok(applications::list(&state, &caller, request).await?.into())
}
