use crate::app::applications;
use crate::auth::guard::Public;
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web, HttpRequest};
use ferry_domain::application::{AccessToken, ApplicationTokenRequest};

/// Get an access token
///
/// Exchanges client credentials for an access token (`Authorization: Bearer ...`) that acts
/// with the permissions of the application's user until it expires. After repeated failures
/// for one client id from one address, requests are refused for a while (429 with
/// Retry-After).
#[utoipa::path(
    tag = "applications",
    operation_id = "applicationTokenRequest",
    request_body = ApplicationTokenRequest,
    security(()),
    responses(
        (status = 200, description = "Successful operation", body = AccessToken),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/applications/token")]
pub async fn application_token_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    Body(request, _): Body<ApplicationTokenRequest, Public>,
) -> ApiResult<web::Json<AccessToken>> {
    let peer = crate::auth::peer_ip(&req);
    let token = applications::issue_token(&state, &peer, request).await?;
    Ok(web::Json(token))
}
