use crate::app::definitions;
use crate::auth::guard::{Authenticated, Guard};
use crate::error::{ApiResult, CommonErrors};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{ActorType, DestinationDefinitionReadList};

/// List the destination definitions
///
/// Every live destination definition, oldest first. Any authenticated caller may read the
/// catalog.
#[utoipa::path(
    tag = "destination_definition",
    operation_id = "listDestinationDefinitions",
    responses(
        (status = 200, description = "Successful operation", body = DestinationDefinitionReadList),
        CommonErrors
    )
)]
#[post("/v1/destination_definitions/list")]
pub async fn list_destination_definitions(
    _guard: Guard<Authenticated>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<DestinationDefinitionReadList>> {
    let listed = definitions::list(&state, ActorType::Destination).await?;
    Ok(web::Json(DestinationDefinitionReadList::from(listed)))
}
