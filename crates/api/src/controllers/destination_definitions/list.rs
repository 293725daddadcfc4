use crate::app::definitions;
use crate::auth::guard::Authenticated;
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::OptionalBody;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{
    ActorType, DefinitionListRequestBody, DestinationDefinitionRead, DestinationDefinitionReadList,
};

/// List the destination definitions
///
/// With no body (or `{}`) every live destination definition, oldest first, unpaged, as in the
/// 2020 contract. `nameContains`, `sortBy`/`sortOrder` and keyset pages (`pageSize`,
/// `cursor`) follow docs/API-DESIGN.md, "Lists". Any authenticated caller may read the
/// catalog.
#[utoipa::path(
    tag = "destination_definition",
    operation_id = "listDestinationDefinitions",
    request_body(content = Option<DefinitionListRequestBody>, description = "Optional"),
    responses(
        (status = 200, description = "Successful operation", body = DestinationDefinitionReadList),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/destination_definitions/list")]
pub async fn list_destination_definitions(
    state: web::Data<AppState>,
    OptionalBody(request, _): OptionalBody<DefinitionListRequestBody, Authenticated>,
) -> ApiResult<ListAnswer<DestinationDefinitionReadList>> {
    Ok(definitions::list(&state, ActorType::Destination, request)
        .await?
        .map::<DestinationDefinitionRead>()
        .into())
}
