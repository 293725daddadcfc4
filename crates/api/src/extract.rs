//! `Body<T>`: the JSON body extractor every endpoint uses. It enforces the size limit (413)
//! and the content type (415), and turns every way a body can be wrong (malformed JSON, a
//! wrong type, a missing field, a value that fails its value type, a failed validation
//! rule) into a 422 that names the property.

use crate::auth::guard::{authorize, require_caller, Guarded, Requires};
use crate::error::{ApiError, ApiResult};
use actix_web::dev::Payload;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{web, FromRequest, HttpRequest};
use ferry_domain::error::json_text;
use ferry_domain::{Error, Violation};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::marker::PhantomData;
use validator::Validate;

/// The largest body accepted, in bytes; set as app data (see `AppState`).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub usize);

impl Default for BodyLimit {
    fn default() -> Self {
        BodyLimit(2 * 1024 * 1024)
    }
}

/// How long a client may take to send a whole body; set as app data (see `AppState`). A
/// connection that promised a body and stalls is answered 408 and closed, so slow senders
/// cannot hold connections open.
#[derive(Clone, Copy, Debug)]
pub struct BodyReadTimeout(pub std::time::Duration);

impl Default for BodyReadTimeout {
    fn default() -> Self {
        BodyReadTimeout(std::time::Duration::from_secs(30))
    }
}

/// A validated JSON request body, for an endpoint that requires `R` (see
/// [`crate::auth::guard`]) over what the body names. Credentials are checked first (401),
/// then the body (413, 415, 422), then access (404, 403).
pub struct Body<T, R>(pub T, pub PhantomData<R>);

/// A validated JSON request body that may be left out: no body at all reads as `T::default()`,
/// for list endpoints whose contract has no request body.
pub struct OptionalBody<T, R>(pub T, pub PhantomData<R>);

impl<T, R> FromRequest for Body<T, R>
where
    T: DeserializeOwned + Validate + Guarded + 'static,
    R: Requires,
{
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, ApiResult<Self>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = guarded_body::<T, R>(req, payload, None);
        Box::pin(async move { Ok(Body(value.await?, PhantomData)) })
    }
}

impl<T, R> FromRequest for OptionalBody<T, R>
where
    T: DeserializeOwned + Validate + Default + Guarded + 'static,
    R: Requires,
{
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, ApiResult<Self>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = guarded_body::<T, R>(req, payload, Some(T::default));
        Box::pin(async move { Ok(OptionalBody(value.await?, PhantomData)) })
    }
}

/// Both extractors: the caller (401), the body (413, 415, 422; `when_empty` stands for a
/// body that was left out), then access to what it names (404, 403).
fn guarded_body<T, R>(
    req: &HttpRequest,
    payload: &mut Payload,
    when_empty: Option<fn() -> T>,
) -> LocalBoxFuture<'static, ApiResult<T>>
where
    T: DeserializeOwned + Validate + Guarded + 'static,
    R: Requires,
{
    let caller = require_caller(req, R::REQUIREMENT);
    let bytes = read_json(req, payload);
    let req = req.clone();
    Box::pin(async move {
        let caller = caller?;
        let bytes = bytes.await?;
        let value = match when_empty {
            Some(empty) if bytes.iter().all(u8::is_ascii_whitespace) => empty(),
            _ => {
                let value = parse::<T>(&bytes)?;
                value.validate().map_err(Error::from)?;
                value
            }
        };
        authorize(&req, &caller, R::REQUIREMENT, value.targets()).await?;
        Ok(value)
    })
}

