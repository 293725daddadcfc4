//! Notifications: webhooks a workspace posts its events to, the events themselves, their
//! deliveries (the delivery log), and the retry schedule. Names follow Airbyte's later API
//! where it has them (`NotificationTrigger`, `NotificationRead`,
//! `notifications/try_webhook`'s `NotificationWebhookConfigValidationRequestBody`).

use crate::ids::{
    ConnectionId, NotificationDeliveryId, NotificationEventId, NotificationWebhookId, WorkspaceId,
};

use crate::values::{Name, WebhookUrl};
use crate::version::ExpectedVersion;
use crate::{wire_enum, Error};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;
use utoipa::ToSchema;
use validator::Validate;

wire_enum!(
    /// What happened: a sync job ended `succeeded` or (after its retries) `failed`, or a
    /// connection became `inactive` or `deprecated`.
    NotificationTrigger {
        SyncSuccess => "sync_success",
        SyncFailure => "sync_failure",
        ConnectionDisabled => "connection_disabled",
    }
);

wire_enum!(
    /// Where a delivery stands: `pending` (queued or waiting for a retry), `delivered` (the
    /// receiver answered 2xx), or `failed` (retries ran out, or its webhook was deleted).
    NotificationDeliveryStatus {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
);

wire_enum!(
    /// The outcome of a test notification, as Airbyte's `NotificationRead.status`.
    NotificationReadStatus { Succeeded => "succeeded", Failed => "failed" }
);

/// A stored webhook (its signing secret never leaves the store but to sign).
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationWebhook {
    pub id: NotificationWebhookId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub url: String,
    /// Sorted, without duplicates.
    pub triggers: Vec<NotificationTrigger>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Deleted.
    pub tombstone: bool,
    pub version: i64,
}

impl NotificationWebhook {
    pub fn wants(&self, trigger: NotificationTrigger) -> bool {
        self.triggers.contains(&trigger)
    }
}

/// The triggers a request names, sorted and without duplicates.
pub fn normalise_triggers(triggers: &[NotificationTrigger]) -> Vec<NotificationTrigger> {
    NotificationTrigger::ALL
        .iter()
        .copied()
        .filter(|t| triggers.contains(t))
        .collect()
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct NotificationWebhookCreate {
    pub workspace_id: WorkspaceId,
    /// A display name; default: the URL's host.
    #[schema(value_type = Option<Name>)]
    pub name: Option<Name>,
    #[schema(value_type = WebhookUrl)]
    pub url: WebhookUrl,
    /// The events this webhook receives (duplicates are ignored).
    #[validate(length(min = 1, message = "must name at least one event"))]
    #[schema(min_items = 1)]
    pub notification_triggers: Vec<NotificationTrigger>,
}

/// A partial update: what the body leaves out keeps its stored value. The signing secret
/// never changes.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct NotificationWebhookUpdate {
    pub webhook_id: NotificationWebhookId,
    #[schema(value_type = Option<Name>)]
    pub name: Option<Name>,
    #[schema(value_type = Option<WebhookUrl>)]
    pub url: Option<WebhookUrl>,
    #[validate(length(min = 1, message = "must name at least one event"))]
    #[schema(min_items = 1)]
    pub notification_triggers: Option<Vec<NotificationTrigger>>,
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct NotificationWebhookIdRequestBody {
    pub webhook_id: NotificationWebhookId,
    /// Read by `delete` only: deletes only this version of the object.
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

/// A webhook. `signingSecret` appears once, in the answer to `notification_webhooks/create`:
/// it is stored encrypted and never shown again.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NotificationWebhookRead {
    pub webhook_id: NotificationWebhookId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub url: String,
    pub notification_triggers: Vec<NotificationTrigger>,
    /// The key of `X-Ferry-Signature` (`whsec_` and 64 hex digits, 256 random bits); only
    /// in the answer to create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Deleted: `get` still answers, nothing else does.
    pub tombstone: bool,
    /// 1 when created; every change adds one. Send it back as `expectedVersion` (or
    /// `If-Match`) to change only this version.
    #[schema(minimum = 1)]
    pub version: i64,
}

crate::versioned!(NotificationWebhookRead);

impl From<NotificationWebhook> for NotificationWebhookRead {
    fn from(w: NotificationWebhook) -> Self {
        NotificationWebhookRead {
            webhook_id: w.id,
            workspace_id: w.workspace_id,
            name: w.name,
            url: w.url,
            notification_triggers: w.triggers,
            signing_secret: None,
            created_at: w.created_at,
            updated_at: w.updated_at,
            tombstone: w.tombstone,
            version: w.version,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationWebhookReadList {
    pub webhooks: Vec<NotificationWebhookRead>,
}

/// `notifications/try_webhook`: a test event of `notificationTrigger` (default
/// `sync_success`), signed and posted to the webhook now.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct NotificationWebhookConfigValidationRequestBody {
    pub webhook_id: NotificationWebhookId,
    pub notification_trigger: Option<NotificationTrigger>,
}

/// The outcome of a test notification, as Airbyte's `NotificationRead`, with the test
/// event's id and the receiver's status code.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NotificationRead {
    pub status: NotificationReadStatus,
    /// What went wrong (or the receiver's status), in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub event_id: NotificationEventId,
    /// The receiver's HTTP status, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Int32)]
    pub status_code: Option<u16>,
}

wire_enum!(NotificationDeliverySortBy { CreatedAt => "createdAt" });

crate::list_request! {
    /// `notification_deliveries/list`: a workspace's delivery log, newest first by default,
    /// following the list convention (filters, `sortOrder`, keyset or offset pages).
    pub struct NotificationDeliveryListRequestBody {
        pub workspace_id: WorkspaceId,
        pub webhook_id: Option<NotificationWebhookId>,
        pub event_id: Option<NotificationEventId>,
        pub event_type: Option<NotificationTrigger>,
        pub status: Option<NotificationDeliveryStatus>,
        pub created_at_from: Option<DateTime<Utc>>,
        pub created_at_to: Option<DateTime<Utc>>,
    }
    sort_by: NotificationDeliverySortBy => "Default `createdAt` (the only key); the id always breaks ties.",
    sort_order => "Default `desc` (newest first).",
}

impl NotificationDeliveryListRequestBody {
    /// The date range must not be inverted.
    pub fn check_ranges(&self) -> Result<(), Error> {
        crate::list::check_range("createdAtTo", self.created_at_from, self.created_at_to)
    }
}

/// One delivery: one event to one webhook, and how it went.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDeliveryRead {
    pub delivery_id: NotificationDeliveryId,
    /// The `X-Ferry-Event-Id` of every attempt.
    pub event_id: NotificationEventId,
    pub event_type: NotificationTrigger,
    pub webhook_id: NotificationWebhookId,
    pub workspace_id: WorkspaceId,
    pub status: NotificationDeliveryStatus,
    /// Attempts started so far.
    #[schema(format = Int32)]
    pub attempts: i32,
    /// Why the last attempt failed (the receiver's status, a timeout, a refused connection).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The receiver's status code of the last attempt, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Int32)]
    pub last_status_code: Option<i32>,
    /// While pending: not attempted before this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

crate::list_response! {
    pub struct NotificationDeliveryReadList {
        pub deliveries: Vec<NotificationDeliveryRead>,
    }
}

/// An event as it is posted: the envelope every trigger shares, and its `data`.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationEvent {
    pub id: NotificationEventId,
    pub event_type: NotificationTrigger,
    pub workspace_id: WorkspaceId,
    pub created_at: DateTime<Utc>,
    /// A test event (from `notifications/try_webhook`).
    pub test: bool,
    pub data: Value,
}

impl NotificationEvent {
    /// The JSON body every delivery of this event sends, byte for byte.
    pub fn body(&self) -> String {
        let mut body = json!({
            "eventId": self.id,
            "eventType": self.event_type,
            "createdAt": self.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            "workspaceId": self.workspace_id,
            "data": self.data,
        });
        if self.test {
            body["test"] = Value::Bool(true);
        }
        body.to_string()
    }

    /// A sync job that ended: `sync_success` or `sync_failure`.
    pub fn sync_ended(workspace_id: WorkspaceId, at: DateTime<Utc>, sync: &SyncEnded) -> Self {
        let event_type = if sync.succeeded {
            NotificationTrigger::SyncSuccess
        } else {
            NotificationTrigger::SyncFailure
        };
        let mut data = json!({
                "connectionId": sync.connection_id,
                "connectionName": sync.connection_name,
                "jobId": sync.job_id,
                "jobStatus": if sync.succeeded { "succeeded" } else { "failed" },
                "attempts": sync.attempts,
                "recordsSynced": sync.records_synced,
                "bytesSynced": sync.bytes_synced,
                "jobCreatedAt": sync.job_created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
                "jobEndedAt": at.to_rfc3339_opts(SecondsFormat::Micros, true),
        });
        if let Some(reason) = &sync.failure_reason {
            data["failureReason"] = Value::String(reason.clone());
        }
        NotificationEvent {
            id: NotificationEventId::random(),
            event_type,
            workspace_id,
            created_at: at,
            test: false,
            data,
        }
    }

    /// A connection that became `inactive` or `deprecated`, and why.
    pub fn connection_disabled(
        workspace_id: WorkspaceId,
        at: DateTime<Utc>,
        connection_id: ConnectionId,
        connection_name: &str,
        status: &str,
        reason: &str,
    ) -> Self {
        NotificationEvent {
            id: NotificationEventId::random(),
            event_type: NotificationTrigger::ConnectionDisabled,
            workspace_id,
            created_at: at,
            test: false,
            data: json!({
                "connectionId": connection_id,
                "connectionName": connection_name,
                "status": status,
                "reason": reason,
            }),
        }
    }

    /// A test event of `trigger` for `try_webhook`: the shape of the real one, with
    /// placeholder values and `"test": true`.
    pub fn test(
        workspace_id: WorkspaceId,
        at: DateTime<Utc>,
        trigger: NotificationTrigger,
    ) -> Self {
        let placeholder = ConnectionId(uuid::Uuid::nil());
        let mut event = match trigger {
            NotificationTrigger::ConnectionDisabled => Self::connection_disabled(
                workspace_id,
                at,
                placeholder,
                "Test connection",
                "inactive",
                "a test notification from notifications/try_webhook",
            ),
            _ => Self::sync_ended(
                workspace_id,
                at,
                &SyncEnded {
                    connection_id: placeholder,
                    connection_name: "Test connection".to_string(),
                    job_id: 0,
                    succeeded: trigger == NotificationTrigger::SyncSuccess,
                    attempts: 1,
                    records_synced: 0,
                    bytes_synced: 0,
                    job_created_at: at,
                    failure_reason: (trigger == NotificationTrigger::SyncFailure)
                        .then(|| "attempt failed: a test failure".to_string()),
                },
            ),
        };
        event.test = true;
        event
    }
}

/// What a `sync_success` or `sync_failure` event tells.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncEnded {
    pub connection_id: ConnectionId,
    pub connection_name: String,
    pub job_id: i64,
    pub succeeded: bool,
    /// Attempts the job made.
    pub attempts: i32,
    /// Of its last attempt.
    pub records_synced: i64,
    pub bytes_synced: i64,
    pub job_created_at: DateTime<Utc>,
    /// Why a failed job failed (its last attempt's last log line).
    pub failure_reason: Option<String>,
}

/// How deliveries are attempted: a bounded time per attempt, retries after a doubling
/// backoff up to a cap, for a bounded time after the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// One attempt's limit (connecting, sending and reading the answer).
    pub timeout: Duration,
    /// The wait after the first failed attempt; each next wait doubles.
    pub first_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// No attempt starts later than this after the event: then the delivery fails.
    pub retry_for: Duration,
}

