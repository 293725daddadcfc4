use crate::auth::guard::Admin;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::notification::NotificationWebhookReadList;
use ferry_domain::workspace::WorkspaceIdRequestBody;
use ferry_persistence::store::notifications;

/// List a workspace's notification webhooks
///
/// Its live webhooks, oldest first, without their signing secrets.
#[utoipa::path(
    tag = "notifications",
    operation_id = "listNotificationWebhooks",
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = NotificationWebhookReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/notification_webhooks/list")]
pub async fn list_notification_webhooks(
    state: web::Data<AppState>,
    Body(request, _): Body<WorkspaceIdRequestBody, Admin>,
) -> ApiResult<web::Json<NotificationWebhookReadList>> {
    let workspace = request.workspace_id;
    let webhooks = state
        .db
        .run(move |conn| notifications::list(conn, workspace))
        .await?;
    Ok(web::Json(NotificationWebhookReadList {
        webhooks: webhooks.into_iter().map(Into::into).collect(),
    }))
}
