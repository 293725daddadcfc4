use crate::auth::guard::{Authenticated, CurrentCaller, Guard};
use crate::error::{ApiResult, CommonErrors};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::application::ApplicationReadList;
use ferry_persistence::store::applications;

/// List applications
///
/// The calling user's applications (every application for the configured administrator),
/// never with a secret.
#[utoipa::path(
    tag = "applications",
    operation_id = "listApplications",
    responses(
        (status = 200, description = "Successful operation", body = ApplicationReadList),
        CommonErrors
    )
)]
#[post("/v1/applications/list")]
pub async fn list_applications(
    _guard: Guard<Authenticated>,
    CurrentCaller(caller): CurrentCaller,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<ApplicationReadList>> {
    let user = caller.user_id;
    let applications = state
        .db
        .run(move |conn| applications::list(conn, user))
        .await?;
    Ok(web::Json(ApplicationReadList {
        applications: applications.into_iter().map(Into::into).collect(),
    }))
}
