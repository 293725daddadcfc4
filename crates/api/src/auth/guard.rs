//! Authorization, declared by each endpoint and enforced here for all of them.
//!
//! An endpoint declares what it needs with the requirement type of its extractor:
//! `Body<SourceCreate, Editor>` means "at least editor over the workspace the body names".
//! What the body names comes from [`Guarded`], implemented once per request type. The
//! extractor then calls [`authorize`]: no caller -> 401; a target the caller may not see ->
//! 404, as if it did not exist; seen but not enough -> 403 naming the permission required.
//! Handlers hold no access checks of their own.
//!
//! As a backstop, [`check_guarded`] refuses (500) any response of an API endpoint whose
//! handler ran without a guard: an endpoint added without a declared requirement cannot
//! serve anything.

use crate::error::ApiError;
use crate::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceResponse};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use ferry_domain::access::{decide, Caller, Decision, Requirement, Target};
use ferry_domain::permission::Role;
use ferry_domain::Error;
use ferry_persistence::store::access;
use futures_util::future::{ready, LocalBoxFuture, Ready};
use std::marker::PhantomData;

/// A requirement an endpoint declares through its extractor's type parameter.
pub trait Requires: 'static {
    const REQUIREMENT: Requirement;
}

macro_rules! requirements {
    ($($(#[$doc:meta])* $name:ident => $requirement:expr;)+) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl Requires for $name {
                const REQUIREMENT: Requirement = $requirement;
            }
        )+
    };
}

requirements! {
    /// No credentials needed.
    Public => Requirement::Public;
    /// Any authenticated caller.
    Authenticated => Requirement::Authenticated;
    /// The instance administrator.
    InstanceAdmin => Requirement::InstanceAdmin;
    /// `organization_member` (sees an organization only).
    Member => Requirement::Role(Role::Member);
    /// `workspace_reader` / `organization_reader`; a user reading itself.
    Reader => Requirement::Role(Role::Reader);
    /// `workspace_runner` / `organization_runner`: start and cancel syncs, resets, checks.
    Runner => Requirement::Role(Role::Runner);
    /// `workspace_editor` / `organization_editor`: sources, destinations, connections.
    Editor => Requirement::Role(Role::Editor);
    /// `workspace_admin` / `organization_admin`: the scope itself and its members; a user
    /// changing itself.
    Admin => Requirement::Role(Role::Admin);
}

/// What a request body names, for authorization.
pub trait Guarded {
    fn targets(&self) -> Vec<Target>;
}

/// Marks a request whose endpoint declared its requirement and passed it.
#[derive(Clone, Copy)]
struct Guarded_;

/// Marks a request as guarded without running its endpoint: an idempotent replay answers
/// what the endpoint answered, under its guard, to the same caller.
pub fn mark_guarded(req: &HttpRequest) {
    req.extensions_mut().insert(Guarded_);
}

/// The caller of a request (as [`super::authenticate`] left it), if any.
pub fn caller_of(req: &HttpRequest) -> Option<Caller> {
    req.extensions().get::<Caller>().cloned()
}

/// The application state (always registered by [`crate::app`]).
pub fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, Error> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Error::internal("no application state"))
}

/// The caller an endpoint with `requirement` may run for: 401 when one is needed and the
/// request carried no credentials.
pub fn require_caller(req: &HttpRequest, requirement: Requirement) -> Result<Caller, Error> {
    match caller_of(req) {
        Some(caller) => Ok(caller),
        None if requirement == Requirement::Public => Ok(Caller {
            user_id: None,
            grants: Vec::new(),
        }),
        None => Err(Error::Unauthenticated {
            message: "authentication required: send Authorization: Bearer <access_token> \
                      (from applications/token) or Basic credentials"
                .to_string(),
        }),
    }
}

/// Checks `requirement` over every target, looking each up (one query each) unless the
/// caller is the instance administrator, and marks the request as guarded.
pub async fn authorize(
    req: &HttpRequest,
    caller: &Caller,
    requirement: Requirement,
    targets: Vec<Target>,
) -> Result<(), Error> {
    if requirement != Requirement::Public && !caller.is_instance_admin() {
        let state = state_of(req)?;
        for target in targets {
            let lookup = target.clone();
            let scope = state
                .db
                .run(move |conn| access::resolve(conn, &lookup))
                .await?;
            let Some(scope) = scope else {
                return Err(target.not_found());
            };
            match decide(caller, requirement, &scope) {
                Decision::Allow => {}
                Decision::Hide => return Err(target.not_found()),
                Decision::Forbid(required) => {
                    return Err(Error::Forbidden {
                        required: required.as_str().to_string(),
                    })
                }
            }
        }
    }
    req.extensions_mut().insert(Guarded_);
    Ok(())
}

/// A guard for endpoints without a body (`health`, `debug`, some lists): the requirement
/// over the instance.
pub struct Guard<R>(PhantomData<R>);

impl<R: Requires> FromRequest for Guard<R> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = require_caller(&req, R::REQUIREMENT)?;
            authorize(&req, &caller, R::REQUIREMENT, vec![Target::Instance]).await?;
            Ok(Guard(PhantomData))
        })
    }
}

/// The authenticated caller, for handlers that record who acted or narrow a list. It only
/// reads what the guard established; it decides nothing.
pub struct CurrentCaller(pub Caller);

impl FromRequest for CurrentCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            require_caller(req, Requirement::Authenticated)
                .map(CurrentCaller)
                .map_err(ApiError::from),
        )
    }
}

/// The paths that are open whatever the configuration: the docs page, the OpenAPI
/// document and the web console's static files (which sign in through the API).
/// Everything else is authenticated (an exact list, so that an oddly spelled API path
/// cannot slip past).
pub fn is_open_path(path: &str) -> bool {
    path == "/api/openapi.json"
        || path == "/api/docs"
        || path.starts_with("/api/docs/")
        || path == "/console"
        || path.starts_with("/console/")
}

/// Refuses the response of an API endpoint that ran without a guard (see the module doc).
pub fn check_guarded<B: MessageBody>(
    response: ServiceResponse<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let unguarded = {
        let request = response.request();
        request.match_pattern().is_some()
            && !is_open_path(request.path())
            && request.extensions().get::<Guarded_>().is_none()
            && response.status().is_success()
    };
    if !unguarded {
        return Ok(response.map_into_left_body());
    }
    let path = response.request().path().to_string();
    let refusal = ApiError::from(Error::internal(format!(
        "endpoint {path} declares no permission; its response was withheld"
    )));
    let (request, _) = response.into_parts();
    let response = actix_web::ResponseError::error_response(&refusal);
    Ok(ServiceResponse::new(request, response).map_into_right_body())
}

/// Whose view a list is narrowed to: None for the instance administrator (everything).
pub fn visible_to(caller: &Caller) -> Result<Option<ferry_domain::ids::UserId>, Error> {
    if caller.is_instance_admin() {
        return Ok(None);
    }
    caller
        .user_id
        .map(Some)
        .ok_or_else(|| Error::internal("a caller that is no administrator has no user"))
}
