use crate::app::applications;
use crate::auth::guard::{Authenticated, CurrentCaller};
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::application::{ApplicationCreate, ApplicationRead};

/// Create an application
///
/// Creates client credentials for the calling user. The answer is the only place its
/// `clientSecret` ever appears: only a hash of it is kept. A caller that is no user (the
/// Basic administrator, or anyone while auth is off) is a 422.
#[utoipa::path(
    tag = "applications",
    operation_id = "createApplication",
    request_body = ApplicationCreate,
    responses(
        (status = 200, description = "Successful operation", body = ApplicationRead),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/applications/create")]
pub async fn create_application(
    state: web::Data<AppState>,
    CurrentCaller(caller): CurrentCaller,
    Body(request, _): Body<ApplicationCreate, Authenticated>,
) -> ApiResult<Tagged<ApplicationRead>> {
    let name = request.name.as_str().to_string();
    let application = applications::create(&state, &caller, name).await?;
    Ok(Tagged(application))
}
