//! The web console's files (`console/public/`, embedded in the binary): served at `/console/`
//! with their types, a Content-Security-Policy that allows nothing remote, and revalidation;
//! open without credentials (they hold none; the console signs in through the API); not
//! operations of the document; and the console calls only operations of the document.

use crate::support::{TestApp, TestBackend, TestDatabase};
use ferry_api::controllers::console::{ASSETS, CONTENT_SECURITY_POLICY};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn public_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../console/public")
}

/// Every file under `dir`, as a path relative to it with `/` separators.
fn files_under(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let relative = format!("{prefix}{name}");
        if entry.file_type().unwrap().is_dir() {
            files_under(&entry.path(), &format!("{relative}/"), out);
        } else {
            out.insert(relative);
        }
    }
}

/// GETs a path with no credentials; the status, headers and body bytes.
async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, actix_web::http::header::HeaderMap, Vec<u8>) {
    let mut request = app.server.get(path).timeout(crate::support::PATIENCE);
    for header in headers {
        request = request.insert_header(*header);
    }
    let mut response = request.send().await.unwrap();
    let body = response.body().limit(4 * 1024 * 1024).await.unwrap();
    (
        response.status().as_u16(),
        response.headers().clone(),
        body.to_vec(),
    )
}

fn header<'a>(headers: &'a actix_web::http::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[test]
fn every_file_of_the_console_is_embedded() {
    let mut on_disk = BTreeSet::new();
    files_under(&public_dir(), "", &mut on_disk);
    let embedded: BTreeSet<String> = ASSETS.iter().map(|a| a.path.to_string()).collect();
    assert_eq!(
        on_disk, embedded,
        "console/public/ and controllers/console.rs ASSETS list the same files"
    );
    for asset in ASSETS {
        let on_disk = std::fs::read(public_dir().join(asset.path)).unwrap();
        assert!(on_disk == asset.body, "{} is embedded as it is", asset.path);
    }
}

#[actix_web::test]
async fn the_console_is_served_with_its_types_a_strict_policy_and_revalidation() {
    // Auth on: the files need no credentials.
    let app = TestApp::start_with_auth(TestBackend::Sqlite).await;
    for asset in ASSETS {
        let path = format!("/console/{}", asset.path);
        let (status, headers, body) = get(&app, &path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert!(body == asset.body, "{path}: the embedded bytes");
        assert_eq!(
            header(&headers, "content-type"),
            asset.content_type,
            "{path}"
        );
        let expected_type = match asset.path.rsplit('.').next().unwrap() {
            "html" => "text/html; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "js" | "mjs" => "text/javascript; charset=utf-8",
            "svg" => "image/svg+xml",
            other => panic!("{path}: no expected type for .{other}"),
        };
        assert_eq!(asset.content_type, expected_type, "{path}");
        assert_eq!(
            header(&headers, "content-security-policy"),
            CONTENT_SECURITY_POLICY
        );
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        let etag = header(&headers, "etag").to_string();
        assert!(etag.starts_with('"') && etag.len() > 2, "{path}: {etag}");
        // Unchanged: 304 with no body.
        let (status, headers, body) = get(&app, &path, &[("if-none-match", &etag)]).await;
        assert_eq!(status, 304, "{path}");
        assert!(body.is_empty());
        assert_eq!(header(&headers, "etag"), etag);
        // Another tag: the file again.
        let (status, _, _) = get(&app, &path, &[("if-none-match", "\"other\"")]).await;
        assert_eq!(status, 200, "{path}");
    }
    // The policy allows this origin only: no remote source of any kind, no inline script.
    for directive in CONTENT_SECURITY_POLICY.split(';') {
        assert!(
            !directive.contains("http") && !directive.contains('*'),
            "{directive}"
        );
        assert!(!directive.contains("unsafe"), "{directive}");
    }
    assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'none'"));

    let (status, headers, index) = get(&app, "/console/", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert!(String::from_utf8(index)
        .unwrap()
        .contains("<script type=\"module\" src=\"app.js\">"));
    let client = awc::Client::builder()
        .disable_redirects()
        .timeout(crate::support::PATIENCE)
        .finish();
    let response = client.get(app.server.url("/console")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 308);
    assert_eq!(header(response.headers(), "location"), "/console/");

    // Anything else under /console/ is the JSON 404 of an unknown path.
    let (status, _, body) = get(&app, "/console/missing.js", &[]).await;
    assert_eq!(status, 404);
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"], "RESOURCE_NOT_FOUND");
    let (status, _, _) = get(&app, "/console/../api/v1/workspaces/list", &[]).await;
    assert_eq!(status, 404);

    // The console being open does not open the API: still 401 without credentials.
    let reply = app
        .post_as("workspaces/list", serde_json::json!({}), None)
        .await;
    assert_eq!(reply.status, 401);
}

/// The operation paths the console's scripts call: every `api("<operation>", ...)`.
fn operations_called() -> BTreeSet<String> {
    let mut scripts = BTreeSet::new();
    files_under(&public_dir(), "", &mut scripts);
    let mut operations = BTreeSet::new();
    let mut fetches = 0;
    for script in scripts
        .iter()
        .filter(|p| p.ends_with(".js") && !p.starts_with("vendor/"))
    {
        let text = std::fs::read_to_string(public_dir().join(script)).unwrap();
        fetches += text.matches("fetch(").count();
        let mut literal_calls = 0;
        let mut rest = text.as_str();
        while let Some(at) = rest.find("api(") {
            let before = rest[..at].chars().last();
            rest = &rest[at + 4..];
            // `api(` as a call of the client, not the tail of another name.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let Some(quoted) = rest.strip_prefix('"') else {
                // The definition `async function api(operation, body)`: the only non-literal.
                assert!(
                    rest.starts_with("operation, body)"),
                    "{script}: every call names its operation as a string literal: api({}",
                    &rest[..rest.len().min(40)]
                );
                continue;
            };
            let end = quoted.find('"').unwrap();
            operations.insert(quoted[..end].to_string());
            literal_calls += 1;
        }
        if script != "api.js" {
            assert!(literal_calls > 0 || !text.contains("api("), "{script}");
        }
    }
    assert_eq!(
        fetches, 1,
        "the console reaches Ferry through api.js's one fetch"
    );
    operations
}

#[test]
fn the_console_calls_only_operations_of_the_document() {
    let document: serde_json::Value =
        serde_json::from_str(&ferry_api::openapi_json()).expect("json");
    let operations = operations_called();
    assert!(operations.len() > 20, "{operations:?}");
    for operation in &operations {
        let path = format!("/v1/{operation}");
        assert!(
            document["paths"][&path]["post"].is_object(),
            "the console calls {operation}, which is not a POST operation of docs/openapi.json"
        );
    }
    // The client itself prefixes /api/v1/ (the document's server is /api).
    let client = std::fs::read_to_string(public_dir().join("api.js")).unwrap();
    assert!(client.contains("fetch(`/api/v1/${operation}`"));
    println!("the console calls: {operations:?}");
}

#[actix_web::test]
async fn the_console_is_not_an_operation_of_the_document() {
    let app = TestApp::serve(TestDatabase::new(TestBackend::Sqlite));
    let served = app.get("/api/openapi.json").await;
    let paths = served.body["paths"].as_object().unwrap();
    assert!(paths.keys().all(|p| !p.contains("console")), "{paths:?}");
}