/// Reads a body within the size limit, refusing a content type that is not JSON.
pub(crate) fn read_json(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, ApiResult<web::BytesMut>> {
    let limit = req
        .app_data::<web::Data<BodyLimit>>()
        .map(|l| *l.get_ref())
        .unwrap_or_default()
        .0;
    let declared_length = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)").to_string());
    let read_timeout = req
        .app_data::<web::Data<BodyReadTimeout>>()
        .map(|t| *t.get_ref())
        .unwrap_or_default()
        .0;
    let mut payload = payload.take();
    Box::pin(async move {
        if declared_length.is_some_and(|len| len > limit) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        if let Some(content_type) = content_type {
            if !is_json(&content_type) {
                return Err(ApiError::UnsupportedMediaType { content_type });
            }
            if let Some(charset) = foreign_charset(&content_type) {
                return Err(ApiError::UnsupportedCharset { charset });
            }
        }
        let read = async {
            let mut bytes = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    Error::invalid(Violation::new(
                        "body",
                        format!("could not read the body: {e}"),
                    ))
                })?;
                if bytes.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(bytes)
        };
        actix_web::rt::time::timeout(read_timeout, read)
            .await
            .map_err(|_| ApiError::RequestTimeout {
                secs: read_timeout.as_secs(),
            })?
    })
}

/// `application/json`, any `+json` type, with or without parameters such as a charset.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A `charset` parameter that is not UTF-8: JSON bodies are UTF-8 (RFC 8259), and reading a
/// Latin-1 body as UTF-8 would store other characters than were sent.
fn foreign_charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        let value = value.trim().trim_matches('"');
        let utf8 = value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8");
        (name.trim().eq_ignore_ascii_case("charset") && !utf8).then(|| value.to_string())
    })
}

/// Deserialises a body, reporting the failing property's path, value and reason.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::invalid(Violation::new(
            "body",
            "a JSON request body is required",
        )));
    }
    refuse_nul(bytes)?;
    // Two steps, so that each failure comes with its facts rather than serde_json's
    // wording: the syntax (with its line and column), then the shape, read from a value
    // tree whose deserializer reports a missing field as a field and never a position.
    let json: Value = serde_json::from_slice(bytes).map_err(|e| {
        Error::invalid(Violation::new(
            "body",
            format!("malformed JSON at line {}, column {}", e.line(), e.column()),
        ))
    })?;
    // Every body is an object: serde would otherwise read a struct from an array of its
    // fields in order (`[null]` as an organizationId), a shape no document describes.
    if !json.is_object() {
        return Err(Error::invalid(Violation::new(
            "body",
            format!("must be a JSON object, not {}", json_kind(&json)),
        )));
    }
    let tree = serde_value::to_value(&json).map_err(Error::internal)?;
    let error = match serde_path_to_error::deserialize::<_, T>(serde_value::ValueDeserializer::<
        serde_value::DeserializerError,
    >::new(tree))
    {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    let segments: Vec<String> = error
        .path()
        .iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
            serde_path_to_error::Segment::Unknown => None,
        })
        .collect();
    let (path, message, value) = match error.inner() {
        serde_value::DeserializerError::MissingField(field) => {
            let mut with_field = segments.clone();
            with_field.push(field.to_string());
            (with_field, "is required".to_string(), None)
        }
        reason => {
            let value = value_at(&json, &segments).map(json_text);
            // serde's own wording ("invalid type: integer `5`, expected a string").
            let reason: serde::de::value::Error = reason.to_error();
            (segments, reason.to_string(), value)
        }
    };
    let property_path = join_segments(&path);
    let mut violation = Violation::new(property_path.clone(), message.clone());
    if let Some(value) = value {
        violation = violation.with_value(value);
    }
    Err(Error::InvalidInput {
        message: format!(
            "{}: {message}",
            if property_path.is_empty() {
                "body"
            } else {
                &property_path
            }
        ),
        violations: vec![violation],
    })
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
        Value::Object(_) => "an object",
    }
}

