//! Request ids and the one log line per request.
//!
//! Every request gets an id: the caller's `X-Request-Id` when it is well formed (1 to 128
//! characters of letters, digits and `-_.:/+=@`), otherwise a new UUID. The request's log
//! span carries it, every response echoes it in `X-Request-Id`, and every error envelope
//! carries it as `requestId`, so a failed call can be matched to its log lines.
//!
//! The span records only the status and the error code: the default span builder would
//! record each error's `Debug` form, which for a 422 includes the values the client sent, and
//! those may be secrets. 5xx details are logged once, with their `errorId`, where the error
//! body is made.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_LENGTH};
use actix_web::{Error, HttpMessage, HttpResponse};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

/// The header a request id travels in, both ways.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of one request.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl RequestId {
    /// The caller's id when it is well formed, otherwise a new one.
    fn of(request: &ServiceRequest) -> RequestId {
        let given = request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|id| is_well_formed(id));
        RequestId(match given {
            Some(id) => id.to_string(),
            None => uuid::Uuid::new_v4().to_string(),
        })
    }
}

fn is_well_formed(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b))
}

/// When a request started, for its log line's `duration_ms`.
#[derive(Clone, Copy)]
struct Started(std::time::Instant);

pub struct RequestLog;

impl RootSpanBuilder for RequestLog {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = RequestId::of(request);
        let span = tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %request.match_pattern().unwrap_or_else(|| "default".into()),
            http.target = %request.path(),
            http.status_code = tracing::field::Empty,
            request_id = %id.0,
        );
        request.extensions_mut().insert(id);
        request
            .extensions_mut()
            .insert(Started(std::time::Instant::now()));
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("http.status_code", status.as_u16());
        // From the request's start to its answer, in milliseconds (fractions of one kept).
        let duration_ms = match outcome {
            Ok(response) => response
                .request()
                .extensions()
                .get::<Started>()
                .map(|started| started.0.elapsed().as_secs_f64() * 1000.0),
            Err(_) => None,
        };
        let _entered = span.enter();
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), duration_ms, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), duration_ms, "request finished");
        }
    }
}

/// Puts the request's id on its response: the `X-Request-Id` header on every answer, and
/// `requestId` in every error envelope (whichever layer made the error: an extractor, a
/// handler, a middleware or the unknown-path fallback). Runs just inside the logger, which
/// chose the id.
pub async fn stamp(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req
        .extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(|| RequestId(uuid::Uuid::new_v4().to_string()));
    match next.call(req).await {
        Ok(response) => {
            let (request, response) = response.map_into_boxed_body().into_parts();
            Ok(ServiceResponse::new(
                request,
                stamped(response, &id.0).await,
            ))
        }
        // An error a middleware returned: its answer, stamped, stands in for it.
        Err(error) => {
            let response = stamped(error.error_response(), &id.0).await;
            Err(actix_web::error::InternalError::from_response(error, response).into())
        }
    }
}

/// The response with the id in its header and, for an error envelope (`ErrorResponse`), in
/// its body; any other body (the health check's 503, say) passes through unchanged.
async fn stamped(response: HttpResponse<BoxBody>, id: &str) -> HttpResponse<BoxBody> {
    let mut response = if response.status().is_client_error() || response.status().is_server_error()
    {
        let (mut head, body) = response.into_parts();
        let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
        let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(serde_json::Value::Object(mut envelope))
                if envelope.contains_key("error") && envelope.contains_key("statusCode") =>
            {
                envelope.insert("requestId".into(), id.into());
                head.headers_mut().remove(CONTENT_LENGTH);
                BoxBody::new(serde_json::to_vec(&envelope).unwrap_or_default())
            }
            _ => BoxBody::new(bytes),
        };
        head.set_body(body)
    } else {
        response
    };
    if let Ok(value) = HeaderValue::from_str(id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}
