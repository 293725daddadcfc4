//! The one place where errors become HTTP: status codes and the shared JSON envelope.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use chrono::{DateTime, Utc};
use ferry_domain::Error;
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};
use uuid::Uuid;

/// Everything a handler or extractor can fail with: a domain error, or one of the few
/// failures that only exist at the HTTP layer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] Error),
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported content type {content_type:?}")]
    UnsupportedMediaType { content_type: String },
    #[error("Content-Type names charset {charset:?}: request bodies are JSON in UTF-8 only")]
    UnsupportedCharset { charset: String },
    #[error("no such endpoint: {method} {path}")]
    NoSuchEndpoint { method: String, path: String },
    #[error("the request body did not arrive within {secs} seconds")]
    RequestTimeout { secs: u64 },
    #[error("X-API-Version {requested:?} is not supported; supported versions: {supported}")]
    UnsupportedApiVersion {
        requested: String,
        supported: &'static str,
    },
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Airbyte's `InvalidInputProperty`.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvalidInputProperty {
    pub property_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid_value: Option<String>,
    pub message: String,
}

/// The body of every error response. `message` is always there; `id` names the missing
/// object of a 404 (Airbyte's NotFoundKnownExceptionInfo); `validationErrors` lists each
/// invalid property of a 422 (Airbyte's InvalidInputExceptionInfo).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    /// A human-readable description, safe to show.
    pub message: String,
    /// A stable machine-readable code, e.g. `RESOURCE_NOT_FOUND` or `VALIDATION_ERROR`.
    pub error: String,
    /// The HTTP status, repeated for clients that only keep the body.
    pub status_code: u16,
    pub timestamp: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_errors: Option<Vec<InvalidInputProperty>>,
    /// Structured context, e.g. `{"resourceType": "Workspace", "id": "..."}` on a 404.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// On a 500 or 503: the id the matching server log line carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<Uuid>,
    /// The request's id, as the `X-Request-Id` response header and the server's log lines
    /// carry it (the caller's own when it sent a well-formed one). Always present on the wire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The longest `invalidValue` (and `propertyPath`) an error echoes, in characters: a
/// megabyte of bad input must not come back as megabytes of error.
pub const MAX_VALUE_CHARS: usize = 200;
/// The longest message an error carries, in characters (messages may quote input).
pub const MAX_MESSAGE_CHARS: usize = 1000;
/// What a 503 asks the client to wait before retrying, in seconds.
const RETRY_UNAVAILABLE_AFTER_SECS: u64 = 1;

