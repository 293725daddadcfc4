use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::{IfMatch, Tagged};
use crate::{app, AppState};
use actix_web::{post, web};
use ferry_domain::notification::{NotificationWebhookRead, NotificationWebhookUpdate};

/// Update a notification webhook
///
/// A partial update of its name, URL or triggers; what the body leaves out keeps its stored
/// value. The signing secret never changes. Events already queued go to the new URL; new
/// triggers apply to events from now on. A deleted webhook cannot be updated (404).
#[utoipa::path(
    tag = "notifications",
    operation_id = "updateNotificationWebhook",
    params(IfMatch),
    request_body = NotificationWebhookUpdate,
    responses(
        (status = 200, description = "Successful operation", body = NotificationWebhookRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/notification_webhooks/update")]
pub async fn update_notification_webhook(
    state: web::Data<AppState>,
    Body(request, _): Body<NotificationWebhookUpdate, Admin>,
    if_match: IfMatch,
) -> ApiResult<Tagged<NotificationWebhookRead>> {
    let expected = if_match.expected(request.expected_version)?;
    Ok(Tagged(
        app::notifications::update(&state, request, expected).await?,
    ))
}
