use crate::app::definitions;
use crate::auth::guard::{Authenticated, Guard};
use crate::error::{ApiResult, CommonErrors};
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{ActorType, SourceDefinitionReadList};

/// List the source definitions
///
/// Every live source definition, oldest first. Any authenticated caller may read the
/// catalog.
#[utoipa::path(
    tag = "source_definition",
    operation_id = "listSourceDefinitions",
    responses(
        (status = 200, description = "Successful operation", body = SourceDefinitionReadList),
        CommonErrors
    )
)]
#[post("/v1/source_definitions/list")]
pub async fn list_source_definitions(
    _guard: Guard<Authenticated>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<SourceDefinitionReadList>> {
    let listed = definitions::list(&state, ActorType::Source).await?;
    Ok(web::Json(SourceDefinitionReadList::from(listed)))
}
