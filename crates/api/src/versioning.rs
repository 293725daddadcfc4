//! Optimistic concurrency on the wire (the rule itself is `ferry_domain::version`): reads of
//! versioned objects answer `ETag: "<version>"` ([`Tagged`]), and updates and deletes take
//! `If-Match` ([`IfMatch`]) as well as `expectedVersion` in their bodies. The OpenAPI
//! document declares both from the schemas (`docs::versioned_operations`).

use crate::error::{ApiError, ApiResult};
use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::header::{ETAG, IF_MATCH};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use ferry_domain::version::{self, ExpectedVersion, Versioned};
use serde::Serialize;
use std::future::{ready, Ready};

/// The `If-Match` header of an update or delete, read as the version it names (`None`
/// without one, or for `*`). A malformed value is a 422 naming `If-Match`.
pub struct IfMatch(Option<i64>);

impl IfMatch {
    /// The version the request expects: its body's `expectedVersion` and this header, which
    /// must agree when both are given.
    pub fn expected(&self, body: Option<ExpectedVersion>) -> ApiResult<Option<i64>> {
        Ok(version::expected(version::number(body), self.0)?)
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<ApiResult<Self>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(value) => match value.to_str() {
                Ok(text) => version::parse_if_match(text).map(IfMatch),
                Err(_) => version::parse_if_match("").map(IfMatch),
            },
        };
        ready(parsed.map_err(ApiError::from))
    }
}

/// Documents the header on every update and delete (`params(IfMatch)`).
impl utoipa::IntoParams for IfMatch {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::Required;
        vec![ParameterBuilder::new()
            .name("If-Match")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "The ETag of the version this change was computed from (`\"3\"`), as \
                 `expectedVersion` in the body says it; `*` for any. Both given must agree.",
            ))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()]
    }
}

/// A JSON answer holding one versioned object, sent with its version as the `ETag`.
pub struct Tagged<T>(pub T);

impl<T: Serialize + Versioned> Responder for Tagged<T> {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        let etag = version::etag(self.0.version());
        HttpResponse::Ok().insert_header((ETAG, etag)).json(self.0)
    }
}
