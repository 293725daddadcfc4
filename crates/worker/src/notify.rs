//! Posting notification events to webhooks: one signed HTTP POST per attempt, bounded by a
//! timeout, never following redirects. The delivery task and `notifications/try_webhook`
//! both send through [`WebhookSender`], so a test event is signed and judged exactly as a
//! real one.
//!
//! Each request carries `X-Ferry-Event-Id`, `X-Ferry-Event-Type`, `X-Ferry-Timestamp` and
//! `X-Ferry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! Neither the secret nor the URL (which may carry a token) is ever logged or put in an
//! error: deliveries are logged by event id.

use crate::outbound::OutboundPolicy;
use ferry_domain::ids::NotificationEventId;
use ferry_domain::notification::NotificationTrigger;
use ferry_persistence::store::notifications::Attempted;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// The header names, as receivers read them.
pub const EVENT_ID_HEADER: &str = "X-Ferry-Event-Id";
pub const EVENT_TYPE_HEADER: &str = "X-Ferry-Event-Type";
pub const TIMESTAMP_HEADER: &str = "X-Ferry-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Ferry-Signature";

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret` (its UTF-8 bytes, as shown
/// at creation).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length; this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `X-Ferry-Signature` value: `t=<timestamp>,v1=<signature>`.
pub fn signature_header(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", signature(secret, timestamp, body))
}

/// One event to post: what identifies it, and its body.
#[derive(Clone, Copy, Debug)]
pub struct Outgoing<'a> {
    pub event_id: NotificationEventId,
    pub event_type: NotificationTrigger,
    pub body: &'a str,
}

/// An HTTP client for webhook deliveries. Cheap to clone (one connection pool).
#[derive(Clone, Debug)]
pub struct WebhookSender {
    client: reqwest::Client,
    timeout: Duration,
    outbound: OutboundPolicy,
}

impl WebhookSender {
    /// A client whose every attempt (connecting, sending, reading the answer) ends within
    /// `timeout`, and that reaches only what `outbound` allows. Proxies come from the usual
    /// `HTTPS_PROXY` / `NO_PROXY` variables.
    pub fn new(timeout: Duration, outbound: OutboundPolicy) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .dns_resolver(outbound.resolver())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Ferry-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the webhook HTTP client: {}", causes(&e)))?;
        Ok(WebhookSender {
            client,
            timeout,
            outbound,
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Posts `event` to `url`, signed with `secret` at the current time: delivered on a 2xx
    /// answer, failed otherwise (with the status, or why no answer came).
    pub async fn post(&self, url: &str, secret: &str, event: Outgoing<'_>) -> Attempted {
        // An address given as such is not resolved, so it is checked here; a name is checked
        // on the addresses it resolves to (`OutboundPolicy::resolver`).
        if let Err(refusal) = self.outbound.check_url(url) {
            return Attempted::Failed {
                status_code: None,
                error: format!("not sent: the URL {refusal}"),
            };
        }
        let timestamp = chrono::Utc::now().timestamp();
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_ID_HEADER, event.event_id.to_string())
            .header(EVENT_TYPE_HEADER, event.event_type.as_str())
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(
                SIGNATURE_HEADER,
                signature_header(secret, timestamp, event.body),
            )
            .body(event.body.to_string())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                return Attempted::Failed {
                    status_code: None,
                    error: self.describe(&error),
                }
            }
        };
        let status = response.status();
        // Read (and drop) the answer, so the connection can be reused; within the timeout.
        let _ = response.bytes().await;
        if status.is_success() {
            Attempted::Delivered {
                status_code: status.as_u16(),
            }
        } else {
            let redirect = match status.is_redirection() {
                true => " (redirects are not followed)",
                false => "",
            };
            Attempted::Failed {
                status_code: Some(status.as_u16()),
                error: format!("the receiver answered {status}{redirect}"),
            }
        }
    }

    /// Why no answer came, without the URL.
    fn describe(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!("no answer within {} s", self.timeout.as_secs_f64());
        }
        let what = if error.is_connect() {
            "could not connect"
        } else if error.is_builder() {
            "the URL cannot be requested"
        } else {
            "the request failed"
        };
        let cause = causes(error);
        match cause.is_empty() {
            true => what.to_string(),
            false => format!("{what}: {cause}"),
        }
    }
}

/// The innermost source of an error (`Connection refused (os error 111)`, a TLS or DNS
/// failure), without the URL reqwest puts in its own text.
pub(crate) fn causes(error: &reqwest::Error) -> String {
    let mut innermost = None;
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        innermost = Some(cause.to_string());
        source = cause.source();
    }
    innermost.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A known answer, computed apart: `printf '1700000000.{"a":1}' | openssl dgst -sha256
    /// -hmac whsec_test`.
    #[test]
    fn signatures_are_hmac_sha256_over_timestamp_and_body() {
        let header = signature_header("whsec_test", 1_700_000_000, r#"{"a":1}"#);
        assert_eq!(
            header,
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }
}
