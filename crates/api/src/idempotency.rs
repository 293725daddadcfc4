//! `Idempotency-Key` (as Stripe has it): a create, duplicate, sync or reset sent again with
//! the same key and body by the same caller within a day answers the first call's status and
//! body and has no second effect. The same key with another body (or operation) is a 422
//! naming the header; a repeat while the first call still runs waits for its answer (up to
//! [`WAIT_FOR_FIRST`], then 409). Keys live in the database (`store::idempotency_keys`), so
//! every replica honours them; a background task removes expired ones.

use crate::auth::guard::{caller_of, mark_guarded};
use crate::error::ApiError;
use crate::extract::read_json;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_TYPE, ETAG};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use ferry_domain::{Error, Violation};
use ferry_persistence::store::idempotency_keys::{self, Claim, KeyedRequest, StoredAnswer};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The request header.
pub const HEADER: &str = "Idempotency-Key";
/// Set on an answer replayed from a key.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// How long a key is remembered.
pub const KEY_LIFETIME_HOURS: i64 = 24;
/// How long a first call may run before a repeat may take its key over (its process died).
const LEASE_SECS: i64 = 300;
/// How long a repeat waits for the first call's answer before a 409.
pub const WAIT_FOR_FIRST: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(50);

/// The operations that take a key: every create and duplicate (web_backend ones too),
/// `workspaces/import`, `connections/sync` and `connections/reset`. `path` is as the document lists it
/// (`/v1/sources/create`). The document declares the header on exactly these.
pub fn applies_to(path: &str) -> bool {
    path.ends_with("/create")
        || path.ends_with("/duplicate")
        || path == "/v1/workspaces/import"
        || path == "/v1/connections/sync"
        || path == "/v1/connections/reset"
}

/// 1 to 255 printable ASCII characters.
fn check_key(key: &str) -> Result<(), Error> {
    if (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Ok(())
    } else {
        Err(Error::invalid(
            Violation::new(HEADER, "must be 1 to 255 printable ASCII characters")
                .with_value(key.chars().take(255).collect::<String>()),
        ))
    }
}

fn refusal(error: impl Into<ApiError>) -> HttpResponse {
    error.into().error_response()
}

/// The middleware (inside authentication, so the caller is known).
pub async fn replay(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req
        .path()
        .strip_prefix("/api")
        .unwrap_or(req.path())
        .to_string();
    let key = match req.headers().get(HEADER) {
        Some(key) if req.method() == Method::POST && applies_to(&path) => key.clone(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    // Without a caller the endpoint answers 401 itself; keys are the caller's.
    let Some(caller) = caller_of(req.request()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Not text: kept lossily, so the refusal below can name it.
    let key = String::from_utf8_lossy(key.as_bytes()).into_owned();
    if let Err(error) = check_key(&key) {
        return Ok(req.into_response(refusal(error)));
    }
    let mut payload = req.take_payload();
    let body = match read_json(req.request(), &mut payload).await {
        Ok(body) => body.freeze(),
        Err(error) => return Ok(req.into_response(refusal(error))),
    };
    let request = KeyedRequest {
        caller: match caller.user_id {
            Some(user) => format!("user:{user}"),
            None => "instance_admin".to_string(),
        },
        key,
        operation: path,
        request_hash: hex(&Sha256::digest(&body)),
    };
    let state = crate::auth::guard::state_of(req.request()).map_err(ApiError::from)?;
    let waited_since = std::time::Instant::now();
    loop {
        let keyed = request.clone();
        let claim = state
            .db
            .write(move |conn| {
                idempotency_keys::claim(
                    conn,
                    &keyed,
                    chrono::Utc::now(),
                    chrono::Duration::seconds(LEASE_SECS),
                    chrono::Duration::hours(KEY_LIFETIME_HOURS),
                )
            })
            .await;
        match claim {
            Err(error) => return Ok(req.into_response(refusal(error))),
            Ok(Claim::Run) => break,
            Ok(Claim::Replay(answer)) => {
                mark_guarded(req.request());
                return Ok(req.into_response(replayed(&answer)));
            }
            Ok(Claim::Mismatch) => {
                let error = Error::invalid(
                    Violation::new(
                        HEADER,
                        "was already used with another request body or operation; use a new key",
                    )
                    .with_value(request.key.clone()),
                );
                return Ok(req.into_response(refusal(error)));
            }
            Ok(Claim::InProgress) if waited_since.elapsed() < WAIT_FOR_FIRST => {
                actix_web::rt::time::sleep(POLL).await;
            }
            Ok(Claim::InProgress) => {
                let error = Error::conflict(format!(
                    "a request with this {HEADER} is still in progress; retry later"
                ));
                return Ok(req.into_response(refusal(error)));
            }
        }
    }
    req.set_payload(Payload::from(body));
    // Run and keep the answer in a task of its own: a client that hangs up (its response
    // lost) must not leave the key claimed with no answer, or its retry could not replay.
    let run = actix_web::rt::spawn(async move {
        let response = next.call(req).await?;
        let (http_request, response) = response.into_parts();
        let status = response.status();
        let headers = kept_headers(&response);
        let bytes = actix_web::body::to_bytes(response.into_body())
            .await
            .map_err(|_| ApiError::from(Error::internal("could not read an answer to keep it")))?;
        let answer = StoredAnswer {
            status: status.as_u16(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
            headers: headers.to_string(),
        };
        let keyed = request.clone();
        // A server-side failure is not an answer to keep: a retry with the key runs again.
        let kept = if status.is_server_error() {
            state
                .db
                .write(move |conn| idempotency_keys::abandon(conn, &keyed))
                .await
        } else {
            let stored = answer.clone();
            state
                .db
                .write(move |conn| idempotency_keys::finish(conn, &keyed, &stored))
                .await
        };
        if let Err(error) = kept {
            tracing::warn!(error = %error, "could not keep the answer of an idempotent request");
        }
        Ok::<_, actix_web::Error>(ServiceResponse::new(http_request, rebuilt(&answer)))
    });
    run.await
        .map_err(|_| ApiError::from(Error::internal("an idempotent request's task failed")))?
}

/// The headers a replay repeats: the content type and the ETag.
fn kept_headers(response: &HttpResponse<impl MessageBody>) -> serde_json::Value {
    let mut kept = serde_json::Map::new();
    for name in [CONTENT_TYPE, ETAG] {
        if let Some(value) = response.headers().get(&name).and_then(|v| v.to_str().ok()) {
            kept.insert(name.as_str().to_string(), value.into());
        }
    }
    serde_json::Value::Object(kept)
}

/// An answer with the stored status, headers and body.
fn rebuilt(answer: &StoredAnswer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    let headers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&answer.headers).unwrap_or_default();
    for (name, value) in headers {
        if let (Ok(name), Some(Ok(value))) = (
            HeaderName::try_from(name.as_str()),
            value.as_str().map(HeaderValue::from_str),
        ) {
            response.insert_header((name, value));
        }
    }
    response.body(web::Bytes::from(answer.body.clone().into_bytes()))
}

fn replayed(answer: &StoredAnswer) -> HttpResponse {
    let mut response = rebuilt(answer);
    response.headers_mut().insert(
        HeaderName::from_static("idempotent-replayed"),
        HeaderValue::from_static("true"),
    );
    response
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
