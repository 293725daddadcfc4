use crate::app::definitions;
use crate::auth::guard::Authenticated;
use crate::error::{ApiResult, BodyErrors, CommonErrors};
use crate::extract::OptionalBody;
use crate::list_answer::ListAnswer;
use crate::AppState;
use actix_web::{post, web};
use ferry_domain::actor_definition::{
    ActorType, DefinitionListRequestBody, SourceDefinitionRead, SourceDefinitionReadList,
};

/// List the source definitions
///
/// With no body (or `{}`) every live source definition, oldest first, unpaged, as in the
/// 2020 contract. `nameContains`, `sortBy`/`sortOrder` and keyset pages (`pageSize`,
/// `cursor`) follow docs/API-DESIGN.md, "Lists". Any authenticated caller may read the
/// catalog.
#[utoipa::path(
    tag = "source_definition",
    operation_id = "listSourceDefinitions",
    request_body(content = Option<DefinitionListRequestBody>, description = "Optional"),
    responses(
        (status = 200, description = "Successful operation", body = SourceDefinitionReadList),
        BodyErrors, CommonErrors
    )
)]
#[post("/v1/source_definitions/list")]
pub async fn list_source_definitions(
    state: web::Data<AppState>,
    OptionalBody(request, _): OptionalBody<DefinitionListRequestBody, Authenticated>,
) -> ApiResult<ListAnswer<SourceDefinitionReadList>> {
    Ok(definitions::list(&state, ActorType::Source, request)
        .await?
        .map::<SourceDefinitionRead>()
        .into())
}
