//! The web console at `/console/`: static files embedded in the binary (`console/public/`
//! at the repository root), served as they are. It is a client of the public API like any
//! other: every call it makes is an operation of the document, with the caller's own
//! credentials, so these routes need none and are not API operations (they are registered
//! outside the `/api` scope and are absent from the OpenAPI document).
//!
//! Every answer forbids remote sources (`Content-Security-Policy`), is revalidated before
//! use (`Cache-Control: no-cache` with a strong `ETag`, answered `304` when unchanged), and
//! says its type exactly (`X-Content-Type-Options: nosniff`).

use crate::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Where the console lives.
pub const PREFIX: &str = "/console";

/// Only this origin's scripts, styles, images and API; no inline script, no frames, no
/// forms posted anywhere (the console sends JSON with `fetch`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// One embedded file.
pub struct Asset {
    /// Its path under `/console/`.
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:literal) => {
        Asset {
            path: $path,
            content_type: $type,
            body: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../console/public/",
                $path
            )),
        }
    };
}

/// Every file of `console/public/` (a test checks that the directory holds no other).
pub const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("form.js", "text/javascript; charset=utf-8"),
    asset!("pages.js", "text/javascript; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!(
        "vendor/htm-preact-standalone.mjs",
        "text/javascript; charset=utf-8"
    ),
];

/// Each asset's strong ETag (a digest of its bytes), computed once.
fn etags() -> &'static [String] {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|asset| {
                let digest = Sha256::digest(asset.body);
                let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
                format!("\"{hex}\"")
            })
            .collect()
    })
}

/// Adds the console's routes: `/console` (a redirect), `/console/` (the page) and
/// `/console/<file>`.
pub fn register(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(PREFIX)
            .route(web::get().to(redirect))
            .route(web::head().to(redirect)),
    )
    .service(
        web::resource(format!("{PREFIX}/{{file:.*}}"))
            .route(web::get().to(serve))
            .route(web::head().to(serve)),
    );
}

async fn redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/console/"))
        .finish()
}

async fn serve(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let file = file.into_inner();
    let wanted = if file.is_empty() { "index.html" } else { &file };
    let found = ASSETS
        .iter()
        .zip(etags())
        .find(|(asset, _)| asset.path == wanted);
    let Some((asset, etag)) = found else {
        return Err(ApiError::NoSuchEndpoint {
            method: req.method().to_string(),
            path: req.path().to_string(),
        });
    };
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    if unchanged {
        return Ok(response.finish());
    }
    response.content_type(asset.content_type);
    Ok(response.body(asset.body))
}
