//! Applications: a user's client credentials, and their exchange for access tokens.

use super::lists::Listed;
use crate::auth::{provision, secrets};
use crate::AppState;
use ferry_domain::access::Caller;
use ferry_domain::application::{
    AccessToken, ApplicationListRequestBody, ApplicationRead, ApplicationSortBy,
    ApplicationTokenRequest,
};
use ferry_domain::list::SortOrder;
use ferry_domain::{Error, Result, Violation};
use ferry_persistence::store::applications;
use ferry_persistence::store::applications::ApplicationPage;
use std::time::Instant;

/// Creates an application for the calling user; the answer carries the client secret, the
/// only time it is shown. The Basic administrator (or anyone with auth off) is no user, so
/// has nobody to create it for.
pub async fn create(state: &AppState, caller: &Caller, name: String) -> Result<ApplicationRead> {
    let user = caller.user_id.ok_or_else(|| {
        Error::invalid(Violation::new(
            "name",
            "an application belongs to a user: call this with a user's token, or run \
             `ferry applications create --user EMAIL`",
        ))
    })?;
    let application = state
        .db
        .write(move |conn| provision::create_application(conn, user, &name))
        .await?;
    tracing::info!(id = %application.id, user_id = %user, client_id = %application.client_id,
        "application created");
    Ok(application)
}

/// One page of the caller's applications (every application for the configured
/// administrator), never with a secret.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut request: ApplicationListRequestBody,
) -> Result<Listed<ApplicationRead>> {
    // Defaults are written into the request so that a cursor fingerprints what was meant.
    let sort_by = *request.sort_by.get_or_insert(ApplicationSortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Asc);
    let (paging, query) = super::lists::paging(state, "applications", &request)?;
    let page = ApplicationPage {
        sort_by,
        order,
        paging,
    };
    let user = caller.user_id;
    super::lists::answer_page(state, page, query, move |conn, page| {
        Ok(applications::list(conn, user, page)?.map(Into::into))
    })
    .await
}

/// Exchanges client credentials for an access token that acts as the application's user
/// until it expires. `peer`: the caller's address, which failures are counted under.
pub async fn issue_token(
    state: &AppState,
    peer: &str,
    request: ApplicationTokenRequest,
) -> Result<AccessToken> {
    let auth = state.auth.clone();
    let client_id = request.client_id.clone();
    if !secrets::is_client_id(&client_id) {
        // Neither counted nor logged: it may be anything, a misplaced secret included.
        return Err(wrong_credentials());
    }
    // Failures count per client id *and* address: client ids are not secret, so counting
    // per id alone would let anyone lock an application out by guessing wrong on purpose.
    let limit_key = format!("{client_id}@{peer}");
    if let Some(retry_after_secs) = auth.token_failures.retry_after(&limit_key, Instant::now()) {
        tracing::warn!(%client_id, retry_after_secs, "token request refused: too many failures");
        return Err(Error::RateLimited { retry_after_secs });
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
            return Err(wrong_credentials());
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
    Ok(AccessToken {
        access_token: token,
        token_type: "Bearer".to_string(),
        expires_in: lifetime,
    })
}

/// One answer for every way client credentials can be wrong: nothing tells which part was.
fn wrong_credentials() -> Error {
    Error::Unauthenticated {
        message: "the client id or client secret is wrong".to_string(),
    }
}
