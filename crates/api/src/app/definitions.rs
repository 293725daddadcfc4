//! Connector definitions of either type. Source and destination definitions are the same
//! rules on one table, told apart by [`ActorType`]; the handlers of both families call these.

use super::lists::Listed;
use crate::AppState;
use ferry_domain::actor_definition::{
    ActorDefinition, ActorType, DefinitionListRequestBody, DefinitionSortBy, NewActorDefinition,
};
use ferry_domain::list::SortOrder;
use ferry_domain::values::DockerImageTag;
use ferry_domain::{Error, Result, Violation};
use ferry_persistence::store::actor_definitions;
use ferry_persistence::store::actor_definitions::{DefinitionFilter, DefinitionPage};
use uuid::Uuid;

pub async fn create(
    state: &AppState,
    actor_type: ActorType,
    new: NewActorDefinition,
) -> Result<ActorDefinition> {
    let definition = state
        .db
        .write(move |conn| actor_definitions::create(conn, actor_type, &new))
        .await?;
    tracing::info!(definition_id = %definition.id, actor_type = actor_type.as_str(),
        "definition created");
    Ok(definition)
}

/// A definition by id, deleted or not (what was made from it still refers to it).
pub async fn get(state: &AppState, actor_type: ActorType, id: Uuid) -> Result<ActorDefinition> {
    state
        .db
        .run(move |conn| actor_definitions::get(conn, actor_type, id))
        .await
}

/// The definition a create body names. It is a reference inside a body, not the object the
/// operation is about, so naming nothing is an invalid field (422 on
/// `sourceDefinitionId` / `destinationDefinitionId`, with the id echoed), not a 404.
pub async fn named_in_body(
    state: &AppState,
    actor_type: ActorType,
    id: Uuid,
) -> Result<ActorDefinition> {
    get(state, actor_type, id)
        .await
        .map_err(|error| match error {
            Error::NotFound { .. } => Error::invalid(
                Violation::new(
                    actor_type.definition_id_field(),
                    format!("names no live {} definition", actor_type.as_str()),
                )
                .with_value(id.to_string()),
            ),
            other => other,
        })
}

/// The live definitions, oldest first.
pub async fn list(
    state: &AppState,
    actor_type: ActorType,
    mut request: DefinitionListRequestBody,
) -> Result<Listed<ActorDefinition>> {
    // Defaults are written into the request so that a cursor fingerprints what was meant.
    let sort_by = *request.sort_by.get_or_insert(DefinitionSortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Asc);
    let (paging, query) =
        super::lists::paging(state, actor_type.definition_resource().name(), &request)?;
    let filter = DefinitionFilter {
        actor_type,
        name_contains: request.name_contains.map(|n| n.to_lowercase()),
    };
    let page = DefinitionPage {
        sort_by,
        order,
        paging,
    };
    super::lists::answer_page(state, page, query, move |conn, page| {
        actor_definitions::list(conn, &filter, page)
    })
    .await
}

/// Changes the default image tag, the only field that can change. The store forgets the
/// repository's cached spec, so the new image's spec is asked for when next needed. Without a
/// tag nothing changes.
pub async fn update_image_tag(
    state: &AppState,
    actor_type: ActorType,
    id: Uuid,
    tag: Option<DockerImageTag>,
    expected: Option<i64>,
) -> Result<ActorDefinition> {
    let definition = state
        .db
        .write(move |conn| {
            actor_definitions::update_image_tag(conn, actor_type, id, tag.as_ref(), expected)
        })
        .await?;
    tracing::info!(definition_id = %id, tag = %definition.docker_image_tag, "definition updated");
    Ok(definition)
}

/// A soft delete; the store refuses it (409, with the count) while live sources or
/// destinations use the definition.
pub async fn delete(
    state: &AppState,
    actor_type: ActorType,
    id: Uuid,
    expected: Option<i64>,
) -> Result<()> {
    state
        .db
        .write(move |conn| actor_definitions::delete(conn, actor_type, id, expected))
        .await?;
    tracing::info!(definition_id = %id, "definition deleted");
    Ok(())
}
