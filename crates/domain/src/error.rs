//! The one error type that every layer speaks. The API crate maps it to HTTP in one place.
//!
//! Each variant keeps what a client may see apart from what only the logs may see: a
//! `NotFound` or `InvalidInput` is entirely client-facing, while `Unavailable` and `Internal`
//! carry an internal description that is logged and never sent.

use serde::Serialize;
use std::fmt;

/// The kinds of object a [`Error::NotFound`] can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Resource {
    Organization,
    Workspace,
    SourceDefinition,
    DestinationDefinition,
    Source,
    Destination,
    Connection,
    Job,
    User,
    Permission,
    Application,
    NotificationWebhook,
}

impl Resource {
    /// The resource name as the API's schemas spell it.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Organization => "Organization",
            Resource::Workspace => "Workspace",
            Resource::SourceDefinition => "SourceDefinition",
            Resource::DestinationDefinition => "DestinationDefinition",
            Resource::Source => "Source",
            Resource::Destination => "Destination",
            Resource::Connection => "Connection",
            Resource::Job => "Job",
            Resource::User => "User",
            Resource::Permission => "Permission",
            Resource::Application => "Application",
            Resource::NotificationWebhook => "NotificationWebhook",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One invalid property of a request, in Airbyte's `InvalidInputProperty` shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Dotted path from the body's root, e.g. `workspaceId` or `syncSchema.streams[0].name`.
    pub property_path: String,
    /// The offending value as text, when there was one.
    pub invalid_value: Option<String>,
    pub message: String,
}

impl Violation {
    pub fn new(property_path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            property_path: property_path.into(),
            invalid_value: None,
            message: message.into(),
        }
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.invalid_value = Some(value.into());
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object does not exist (or the caller may not know that it does).
    #[error("{resource} not found: {id}")]
    NotFound { resource: Resource, id: String },

    /// The request is well-formed transport-wise but its content is not acceptable.
    #[error("invalid input: {message}")]
    InvalidInput {
        message: String,
        violations: Vec<Violation>,
    },

    /// The request conflicts with the current state (a duplicate, an object still in use).
    #[error("conflict: {message}")]
    Conflict { message: String },

    /// An update or delete named a version the object is no longer at.
    #[error("{resource} {id} is at version {current}, not {expected}")]
    VersionMismatch {
        resource: Resource,
        id: String,
        current: i64,
        expected: i64,
    },

    /// A connector's check failed where the operation needed it to succeed.
    #[error("check failed: {message}")]
    CheckFailed { message: String },

    /// A connector could not be run, or did not do what the protocol asks.
    #[error("connector failed: {message}")]
    ConnectorFailed { message: String },

    /// Another server Ferry called (`workspaces/sync_from_remote`) failed, answered an error
    /// or something unreadable, or did not answer in time.
    #[error("upstream failed: {message}")]
    UpstreamFailed { message: String },

    /// The request carries no valid credentials (missing, malformed, expired, wrongly
    /// signed, or for a deleted user or application).
    #[error("authentication failed: {message}")]
    Unauthenticated { message: String },

    /// The caller sees the object but lacks the permission the operation requires.
    #[error("forbidden: requires {required}")]
    Forbidden { required: String },

    /// Too many failed attempts; retry after this many seconds.
    #[error("rate limited: retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },

    /// A dependency (the database) cannot be reached; the client may retry.
    #[error("unavailable: {internal}")]
    Unavailable { internal: String },

    /// The database's storage is full: nothing can be written until space is freed (reads
    /// still work); writing resumes by itself then.
    #[error("storage full: {internal}")]
    StorageFull { internal: String },

    /// A concurrent transaction got in the way (a deadlock or a serialisation failure); the
    /// same work may succeed when run again. Retried inside the store; a client sees it only
    /// when the retries ran out, as a 503.
    #[error("contended: {internal}")]
    Contended { internal: String },

    /// A bug or an unexpected state; `internal` is logged, never sent.
    #[error("internal error: {internal}")]
    Internal { internal: String },
}

impl Error {
    pub fn not_found(resource: Resource, id: impl ToString) -> Self {
        Error::NotFound {
            resource,
            id: id.to_string(),
        }
    }

