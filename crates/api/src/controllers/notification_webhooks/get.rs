use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::notification::{NotificationWebhookIdRequestBody, NotificationWebhookRead};
use ferry_persistence::store::notifications;

/// Get a notification webhook
///
/// Never with its signing secret. A deleted webhook is still found, with `tombstone: true`.
#[utoipa::path(
    tag = "notifications",
    operation_id = "getNotificationWebhook",
    request_body = NotificationWebhookIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = NotificationWebhookRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/notification_webhooks/get")]
pub async fn get_notification_webhook(
    state: web::Data<AppState>,
    Body(request, _): Body<NotificationWebhookIdRequestBody, Admin>,
) -> ApiResult<Tagged<NotificationWebhookRead>> {
    let id = request.webhook_id;
    let webhook = state
        .db
        .run(move |conn| notifications::get(conn, id))
        .await?;
    Ok(Tagged(webhook.into()))
}
