use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::versioning::IfMatch;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::notification::NotificationWebhookIdRequestBody;
use ferry_persistence::store::notifications;

/// Delete a notification webhook
///
/// No event is posted to it any more: its pending deliveries fail, saying why, in the
/// delivery log. Deleting a deleted webhook succeeds again.
#[utoipa::path(
    tag = "notifications",
    operation_id = "deleteNotificationWebhook",
    params(IfMatch),
    request_body = NotificationWebhookIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/notification_webhooks/delete")]
pub async fn delete_notification_webhook(
    state: web::Data<AppState>,
    Body(request, _): Body<NotificationWebhookIdRequestBody, Admin>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let expected = if_match.expected(request.expected_version)?;
    let id = request.webhook_id;
    state
        .db
        .write(move |conn| notifications::delete(conn, id, expected))
        .await?;
    tracing::info!(webhook_id = %id, "notification webhook deleted");
    Ok(HttpResponse::NoContent().finish())
}