/// How long beyond its timeout a running attempt keeps its delivery to itself: a worker
/// that died mid-attempt leaves the delivery to be taken again after that.
const LEASE_MARGIN: Duration = Duration::from_secs(30);

impl DeliveryPolicy {
    /// How long a claimed delivery stays with the worker that claimed it.
    pub fn lease(&self) -> Duration {
        self.timeout.saturating_add(LEASE_MARGIN)
    }

    /// The wait after `attempts` (from 1) failed attempts: `first_backoff` doubled
    /// `attempts - 1` times, at most `max_backoff`.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0);
        self.first_backoff
            .saturating_mul(2u32.saturating_pow(doublings.min(31)))
            .min(self.max_backoff)
    }

    /// When to try again after `attempts` failed attempts of an event created at `created`,
    /// failing at `now`; None when that would be past `retry_for` (the delivery fails).
    pub fn next_attempt(
        &self,
        attempts: i32,
        created: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let wait = chrono::Duration::from_std(self.backoff(attempts)).ok()?;
        let next = now.checked_add_signed(wait)?;
        let deadline =
            created.checked_add_signed(chrono::Duration::from_std(self.retry_for).ok()?)?;
        (next <= deadline).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> DeliveryPolicy {
        DeliveryPolicy {
            timeout: Duration::from_secs(10),
            first_backoff: Duration::from_secs(10),
            max_backoff: Duration::from_secs(3600),
            retry_for: Duration::from_secs(24 * 3600),
        }
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let p = policy();
        let waits: Vec<u64> = (1..=10).map(|n| p.backoff(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
        assert_eq!(p.backoff(1000).as_secs(), 3600, "no overflow");
        assert_eq!(p.backoff(0).as_secs(), 10);
    }

    #[test]
    fn retries_stop_after_retry_for() {
        let p = policy();
        let created = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(
            p.next_attempt(1, created, created),
            Some(created + chrono::Duration::seconds(10))
        );
        // Simulate the whole schedule: every attempt fails at once.
        let (mut now, mut attempts) = (created, 0);
        while let Some(next) = p.next_attempt(attempts + 1, created, now) {
            attempts += 1;
            now = next;
        }
        assert!(now <= created + chrono::Duration::hours(24));
        assert!(now > created + chrono::Duration::hours(23), "{now}");
        // 10 s .. 2560 s (9 waits, 5110 s), then hourly until a day has passed.
        assert_eq!(attempts + 1, 32, "attempts in a day");
        assert_eq!(p.lease(), Duration::from_secs(40));
    }

    #[test]
    fn bodies_carry_the_envelope() {
        let at = DateTime::from_timestamp(1_800_000_000, 123_456_000).unwrap();
        let workspace = WorkspaceId::random();
        let event = NotificationEvent::test(workspace, at, NotificationTrigger::SyncFailure);
        let body: Value = serde_json::from_str(&event.body()).unwrap();
        assert_eq!(body["eventId"], event.id.to_string());
        assert_eq!(body["eventType"], "sync_failure");
        assert_eq!(body["createdAt"], "2027-01-15T08:00:00.123456Z");
        assert_eq!(body["workspaceId"], workspace.to_string());
        assert_eq!(body["test"], true);
        assert_eq!(body["data"]["jobStatus"], "failed");
        assert_eq!(
            body["data"]["failureReason"],
            "attempt failed: a test failure"
        );
        let disabled = NotificationEvent::connection_disabled(
            workspace,
            at,
            ConnectionId::random(),
            "c",
            "deprecated",
            "source deleted",
        );
        let body: Value = serde_json::from_str(&disabled.body()).unwrap();
        assert_eq!(body["eventType"], "connection_disabled");
        assert_eq!(body["data"]["reason"], "source deleted");
        assert!(body.get("test").is_none());
    }

    #[test]
    fn triggers_are_sorted_and_unique() {
        use NotificationTrigger::*;
        assert_eq!(
            normalise_triggers(&[ConnectionDisabled, SyncSuccess, ConnectionDisabled]),
            vec![SyncSuccess, ConnectionDisabled]
        );
    }
}
