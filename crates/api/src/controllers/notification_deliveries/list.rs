use crate::auth::guard::Reader;
use crate::error::{ApiResult, BodyErrors, CommonErrors, NotFound};
use crate::extract::Body;
use crate::list_answer::ListAnswer;
use crate::{app, AppState};
use actix_web::{post, web};
use ferry_domain::notification::{
    NotificationDeliveryListRequestBody, NotificationDeliveryReadList,
};

/// List notification deliveries
///
/// A workspace's delivery log: one entry per event and webhook, with its status (`pending`,
/// `delivered`, `failed`), attempts and last error, newest first. Filters combine; pages
/// follow the list convention (`pageSize` and `nextCursor`, or `pagination`). See
/// docs/API-DESIGN.md, "Lists" and "Notifications".
#[utoipa::path(
    tag = "notifications",
    operation_id = "listNotificationDeliveries",
    request_body = NotificationDeliveryListRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = NotificationDeliveryReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/notification_deliveries/list")]
pub async fn list_notification_deliveries(
    state: web::Data<AppState>,
    Body(request, _): Body<NotificationDeliveryListRequestBody, Reader>,
) -> ApiResult<ListAnswer<NotificationDeliveryReadList>> {
    Ok(app::notifications::list_deliveries(&state, request)
        .await?
        .into())
}
