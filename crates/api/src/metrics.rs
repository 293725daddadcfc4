//! `GET /api/metrics`: Prometheus' text format. Requests by operation id and status with a
//! latency histogram per operation (counted by [`observe`], a middleware), the database pool
//! (in use, idle, waits), jobs by type and status, pending jobs and the age of the oldest, build info, and what the
//! worker counts (`ferry_worker::metrics`) in the same registry.

use crate::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::web;
use ferry_domain::Result;
use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};
use std::collections::HashMap;
use std::time::Instant;

pub struct Metrics {
    registry: Registry,
    /// Route pattern (`/api/v1/workspaces/list`) -> operation id (`listWorkspaces`).
    operations: HashMap<String, String>,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_in_use: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    pool_waits: IntCounter,
    pool_wait_seconds: prometheus::Counter,
    jobs_pending: IntGauge,
    oldest_pending_age: Gauge,
    jobs: IntGaugeVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// The API's metrics, registered in `registry` (which may hold the worker's too).
    pub fn new(registry: Registry, backend: &str) -> prometheus::Result<Self> {
        let operations = operation_ids();
        let metrics = Metrics {
            operations,
            requests: IntCounterVec::new(
                Opts::new(
                    "ferry_http_requests_total",
                    "HTTP requests answered, by operation id and status",
                ),
                &["operation", "status"],
            )?,
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "ferry_http_request_duration_seconds",
                    "Time to answer, by operation id",
                )
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
                ]),
                &["operation"],
            )?,
            pool_in_use: IntGauge::new(
                "ferry_db_pool_connections_in_use",
                "Pooled connections in use",
            )?,
            pool_idle: IntGauge::new("ferry_db_pool_connections_idle", "Pooled connections idle")?,
            pool_max: IntGauge::new("ferry_db_pool_connections_max", "The pool's size")?,
            pool_waits: IntCounter::new(
                "ferry_db_pool_waits_total",
                "Connections taken from the pool",
            )?,
            pool_wait_seconds: prometheus::Counter::new(
                "ferry_db_pool_wait_seconds_total",
                "Time spent waiting for a pooled connection",
            )?,
            jobs_pending: IntGauge::new("ferry_jobs_pending", "Jobs waiting for a worker")?,
            oldest_pending_age: Gauge::new(
                "ferry_jobs_oldest_pending_age_seconds",
                "How long the oldest pending job has waited (0 when none)",
            )?,
            jobs: IntGaugeVec::new(
                Opts::new("ferry_jobs", "Jobs in the database, by type and status"),
                &["config_type", "status"],
            )?,
            registry,
        };
        let build = IntGaugeVec::new(
            Opts::new("ferry_build_info", "The running build (always 1)"),
            &["version", "backend"],
        )?;
        build
            .with_label_values(&[env!("CARGO_PKG_VERSION"), backend])
            .set(1);
        let registry = &metrics.registry;
        registry.register(Box::new(build))?;
        // The process's own figures under their conventional names (resident memory, CPU
        // seconds, open and maximum file descriptors, threads, start time), read from /proc at
        // each scrape.
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        registry.register(Box::new(metrics.requests.clone()))?;
        registry.register(Box::new(metrics.latency.clone()))?;
        registry.register(Box::new(metrics.pool_in_use.clone()))?;
        registry.register(Box::new(metrics.pool_idle.clone()))?;
        registry.register(Box::new(metrics.pool_max.clone()))?;
        registry.register(Box::new(metrics.pool_waits.clone()))?;
        registry.register(Box::new(metrics.pool_wait_seconds.clone()))?;
        registry.register(Box::new(metrics.jobs_pending.clone()))?;
        registry.register(Box::new(metrics.oldest_pending_age.clone()))?;
        registry.register(Box::new(metrics.jobs.clone()))?;
        Ok(metrics)
    }

    /// Every metric, read now, in Prometheus' text format.
    pub async fn exposition(&self, state: &AppState) -> Result<String> {
        let pool = state.db.pool_stats();
        self.pool_in_use.set(i64::from(pool.in_use));
        self.pool_idle.set(i64::from(pool.idle));
        self.pool_max.set(i64::from(pool.max));
        self.pool_waits.reset();
        self.pool_waits.inc_by(pool.waits);
        self.pool_wait_seconds.reset();
        self.pool_wait_seconds.inc_by(pool.waited.as_secs_f64());
        let ((pending, oldest), counts) = state
            .db
            .run(|conn| {
                use ferry_persistence::store::jobs;
                Ok((
                    jobs::pending_summary(conn)?,
                    jobs::counts_by_type_and_status(conn)?,
                ))
            })
            .await?;
        self.jobs.reset();
        for (config_type, status, count) in counts {
            self.jobs
                .with_label_values(&[&config_type, &status])
                .set(count);
        }
        self.jobs_pending.set(pending);
        let age = oldest.map_or(0.0, |at| {
            (chrono::Utc::now() - at).as_seconds_f64().max(0.0)
        });
        self.oldest_pending_age.set(age);
        let mut text = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut text)
            .map_err(ferry_domain::Error::internal)?;
        String::from_utf8(text).map_err(ferry_domain::Error::internal)
    }

    fn observed(&self, pattern: Option<&str>, status: u16, took: std::time::Duration) {
        let operation = pattern
            .and_then(|p| self.operations.get(p))
            .map_or("unknown", String::as_str);
        self.requests
            .with_label_values(&[operation, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[operation])
            .observe(took.as_secs_f64());
    }
}

/// The exposition as an HTTP answer (`/api/metrics` after its guard, and the separate
/// `metrics.listen` address).
pub async fn scrape(state: web::Data<AppState>) -> actix_web::HttpResponse {
    match state.metrics.exposition(&state).await {
        Ok(text) => actix_web::HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(error) => {
            actix_web::ResponseError::error_response(&crate::error::ApiError::from(error))
        }
    }
}

/// An app serving only `GET /metrics`, for `metrics.listen`.
pub fn metrics_app(
    state: AppState,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new()
        .app_data(web::Data::new(state))
        .route("/metrics", web::get().to(scrape))
}

/// Route patterns to operation ids, from the served document (one source for both).
fn operation_ids() -> HashMap<String, String> {
    let document = serde_json::to_value(crate::openapi()).unwrap_or_default();
    let mut operations = HashMap::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            let id = item
                .as_object()
                .and_then(|methods| methods.values().find_map(|op| op["operationId"].as_str()));
            if let Some(id) = id {
                operations.insert(format!("{}{path}", crate::docs::BASE_PATH), id.to_string());
            }
        }
    }
    operations
}

/// Counts each request by its operation id and status, and times it.
pub async fn observe(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody>,
) -> std::result::Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let pattern = req.match_pattern();
    let result = next.call(req).await;
    if let Some(state) = state {
        let status = match &result {
            Ok(response) => response.status().as_u16(),
            Err(error) => error.as_response_error().status_code().as_u16(),
        };
        state
            .metrics
            .observed(pattern.as_deref(), status, started.elapsed());
    }
    result
}
