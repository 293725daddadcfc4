use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::versioning::Tagged;
use crate::{app, AppState};
use actix_web::{post, web};
use ferry_domain::notification::{NotificationWebhookCreate, NotificationWebhookRead};

/// Create a notification webhook
///
/// Events of the workspace that the webhook names in `notificationTriggers` are posted to
/// `url` as JSON, signed (`X-Ferry-Signature`) with the webhook's `signingSecret`. The answer
/// is the only place that secret ever appears: keep it. See docs/API-DESIGN.md,
/// "Notifications", for the payload, the headers and how to verify a signature. A `url` that
/// reaches an internal address (loopback, link-local such as 169.254.169.254, private, shared,
/// unspecified; in any spelling, or a name such as `localhost`) is a 422 unless the server's
/// `outbound.allow` lists it; a name is checked again on every delivery, on the address it
/// resolves to.
#[utoipa::path(
    tag = "notifications",
    operation_id = "createNotificationWebhook",
    request_body = NotificationWebhookCreate,
    responses(
        (status = 200, description = "Successful operation", body = NotificationWebhookRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/notification_webhooks/create")]
pub async fn create_notification_webhook(
    state: web::Data<AppState>,
    Body(request, _): Body<NotificationWebhookCreate, Admin>,
) -> ApiResult<Tagged<NotificationWebhookRead>> {
    Ok(Tagged(app::notifications::create(&state, request).await?))
}