    /// An invalid input with a single violation, whose message is also the summary.
    pub fn invalid(violation: Violation) -> Self {
        Error::InvalidInput {
            message: violation.message.clone(),
            violations: vec![violation],
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict {
            message: message.into(),
        }
    }

    pub fn internal(internal: impl ToString) -> Self {
        Error::Internal {
            internal: internal.to_string(),
        }
    }

    pub fn unavailable(internal: impl ToString) -> Self {
        Error::Unavailable {
            internal: internal.to_string(),
        }
    }

    /// The message a client may read. Internal details never appear here.
    pub fn client_message(&self) -> String {
        match self {
            Error::NotFound { resource, id } => format!("{resource} not found: {id}"),
            Error::VersionMismatch {
                resource,
                id,
                current,
                expected,
            } => format!(
                "{resource} {id} is at version {current}, not {expected}: \
                 read it again and reapply the change"
            ),
            Error::InvalidInput { message, .. }
            | Error::Conflict { message }
            | Error::CheckFailed { message }
            | Error::ConnectorFailed { message }
            | Error::UpstreamFailed { message } => message.clone(),
            Error::Unauthenticated { message } => message.clone(),
            Error::Forbidden { required } => {
                format!("This operation requires the {required} permission.")
            }
            Error::RateLimited { retry_after_secs } => {
                format!("Too many failed attempts; retry in {retry_after_secs} seconds.")
            }
            Error::Unavailable { .. } | Error::Contended { .. } => {
                "The service is temporarily unavailable; try again shortly.".to_string()
            }
            Error::StorageFull { .. } => "The server's storage is full: nothing can be written \
                until space is freed (reads still work). Try again later."
                .to_string(),
            Error::Internal { .. } => "An internal error occurred.".to_string(),
        }
    }

    /// A stable, machine-readable code for the kind of error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "RESOURCE_NOT_FOUND",
            Error::InvalidInput { .. } => "VALIDATION_ERROR",
            Error::Conflict { .. } | Error::VersionMismatch { .. } => "CONFLICT",
            Error::CheckFailed { .. } => "CONNECTION_CHECK_FAILED",
            Error::ConnectorFailed { .. } => "CONNECTOR_FAILED",
            Error::UpstreamFailed { .. } => "UPSTREAM_FAILED",
            Error::Unauthenticated { .. } => "AUTHENTICATION_FAILED",
            Error::Forbidden { .. } => "FORBIDDEN",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::Unavailable { .. } | Error::Contended { .. } => "SERVICE_UNAVAILABLE",
            Error::StorageFull { .. } => "STORAGE_FULL",
            Error::Internal { .. } => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl From<validator::ValidationErrors> for Error {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut violations = Vec::new();
        collect_violations("", &errors, &mut violations);
        violations.sort_by(|a, b| a.property_path.cmp(&b.property_path));
        let message = match violations.as_slice() {
            [only] => format!("{}: {}", only.property_path, only.message),
            _ => format!("{} properties are invalid", violations.len()),
        };
        Error::InvalidInput {
            message,
            violations,
        }
    }
}

fn collect_violations(
    prefix: &str,
    errors: &validator::ValidationErrors,
    out: &mut Vec<Violation>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        // Struct-level rules report under "__all__": they are about the struct itself.
        let path = match field.as_ref() {
            "__all__" => prefix.to_string(),
            field => join_path(prefix, &camel_case(field)),
        };
        match kind {
            ValidationErrorsKind::Field(field_errors) => {
                for error in field_errors {
                    let message = error
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| format!("failed the `{}` rule", error.code));
                    // A struct-level rule about one of its fields names it in `field`.
                    let path = match error.params.get("field").and_then(|f| f.as_str()) {
                        Some(field) => join_path(&path, field),
                        None => path.clone(),
                    };
                    let mut violation = Violation::new(path, message);
                    if let Some(value) = error.params.get("value") {
                        violation = violation.with_value(json_text(value));
                    }
                    out.push(violation);
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_violations(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_violations(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

fn join_path(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

/// validator reports Rust field names; the wire speaks camelCase.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON value as the text a client would recognise: strings bare, the rest as JSON.
pub fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[derive(Validate)]
    struct Sample {
        #[validate(length(min = 1, message = "must not be empty"))]
        display_name: String,
    }

    #[test]
    fn validation_errors_use_camel_case_paths() {
        let err = Error::from(
            Sample {
                display_name: String::new(),
            }
            .validate()
            .unwrap_err(),
        );
        match err {
            Error::InvalidInput { violations, .. } => {
                assert_eq!(violations.len(), 1);
                assert_eq!(violations[0].property_path, "displayName");
                assert_eq!(violations[0].message, "must not be empty");
                assert_eq!(violations[0].invalid_value.as_deref(), Some(""));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn internal_details_never_reach_the_client_message() {
        let err = Error::internal("password=hunter2 in connection string");
        assert!(!err.client_message().contains("hunter2"));
        assert_eq!(err.code(), "INTERNAL_SERVER_ERROR");
    }
}