/// Refuses a body holding the NUL character in any string or key, wherever it is: one rule
/// for every text field (PostgreSQL cannot store NUL in text or JSON, and no name, slug or
/// configuration needs it). JSON can carry NUL only as the escape `\u0000`, so bodies
/// without that sequence pass at the cost of one scan.
fn refuse_nul(bytes: &[u8]) -> Result<(), Error> {
    const ESCAPE: &[u8] = b"\\u0000";
    if !bytes.windows(ESCAPE.len()).any(|w| w == ESCAPE) {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return Ok(()); // malformed: reported by the parse that follows
    };
    match nul_path(&value, &mut Vec::new()) {
        None => Ok(()),
        Some(path) => {
            let property_path = if path.is_empty() {
                "body".to_string()
            } else {
                join_segments(&path)
            };
            Err(Error::invalid(Violation::new(
                property_path,
                "must not contain the NUL character (\\u0000)",
            )))
        }
    }
}

/// The path of the first string or key holding NUL, if any.
fn nul_path(value: &Value, path: &mut Vec<String>) -> Option<Vec<String>> {
    match value {
        Value::String(text) if text.contains('\0') => Some(path.clone()),
        Value::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            path.push(format!("[{index}]"));
            let found = nul_path(item, path);
            path.pop();
            found
        }),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            path.push(key.replace('\0', "\\u0000"));
            let found = if key.contains('\0') {
                Some(path.clone())
            } else {
                nul_path(item, path)
            };
            path.pop();
            found
        }),
        _ => None,
    }
}

fn join_segments(segments: &[String]) -> String {
    let mut path = String::new();
    for segment in segments {
        if !segment.starts_with('[') && !path.is_empty() {
            path.push('.');
        }
        path.push_str(segment);
    }
    path
}

fn value_at<'v>(root: &'v Value, segments: &[String]) -> Option<&'v Value> {
    segments.iter().try_fold(root, |value, segment| {
        match segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(index) => value.get(index.parse::<usize>().ok()?),
            None => value.get(segment),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Inner {
        display_name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Outer {
        workspace_id: uuid::Uuid,
        items: Vec<Inner>,
    }

    fn violation(body: &str) -> Violation {
        match parse::<Outer>(body.as_bytes()) {
            Err(Error::InvalidInput { violations, .. }) => violations[0].clone(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn missing_fields_are_named_by_path() {
        let v = violation(r#"{"items": []}"#);
        assert_eq!(v.property_path, "workspaceId");
        assert_eq!(v.message, "is required");
        let v =
            violation(r#"{"workspaceId": "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6", "items": [{}]}"#);
        assert_eq!(v.property_path, "items[0].displayName");
    }

    #[test]
    fn wrong_values_carry_the_value() {
        let v = violation(r#"{"workspaceId": "nope", "items": []}"#);
        assert_eq!(v.property_path, "workspaceId");
        assert_eq!(v.invalid_value.as_deref(), Some("nope"));
        let v = violation(
            r#"{"workspaceId": "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6", "items": [{"displayName": 5}]}"#,
        );
        assert_eq!(v.property_path, "items[0].displayName");
        assert_eq!(v.invalid_value.as_deref(), Some("5"));
        assert!(v.message.contains("expected a string"), "{}", v.message);
    }

    #[test]
    fn malformed_and_empty_bodies_are_reported() {
        assert!(violation("{").message.starts_with("malformed JSON"));
        let trailing = r#"{"workspaceId": "5ae6b09b-fdec-41af-aaf7-7d94cfc33ef6", "items": []} x"#;
        assert!(violation(trailing).message.starts_with("malformed JSON"));
        assert_eq!(violation("  ").message, "a JSON request body is required");
    }

    #[test]
    fn nul_is_refused_anywhere_with_its_path() {
        let v = violation(r#"{"workspaceId": "a\u0000b", "items": []}"#);
        assert_eq!(v.property_path, "workspaceId");
        assert!(v.message.contains("NUL"), "{}", v.message);
        let v = violation(r#"{"items": [{"x": {"k\u0000": 1}}]}"#);
        assert_eq!(v.property_path, "items[0].x.k\\u0000");
        // An escaped backslash followed by "u0000" is ordinary text.
        let ok = parse::<Value>(br#"{"a": "\\u0000"}"#).unwrap();
        assert_eq!(ok["a"], "\\u0000");
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
    }
}
