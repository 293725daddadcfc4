//! Identity and access. [`authenticate`] (a middleware) turns credentials into a
//! [`Caller`]; every endpoint then declares, through its extractor's requirement type (see
//! [`guard`]), what it needs over the object its body names, and [`guard::authorize`]
//! enforces that for all of them in one place.

pub mod guard;
pub mod provision;
pub mod rate_limit;
pub mod secrets;
mod targets;
pub mod token;

use crate::error::ApiError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::HttpMessage;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ferry_domain::access::Caller;
use ferry_domain::ids::UserId;
use ferry_domain::Error;
use ferry_persistence::store::{applications, instance_settings, permissions};
use ferry_persistence::Database;
use rate_limit::FailureLimiter;
use std::sync::Arc;
use std::time::{Duration, Instant};
use token::{unauthenticated, SigningKey};

/// The one instance administrator that HTTP Basic authenticates (the 2020 contract's
/// Access section). Never printed.
#[derive(Clone)]
pub struct BasicCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// Off: every call acts as the instance administrator.
    pub enabled: bool,
    pub token_lifetime: Duration,
    /// The signing key (any length; 32 random bytes or more). None: generated once and
    /// kept in the database, so that every replica accepts every token.
    pub signing_key: Option<String>,
    pub basic: Option<BasicCredentials>,
    /// Failed `applications/token` requests per client id allowed within `failure_window`.
    pub max_token_failures: usize,
    pub failure_window: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            enabled: false,
            token_lifetime: Duration::from_secs(3600),
            signing_key: None,
            basic: None,
            max_token_failures: 5,
            failure_window: Duration::from_secs(60),
        }
    }
}

/// What the API needs to authenticate: the settings, the signing key, the rate limiter.
#[derive(Debug)]
pub struct Authenticator {
    pub settings: AuthSettings,
    pub key: SigningKey,
    /// Failed `applications/token` requests, per client id.
    pub token_failures: FailureLimiter,
    /// Failed HTTP Basic attempts, per peer address.
    pub basic_failures: FailureLimiter,
}

/// The name the generated signing key is kept under.
const SIGNING_KEY_SETTING: &str = "token_signing_key";

impl Authenticator {
    /// Reads (or, the first time, generates and stores) the signing key unless
    /// configuration gives one. Blocking: call at start-up.
    pub fn load(db: &Database, settings: AuthSettings) -> Result<Arc<Self>, Error> {
        let key = match &settings.signing_key {
            Some(key) => key.clone(),
            None => {
                let mut conn = db.connection()?;
                instance_settings::get_or_create(
                    &mut conn,
                    SIGNING_KEY_SETTING,
                    secrets::new_signing_key,
                )?
            }
        };
        if key.len() < 32 {
            return Err(Error::internal(
                "auth.signing_key must be at least 32 characters",
            ));
        }
        Ok(Arc::new(Self::with_key(settings, key.into_bytes())))
    }

    pub fn with_key(settings: AuthSettings, key: Vec<u8>) -> Self {
        let limiter = || FailureLimiter::new(settings.max_token_failures, settings.failure_window);
        let (token_failures, basic_failures) = (limiter(), limiter());
        Authenticator {
            settings,
            key: SigningKey::new(key),
            token_failures,
            basic_failures,
        }
    }

    /// Auth off, with a random key (tokens can still be issued, for tests and tools).
    pub fn disabled() -> Arc<Self> {
        let key = secrets::random_bytes(32).unwrap_or_else(|_| vec![7; 32]);
        Arc::new(Self::with_key(AuthSettings::default(), key))
    }
}

/// Resolves the request's credentials to a [`Caller`] kept in the request's extensions.
/// With auth off every request acts as the instance administrator. With auth on, a request
/// without credentials goes on without a caller (the endpoint's guard answers 401 unless the
/// endpoint is public); credentials that are present but not valid are a 401 here.
pub async fn authenticate<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = guard::state_of(req.request()).map_err(ApiError::from)?;
    let auth = &state.auth;
    if guard::is_open_path(req.path()) {
        // The docs page and the OpenAPI document need no credentials.
    } else if !auth.settings.enabled {
        req.extensions_mut().insert(Caller::instance_admin());
    } else if let Some(header) = req.headers().get(AUTHORIZATION) {
        let header = header
            .to_str()
            .map_err(|_| ApiError::from(unauthenticated("the Authorization header is not text")))?
            .to_string();
        let peer = peer_ip(req.request());
        let caller = caller_from_header(&state.db, auth, &header, &peer)
            .await
            .map_err(ApiError::from)?;
        req.extensions_mut().insert(caller);
    }
    let response = next.call(req).await?;
    guard::check_guarded(response)
}

/// The caller's network address (no port), as rate limits key it.
pub fn peer_ip(req: &actix_web::HttpRequest) -> String {
    req.peer_addr()
        .map(|address| address.ip().to_string())
        .unwrap_or_default()
}

async fn caller_from_header(
    db: &Database,
    auth: &Authenticator,
    header: &str,
    peer: &str,
) -> Result<Caller, Error> {
    let (scheme, credentials) = header.trim().split_once(' ').unwrap_or((header, ""));
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        let claims = auth
            .key
            .verify(credentials, chrono::Utc::now().timestamp())?;
        caller_for_token(db, claims.sub, claims.app).await
    } else if scheme.eq_ignore_ascii_case("basic") {
        let basic = auth
            .settings
            .basic
            .as_ref()
            .ok_or_else(|| unauthenticated("HTTP Basic is not enabled on this server"))?;
        if let Some(retry_after_secs) = auth.basic_failures.retry_after(peer, Instant::now()) {
            return Err(Error::RateLimited { retry_after_secs });
        }
        let decoded = STANDARD
            .decode(credentials)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| unauthenticated("the Basic credentials are malformed"))?;
        let (username, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
        // Both compared, whatever the first gives, so timing tells nothing.
        let user_ok = secrets::same(username, &basic.username);
        let password_ok = secrets::same(password, &basic.password);
        if user_ok && password_ok {
            Ok(Caller::instance_admin())
        } else {
            auth.basic_failures.failed(peer, Instant::now());
            tracing::warn!(%peer, "rejected HTTP Basic credentials");
            Err(unauthenticated("the username or password is wrong"))
        }
    } else {
        Err(unauthenticated(
            "unsupported Authorization scheme: use Bearer <access_token> or Basic",
        ))
    }
}

/// The caller a verified token acts for: its application and its user must still be live.
async fn caller_for_token(
    db: &Database,
    user: UserId,
    application: ferry_domain::ids::ApplicationId,
) -> Result<Caller, Error> {
    let grants = db
        .run(move |conn| {
            if !applications::is_live(conn, application, user)? {
                return Ok(None);
            }
            permissions::grants(conn, user).map(Some)
        })
        .await?;
    match grants {
        Some(grants) => Ok(Caller {
            user_id: Some(user),
            grants,
        }),
        None => Err(unauthenticated(
            "the access token's application or user no longer exists",
        )),
    }
}
