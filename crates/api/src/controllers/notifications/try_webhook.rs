use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::{app, AppState};
use actix_web::{post, web};
use ferry_domain::notification::{
    NotificationRead, NotificationWebhookConfigValidationRequestBody,
};

/// Try sending a notification to a webhook
///
/// Posts a test event of `notificationTrigger` (default `sync_success`; the shape of a real
/// one, with placeholder values and `"test": true`) to the webhook now, signed as every
/// delivery is, and answers what the receiver did: `succeeded` on a 2xx answer, otherwise
/// `failed` with the reason. The answer is 200 either way; a test event is not retried and
/// not in the delivery log.
#[utoipa::path(
    tag = "notifications",
    operation_id = "tryNotificationWebhookConfig",
    request_body = NotificationWebhookConfigValidationRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = NotificationRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/notifications/try_webhook")]
pub async fn try_notification_webhook(
    state: web::Data<AppState>,
    Body(request, _): Body<NotificationWebhookConfigValidationRequestBody, Admin>,
) -> ApiResult<web::Json<NotificationRead>> {
    Ok(web::Json(
        app::notifications::try_webhook(&state, request).await?,
    ))
}
