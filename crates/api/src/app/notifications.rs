//! Notifications: a workspace's webhooks (each with a signing secret shown once), test
//! events, and the delivery log. Events themselves are written by the stores, in the
//! transaction of the change that causes them; the worker's delivery task posts them.

use super::lists::Listed;
use crate::auth::secrets::random_bytes;
use crate::AppState;
use ferry_domain::list::SortOrder;
use ferry_domain::notification::{
    normalise_triggers, NotificationDeliveryListRequestBody, NotificationDeliveryRead,
    NotificationDeliverySortBy, NotificationEvent, NotificationRead, NotificationReadStatus,
    NotificationTrigger, NotificationWebhookConfigValidationRequestBody, NotificationWebhookCreate,
    NotificationWebhookRead, NotificationWebhookUpdate,
};
use ferry_domain::{Error, Result, Violation};
use ferry_persistence::store::notifications::{
    self, Attempted, DeliveryFilter, DeliveryPage, NewWebhook, WebhookChanges,
};
use ferry_worker::notify::Outgoing;

/// The prefix of every signing secret (as Stripe's `whsec_`): a secret found somewhere is
/// recognisable for what it is.
const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: 256 random bits, hex.
fn new_signing_secret() -> Result<String> {
    let hex: String = random_bytes(32)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("{SECRET_PREFIX}{hex}"))
}

/// A webhook URL the outbound rule lets Ferry post to, or a 422 on `url` saying why not
/// (`outbound.allow`; a name is checked again on each delivery, on what it resolves to).
fn reachable(state: &AppState, url: &str) -> Result<String> {
    state.outbound.check_url(url).map_err(|refusal| {
        Error::invalid(Violation::new("url", refusal).with_value(url.to_string()))
    })?;
    Ok(url.to_string())
}

/// Creates a webhook; the answer carries its signing secret, the only time it is shown.
pub async fn create(
    state: &AppState,
    request: NotificationWebhookCreate,
) -> Result<NotificationWebhookRead> {
    let url = reachable(state, request.url.as_str())?;
    // Default name: the host it posts to.
    let name = match &request.name {
        Some(name) => name.as_str().to_string(),
        None => request.url.host(),
    };
    let new = NewWebhook {
        workspace_id: request.workspace_id,
        name,
        url,
        triggers: normalise_triggers(&request.notification_triggers),
        signing_secret: new_signing_secret()?,
    };
    let secret = new.signing_secret.clone();
    let webhook = state
        .db
        .write(move |conn| notifications::create(conn, &new))
        .await?;
    tracing::info!(webhook_id = %webhook.id, workspace_id = %webhook.workspace_id,
        "notification webhook created");
    Ok(NotificationWebhookRead {
        signing_secret: Some(secret),
        ..webhook.into()
    })
}

/// Applies a partial update (the secret never changes).
pub async fn update(
    state: &AppState,
    request: NotificationWebhookUpdate,
    expected: Option<i64>,
) -> Result<NotificationWebhookRead> {
    if let Some(url) = &request.url {
        reachable(state, url.as_str())?;
    }
    let changes = WebhookChanges {
        expected_version: expected,
        name: request.name.map(String::from),
        url: request.url.map(String::from),
        triggers: request
            .notification_triggers
            .as_deref()
            .map(normalise_triggers),
    };
    let id = request.webhook_id;
    let webhook = state
        .db
        .write(move |conn| notifications::update(conn, id, &changes))
        .await?;
    Ok(webhook.into())
}

/// Signs a test event of the requested trigger (default `sync_success`) and posts it to the
/// webhook now, through the sender deliveries use; answers what the receiver did. Nothing
/// is written: a test event is not in the delivery log.
pub async fn try_webhook(
    state: &AppState,
    request: NotificationWebhookConfigValidationRequestBody,
) -> Result<NotificationRead> {
    let id = request.webhook_id;
    let (webhook, secret) = state
        .db
        .run(move |conn| notifications::get_with_secret(conn, id))
        .await?;
    let trigger = request
        .notification_trigger
        .unwrap_or(NotificationTrigger::SyncSuccess);
    let event = NotificationEvent::test(webhook.workspace_id, chrono::Utc::now(), trigger);
    let body = event.body();
    let outgoing = Outgoing {
        event_id: event.id,
        event_type: event.event_type,
        body: &body,
    };
    let outcome = state.webhooks.post(&webhook.url, &secret, outgoing).await;
    tracing::info!(webhook_id = %webhook.id, event_id = %event.id, ?outcome, "test notification sent");
    Ok(match outcome {
        Attempted::Delivered { status_code } => NotificationRead {
            status: NotificationReadStatus::Succeeded,
            message: Some(format!("the receiver answered {status_code}")),
            event_id: event.id,
            status_code: Some(status_code),
        },
        Attempted::Failed { status_code, error } => NotificationRead {
            status: NotificationReadStatus::Failed,
            message: Some(error),
            event_id: event.id,
            status_code,
        },
    })
}

/// A page of a workspace's delivery log, newest first unless asked otherwise.
pub async fn list_deliveries(
    state: &AppState,
    mut request: NotificationDeliveryListRequestBody,
) -> Result<Listed<NotificationDeliveryRead>> {
    request.check_ranges()?;
    // The default is written into the request so that a cursor fingerprints what was meant.
    request
        .sort_by
        .get_or_insert(NotificationDeliverySortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Desc);
    let (paging, query) = super::lists::paging(state, "notification_deliveries", &request)?;
    let filter = DeliveryFilter {
        workspace_id: request.workspace_id,
        webhook_id: request.webhook_id,
        event_id: request.event_id,
        event_type: request.event_type,
        status: request.status,
        created_from: request.created_at_from,
        created_to: request.created_at_to,
    };
    super::lists::answer(state, paging, query, move |conn, paging| {
        notifications::list_deliveries(conn, &filter, &DeliveryPage { order, paging })
    })
    .await
}
