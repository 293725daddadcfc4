//! `applications/*`: a user's client credentials, and `applications/token`, which exchanges
//! them for a signed, expiring access token.

use crate::auth::guard::{Admin, Authenticated, CurrentCaller, Guard, Public};
use crate::auth::{provision, secrets};
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web, HttpRequest, HttpResponse};
use ferry_domain::application::*;
use ferry_domain::{Error, Violation};
use ferry_persistence::store::applications;
use std::time::Instant;

/// Creates an application for the calling user. The answer is the only place its
/// `clientSecret` ever appears: only a hash of it is kept.
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
) -> ApiResult<web::Json<ApplicationRead>> {
    let user = caller.user_id.ok_or_else(|| {
        Error::invalid(Violation::new(
            "name",
            "an application belongs to a user: call this with a user's token, or run \
             `ferry applications create --user EMAIL`",
        ))
    })?;
    let application = state
        .db
        .write(move |conn| provision::create_application(conn, user, request.name.as_str()))
        .await?;
    tracing::info!(id = %application.id, user_id = %user, client_id = %application.client_id,
        "application created");
    Ok(web::Json(application))
}

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

/// Deletes an application (its owner, or an instance administrator): its tokens stop
/// working at once.
#[utoipa::path(
    tag = "applications",
    operation_id = "deleteApplication",
    request_body = ApplicationIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/applications/delete")]
pub async fn delete_application(
    state: web::Data<AppState>,
    Body(request, _): Body<ApplicationIdRequestBody, Admin>,
) -> ApiResult<HttpResponse> {
    let id = request.application_id;
    state
        .db
        .write(move |conn| applications::delete(conn, id))
        .await?;
    tracing::info!(%id, "application deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Exchanges client credentials for an access token (`Authorization: Bearer ...`) that acts
/// with the permissions of the application's user until it expires. Repeated failures for
/// one client id are refused for a while (429 with Retry-After).
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
    let auth = state.auth.clone();
    let client_id = request.client_id.clone();
    if !secrets::is_client_id(&client_id) {
        // Neither counted nor logged: it may be anything, a misplaced secret included.
        return Err(wrong_credentials().into());
    }
    // Failures count per client id *and* address: client ids are not secret, so counting
    // per id alone would let anyone lock an application out by guessing wrong on purpose.
    let limit_key = format!("{client_id}@{}", crate::auth::peer_ip(&req));
    if let Some(retry_after_secs) = auth.token_failures.retry_after(&limit_key, Instant::now()) {
        tracing::warn!(%client_id, retry_after_secs, "token request refused: too many failures");
        return Err(Error::RateLimited { retry_after_secs }.into());
    }
    let lookup = client_id.clone();
    let found = state
        .db
        .run(move |conn| applications::credentials(conn, &lookup))
        .await?;
    let application = match found {
        Some((application, hash)) if secrets::secret_matches(&request.client_secret, &hash) => {
            application
        }
        _ => {
            auth.token_failures.failed(&limit_key, Instant::now());
            tracing::warn!(%client_id, "token request with wrong client credentials");
            return Err(wrong_credentials().into());
        }
    };
    auth.token_failures.succeeded(&limit_key);
    let lifetime = auth.settings.token_lifetime.as_secs();
    let token = auth.key.issue(
        application.user_id,
        application.id,
        chrono::Utc::now().timestamp(),
        lifetime,
    );
    tracing::info!(%client_id, application_id = %application.id, "access token issued");
    Ok(web::Json(AccessToken {
        access_token: token,
        token_type: "Bearer".to_string(),
        expires_in: lifetime,
    }))
}

/// One answer for every way client credentials can be wrong: nothing tells which part was.
fn wrong_credentials() -> Error {
    Error::Unauthenticated {
        message: "the client id or client secret is wrong".to_string(),
    }
}
