//! Reading another Airbyte-compatible Configuration API (Airbyte's, or another Ferry's):
//! every workspace its `workspaces/list` answers, following `nextCursor` pages when it
//! gives them. Every request is bounded in time (connecting, and the whole exchange) and
//! in size; redirects are not followed. Failures are [`Error::UpstreamFailed`] naming the
//! remote status or why no answer came, never the credentials.

use crate::outbound::OutboundPolicy;
use ferry_domain::error::Violation;
use ferry_domain::Error;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

/// How long connecting may take, and one whole request (sending, reading the answer).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The most pages one synchronisation reads, and the largest answer it reads.
pub const MAX_PAGES: usize = 1_000;
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;
/// How many workspaces a page asks for (servers without paging answer all at once).
const PAGE_SIZE: i64 = 100;

/// How the remote server is authenticated.
#[derive(Clone)]
pub enum Credentials {
    Bearer { token: String },
    Basic { username: String, password: String },
}

/// A workspace as the remote lists it: what Ferry keeps of it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RemoteWorkspace {
    pub workspace_id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub anonymous_data_collection: Option<bool>,
    #[serde(default)]
    pub news: Option<bool>,
    #[serde(default)]
    pub security_updates: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    workspaces: Vec<RemoteWorkspace>,
    next_cursor: Option<String>,
}

/// Every workspace `base` (the API's base URL, as `http://host:8001/api`) lists.
pub async fn list_workspaces(
    base: &str,
    credentials: &Credentials,
    outbound: &OutboundPolicy,
) -> Result<Vec<RemoteWorkspace>, Error> {
    // An address given as such is not resolved, so it is checked here; a name is checked on
    // the addresses it resolves to.
    outbound.check_url(base).map_err(|refusal| {
        Error::invalid(Violation::new("url", refusal).with_value(base.to_string()))
    })?;
    let client = reqwest::Client::builder()
        .dns_resolver(outbound.resolver())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Ferry/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))?;
    let url = format!("{}/v1/workspaces/list", base.trim_end_matches('/'));
    let mut workspaces = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut body = json!({ "pageSize": PAGE_SIZE });
        if let Some(cursor) = &cursor {
            body["cursor"] = Value::String(cursor.clone());
        }
        let page: Page = post(&client, &url, credentials, &body).await?;
        workspaces.extend(page.workspaces);
        match page.next_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            Some(_) => {
                return Err(upstream(
                    "the remote server answered the same nextCursor twice".into(),
                ))
            }
            None => return Ok(workspaces),
        }
    }
    Err(upstream(format!(
        "the remote server still had pages after {MAX_PAGES}"
    )))
}

fn upstream(message: String) -> Error {
    Error::UpstreamFailed { message }
}

async fn post<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    credentials: &Credentials,
    body: &Value,
) -> Result<T, Error> {
    let request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body.to_string());
    let request = match credentials {
        Credentials::Bearer { token } => request.bearer_auth(token),
        Credentials::Basic { username, password } => request.basic_auth(username, Some(password)),
    };
    let mut response = request.send().await.map_err(|e| upstream(describe(&e)))?;
    let status = response.status();
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| upstream(describe(&e)))? {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(upstream(format!(
                "the remote server's answer is over {MAX_ANSWER_BYTES} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        let said = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .map(|m| format!(": {}", m.chars().take(300).collect::<String>()))
            .unwrap_or_default();
        return Err(upstream(format!(
            "the remote server answered {status} to workspaces/list{said}"
        )));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        upstream(format!(
            "the remote server's workspaces/list answer is not a workspace list: {e}"
        ))
    })
}

/// Why no answer came, without the URL (which may carry credentials).
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return format!(
            "the remote server did not answer within {} s (connecting within {} s)",
            REQUEST_TIMEOUT.as_secs(),
            CONNECT_TIMEOUT.as_secs()
        );
    }
    let what = if error.is_connect() {
        "could not connect to the remote server"
    } else {
        "the request to the remote server failed"
    };
    match crate::notify::causes(error) {
        cause if cause.is_empty() => what.to_string(),
        cause => format!("{what}: {cause}"),
    }
}
