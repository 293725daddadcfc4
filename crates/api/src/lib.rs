//! Ferry's HTTP RPC layer: actix-web handlers for `POST /api/v1/<resource>/<verb>`, the
//! extractor that validates bodies, the single mapping of errors to HTTP, and the OpenAPI
//! document generated from the handlers themselves.

pub mod app;
pub mod auth;
pub mod controllers;
pub mod docs;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod list_answer;
pub mod metrics;
mod request_log;
pub mod versioning;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, HttpRequest};
use auth::Authenticator;
use ferry_domain::workspace::Regions;
use ferry_persistence::Database;
use ferry_worker::notify::WebhookSender;
use ferry_worker::outbound::OutboundPolicy;
use ferry_worker::tasks::TaskRegistry;
use ferry_worker::{Connectors, Launcher, LauncherSettings};
use std::sync::Arc;
use utoipa::openapi::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

pub use extract::{BodyLimit, BodyReadTimeout};

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Database,
    /// The regions workspaces may be placed in (configuration).
    pub regions: Regions,
    /// Runs connector operations (spec, check, discover).
    pub connectors: Connectors,
    /// Authentication settings, the token signing key and the token rate limiter.
    pub auth: Arc<Authenticator>,
    /// The background tasks of this process and their last runs (shown by `debug`).
    pub tasks: TaskRegistry,
    /// What `/api/metrics` shows.
    pub metrics: Arc<metrics::Metrics>,
    /// Posts test notifications (`notifications/try_webhook`), as the delivery task does.
    pub webhooks: WebhookSender,
    /// What outbound requests (webhooks, `workspaces/sync_from_remote`) may reach.
    pub outbound: OutboundPolicy,
}

impl AppState {
    /// A bare state, for tests: one region (`local`), no connector commands and no docker,
    /// auth off, no background tasks. The server builds its state from configuration.
    pub fn new(db: Database) -> Self {
        let no_connectors = LauncherSettings {
            commands: Default::default(),
            docker: false,
            timeout: std::time::Duration::from_secs(60),
            sync_timeout: std::time::Duration::from_secs(60),
            container: Default::default(),
            config_files_dir: ferry_worker::config_files::default_dir(),
        };
        let metrics = metrics::Metrics::new(prometheus::Registry::new(), db.backend().name())
            .map(Arc::new)
            .unwrap_or_else(|e| panic!("metrics set-up: {e}"));
        // Nothing internal is reachable, as with the default configuration.
        let outbound = OutboundPolicy::default();
        let webhooks = WebhookSender::new(std::time::Duration::from_secs(10), outbound.clone())
            .unwrap_or_else(|e| panic!("webhook client set-up: {e}"));
        AppState {
            db,
            regions: Regions::default(),
            connectors: Connectors::new(Launcher::new(no_connectors)),
            auth: Authenticator::disabled(),
            tasks: TaskRegistry::default(),
            metrics,
            webhooks,
            outbound,
        }
    }
}

/// Per-deployment settings of the HTTP layer.
#[derive(Clone, Debug, Default)]
pub struct ApiSettings {
    pub body_limit: BodyLimit,
    pub body_read_timeout: BodyReadTimeout,
}

/// The whole application: API routes under `/api`, the OpenAPI document at
/// `/api/openapi.json`, the docs page at `/api/docs/`, the web console at `/console/`,
/// and a JSON 404 for anything else.
pub fn app(
    state: AppState,
    settings: ApiSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // The docs are registered before the `/api` scope: a scope answers every path under
    // its prefix, so anything registered after it could never be reached.
    let docs = SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", openapi());
    let docs_redirect = web::resource("/api/docs").get(|| async {
        actix_web::HttpResponse::PermanentRedirect()
            .insert_header((actix_web::http::header::LOCATION, "/api/docs/"))
            .finish()
    });
    // The console is static files outside the `/api` scope: not an API operation.
    let console = App::new()
        .service(docs)
        .service(docs_redirect)
        .configure(controllers::console::register);
    let (app, _) = with_routes(console);
    app.app_data(web::Data::new(state))
        .app_data(web::Data::new(settings.body_limit))
        .app_data(web::Data::new(settings.body_read_timeout))
        .default_service(web::to(no_such_endpoint))
        .wrap(actix_web::middleware::from_fn(idempotency::replay))
        .wrap(actix_web::middleware::from_fn(auth::authenticate))
        .wrap(actix_web::middleware::from_fn(api_version))
        .wrap(actix_web::middleware::from_fn(metrics::observe))
        .wrap(actix_web::middleware::from_fn(request_log::stamp))
        .wrap(tracing_actix_web::TracingLogger::<request_log::RequestLog>::new())
}

/// The OpenAPI document the server serves (also what `ferry openapi` prints).
pub fn openapi() -> OpenApi {
    with_routes(App::new()).1
}

/// The document as JSON text, the same on every run (docs/openapi.json, `ferry openapi`).
pub fn openapi_json() -> String {
    docs::to_json(&openapi())
}

fn with_routes<T>(app: App<T>) -> (App<T>, OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, document) = app
        .into_utoipa_app()
        .openapi(docs::base())
        .service(utoipa_actix_web::scope(docs::BASE_PATH).configure(controllers::register))
        .split_for_parts();
    (app, docs::finish(document))
}

async fn no_such_endpoint(req: HttpRequest) -> Result<actix_web::HttpResponse, error::ApiError> {
    Err(error::ApiError::NoSuchEndpoint {
        method: req.method().to_string(),
        path: req.path().to_string(),
    })
}

/// The API versions this server speaks, as `X-API-Version` names them.
pub const SUPPORTED_API_VERSIONS: &str = "v1";

/// Refuses a request whose `X-API-Version` header names a version this server does not
/// speak (400); a request without the header is served as `v1`.
async fn api_version(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(requested) = req.headers().get("x-api-version") {
        if requested.as_bytes() != SUPPORTED_API_VERSIONS.as_bytes() {
            return Err(error::ApiError::UnsupportedApiVersion {
                requested: String::from_utf8_lossy(requested.as_bytes()).into_owned(),
                supported: SUPPORTED_API_VERSIONS,
            }
            .into());
        }
    }
    next.call(req).await
}