/// `text` cut to `limit` characters, with an ellipsis when it was longer.
fn capped(text: String, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        None => text,
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

impl ApiError {
    fn code(&self) -> &'static str {
        match self {
            ApiError::Domain(e) => e.code(),
            ApiError::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            ApiError::UnsupportedMediaType { .. } | ApiError::UnsupportedCharset { .. } => {
                "UNSUPPORTED_MEDIA_TYPE"
            }
            ApiError::NoSuchEndpoint { .. } => "RESOURCE_NOT_FOUND",
            ApiError::UnsupportedApiVersion { .. } => "UNSUPPORTED_API_VERSION",
            ApiError::RequestTimeout { .. } => "REQUEST_TIMEOUT",
        }
    }

    fn body(&self) -> ErrorResponse {
        let status = self.status_code();
        let mut body = ErrorResponse {
            message: capped(
                match self {
                    ApiError::Domain(e) => e.client_message(),
                    other => other.to_string(),
                },
                MAX_MESSAGE_CHARS,
            ),
            error: self.code().to_string(),
            status_code: status.as_u16(),
            timestamp: Utc::now(),
            id: None,
            validation_errors: None,
            details: None,
            error_id: None,
            // Added by the request-id middleware, which knows the request.
            request_id: None,
        };
        match self {
            ApiError::Domain(Error::NotFound { resource, id }) => {
                body.id = Some(id.clone());
                body.details = Some(serde_json::json!({"resourceType": resource.name(), "id": id}));
            }
            ApiError::Domain(Error::VersionMismatch {
                resource,
                id,
                current,
                expected,
            }) => {
                body.id = Some(id.clone());
                body.details = Some(serde_json::json!({
                    "resourceType": resource.name(),
                    "id": id,
                    "currentVersion": current,
                    "expectedVersion": expected,
                }));
            }
            ApiError::Domain(Error::Forbidden { required }) => {
                body.details = Some(serde_json::json!({ "requiredPermission": required }));
            }
            ApiError::Domain(Error::RateLimited { retry_after_secs }) => {
                body.details = Some(serde_json::json!({ "retryAfterSeconds": retry_after_secs }));
            }
            ApiError::Domain(Error::InvalidInput { violations, .. }) => {
                body.validation_errors = Some(
                    violations
                        .iter()
                        .map(|v| InvalidInputProperty {
                            property_path: capped(v.property_path.clone(), MAX_VALUE_CHARS),
                            invalid_value: v
                                .invalid_value
                                .clone()
                                .map(|value| capped(value, MAX_VALUE_CHARS)),
                            message: capped(v.message.clone(), MAX_MESSAGE_CHARS),
                        })
                        .collect(),
                );
            }
            ApiError::Domain(
                Error::Internal { internal }
                | Error::Unavailable { internal }
                | Error::StorageFull { internal }
                | Error::Contended { internal },
            ) => {
                let error_id = Uuid::new_v4();
                body.error_id = Some(error_id);
                tracing::error!(%error_id, status = status.as_u16(), "{internal}");
            }
            _ => {}
        }
        body
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Domain(e) => match e {
                Error::NotFound { .. } => StatusCode::NOT_FOUND,
                Error::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
                Error::Forbidden { .. } => StatusCode::FORBIDDEN,
                Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                Error::InvalidInput { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                Error::Conflict { .. } | Error::VersionMismatch { .. } => StatusCode::CONFLICT,
                Error::CheckFailed { .. } => StatusCode::BAD_REQUEST,
                Error::ConnectorFailed { .. } | Error::UpstreamFailed { .. } => {
                    StatusCode::BAD_GATEWAY
                }
                Error::Unavailable { .. } | Error::StorageFull { .. } | Error::Contended { .. } => {
                    StatusCode::SERVICE_UNAVAILABLE
                }
                Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType { .. } | ApiError::UnsupportedCharset { .. } => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::NoSuchEndpoint { .. } => StatusCode::NOT_FOUND,
            ApiError::UnsupportedApiVersion { .. } => StatusCode::BAD_REQUEST,
            ApiError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Domain(Error::Unauthenticated { .. }) => {
                response.insert_header((
                    actix_web::http::header::WWW_AUTHENTICATE,
                    r#"Bearer realm="ferry", Basic realm="ferry""#,
                ));
            }
            ApiError::Domain(Error::RateLimited { retry_after_secs }) => {
                response.insert_header((
                    actix_web::http::header::RETRY_AFTER,
                    retry_after_secs.to_string(),
                ));
            }
            ApiError::Domain(
                Error::Unavailable { .. } | Error::StorageFull { .. } | Error::Contended { .. },
            ) => {
                response.insert_header((
                    actix_web::http::header::RETRY_AFTER,
                    RETRY_UNAVAILABLE_AFTER_SECS.to_string(),
                ));
            }
            _ => {}
        }
        response.json(self.body())
    }
}

// Response sets that `#[utoipa::path(responses(...))]` entries compose, so that every
// operation declares the errors it can return in the same words.

/// 404: the object named in the body does not exist.
#[derive(IntoResponses)]
#[response(status = 404, description = "The object was not found")]
pub struct NotFound(#[allow(dead_code)] ErrorResponse);

/// 409: the request conflicts with the current state.
#[derive(IntoResponses)]
#[response(
    status = 409,
    description = "Conflicts with the current state: a duplicate, an object still in use, or a version the object has left (details.currentVersion)"
)]
pub struct Conflict(#[allow(dead_code)] ErrorResponse);

/// The failures of any operation that reads a JSON body.
#[derive(IntoResponses)]
pub enum BodyErrors {
    #[response(
        status = 408,
        description = "The request body did not arrive within server.body_read_timeout_secs"
    )]
    RequestTimeout(#[allow(dead_code)] ErrorResponse),
    #[response(status = 413, description = "The request body is too large")]
    PayloadTooLarge(#[allow(dead_code)] ErrorResponse),
    #[response(
        status = 415,
        description = "The request body is not application/json, or its charset is not UTF-8"
    )]
    UnsupportedMediaType(#[allow(dead_code)] ErrorResponse),
    #[response(status = 422, description = "Invalid input: see validationErrors")]
    InvalidInput(#[allow(dead_code)] ErrorResponse),
}

/// The failures of operations that run a connector.
#[derive(IntoResponses)]
pub enum ConnectorErrors {
    #[response(
        status = 502,
        description = "The connector could not be run or broke the protocol"
    )]
    ConnectorFailed(#[allow(dead_code)] ErrorResponse),
}

/// The failures of operations that call another server.
#[derive(IntoResponses)]
pub enum UpstreamErrors {
    #[response(
        status = 502,
        description = "The other server failed, answered an error (named in the message) or something unreadable, or did not answer in time"
    )]
    UpstreamFailed(#[allow(dead_code)] ErrorResponse),
}

/// 400: the connector's check failed (web_backend create and recreate).
#[derive(IntoResponses)]
#[response(
    status = 400,
    description = "The connector's check failed; nothing was kept"
)]
pub struct CheckFailed(#[allow(dead_code)] ErrorResponse);

/// The failures any operation can meet whatever its input.
#[derive(IntoResponses)]
pub enum CommonErrors {
    #[response(
        status = 401,
        description = "No valid credentials (missing, malformed, expired, wrongly signed, revoked)"
    )]
    Unauthenticated(#[allow(dead_code)] ErrorResponse),
    #[response(
        status = 403,
        description = "The caller sees the object but lacks the permission named in details.requiredPermission"
    )]
    Forbidden(#[allow(dead_code)] ErrorResponse),
    #[response(
        status = 429,
        description = "Too many failed attempts (token requests per client id and address, HTTP Basic per address); retry after Retry-After seconds"
    )]
    RateLimited(#[allow(dead_code)] ErrorResponse),
    #[response(status = 400, description = "Unsupported X-API-Version")]
    UnsupportedApiVersion(#[allow(dead_code)] ErrorResponse),
    #[response(
        status = 500,
        description = "Internal error: see errorId in the server log"
    )]
    Internal(#[allow(dead_code)] ErrorResponse),
    #[response(
        status = 503,
        description = "The database is unavailable; retry after the Retry-After header's seconds"
    )]
    Unavailable(#[allow(dead_code)] ErrorResponse),
}
