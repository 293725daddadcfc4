//! Sources and destinations ("actors"): the same rules on one table, told apart by
//! [`ActorType`]; the handlers of both families call these.

use super::lists::Listed;
use super::{configuration, connectors};
use crate::AppState;
use ferry_domain::actor::{Actor, ActorChanges, ActorListQuery, NewActor};
use ferry_domain::actor_definition::ActorType;
use ferry_domain::{Error, Result};
use ferry_persistence::store::actors::{self, ActorFilter, ActorPage};
use uuid::Uuid;

/// Creates one in a workspace from a live definition of the same type; its configuration
/// must match the definition's spec.
pub async fn create(state: &AppState, actor_type: ActorType, new: NewActor) -> Result<Actor> {
    let actor = insert(state, actor_type, new, None).await?;
    tracing::info!(id = %actor.id, actor_type = actor_type.as_str(),
        workspace_id = %actor.workspace_id, "created");
    Ok(actor)
}

/// One by id, deleted or not (connections and jobs still refer to it).
pub async fn get(state: &AppState, actor_type: ActorType, id: Uuid) -> Result<Actor> {
    state
        .db
        .run(move |conn| actors::get(conn, actor_type, id))
        .await
}

/// One page of a workspace's live ones (docs/API-DESIGN.md, "Lists"), and the next page's
/// cursor; the store answers 404 for an unknown or deleted workspace.
pub async fn list(
    state: &AppState,
    actor_type: ActorType,
    query: ActorListQuery,
) -> Result<Listed<Actor>> {
    let (paging, fingerprint) = super::lists::paging(state, actor_type.as_str(), &query)?;
    let filter = ActorFilter {
        workspace_id: query.workspace_id,
        definition_id: query.definition_id,
        name_contains: query.name_contains,
    };
    let page = ActorPage {
        sort_by: query.sort_by,
        order: query.order,
        paging,
    };
    super::lists::answer_page(state, page, fingerprint, move |conn, page| {
        actors::list(conn, actor_type, &filter, page)
    })
    .await
}

/// Replaces the name and configuration; masks sent back keep the stored secrets.
pub async fn update(
    state: &AppState,
    actor_type: ActorType,
    id: Uuid,
    changes: ActorChanges,
) -> Result<Actor> {
    let changes = configuration::prepare_changes(state, actor_type, id, changes).await?;
    let actor = state
        .db
        .write(move |conn| actors::update(conn, actor_type, id, &changes))
        .await?;
    tracing::info!(%id, actor_type = actor_type.as_str(), "updated");
    Ok(actor)
}

/// A soft delete; the store deprecates every connection using it in the same transaction.
pub async fn delete(
    state: &AppState,
    actor_type: ActorType,
    id: Uuid,
    expected: Option<i64>,
) -> Result<()> {
    state
        .db
        .write(move |conn| actors::delete(conn, actor_type, id, expected))
        .await?;
    tracing::info!(%id, actor_type = actor_type.as_str(), "deleted");
    Ok(())
}

/// `web_backend/*/create`: creates one and keeps it only if the connector's check of it
/// succeeds. The check runs on what was stored (secrets restored, validated), so it is
/// created first and removed again when the check fails or cannot run.
pub async fn create_checked(
    state: &AppState,
    actor_type: ActorType,
    new: NewActor,
) -> Result<Actor> {
    keep_if_checked(state, insert(state, actor_type, new, None).await?).await
}

/// `web_backend/*/recreate`: creates a replacement for `replaced` and checks it; only when
/// the check succeeds is the replaced one deleted (deprecating its connections), so a
/// failed check loses nothing. Masks in the new configuration stand for the replaced one's
/// stored secrets, as on update.
pub async fn recreate(
    state: &AppState,
    actor_type: ActorType,
    new: NewActor,
    replaced: Uuid,
) -> Result<Actor> {
    let stored = get(state, actor_type, replaced).await?;
    let created = insert(state, actor_type, new, Some(&stored)).await?;
    let created = keep_if_checked(state, created).await?;
    state
        .db
        .write(move |conn| actors::delete(conn, actor_type, replaced, None))
        .await?;
    tracing::info!(new = %created.id, replaced = %replaced, "recreated");
    Ok(created)
}

/// Validates the configuration against the spec, finds its secrets, and stores the actor.
async fn insert(
    state: &AppState,
    actor_type: ActorType,
    new: NewActor,
    replacing: Option<&Actor>,
) -> Result<Actor> {
    let (_, new) = configuration::prepare_new(state, actor_type, new, replacing).await?;
    state
        .db
        .write(move |conn| actors::create(conn, actor_type, &new))
        .await
}

/// Checks a just-created actor; one whose check fails (400 with the connector's message) or
/// cannot run is deleted again before the error is answered.
async fn keep_if_checked(state: &AppState, actor: Actor) -> Result<Actor> {
    let failure = match connectors::check(state, &actor).await {
        Ok(outcome) if outcome.succeeded => return Ok(actor),
        Ok(outcome) => Error::CheckFailed {
            message: outcome
                .message
                .unwrap_or_else(|| "the connector's check failed".into()),
        },
        Err(error) => error,
    };
    let (actor_type, id) = (actor.actor_type, actor.id);
    state
        .db
        .write(move |conn| actors::delete(conn, actor_type, id, None))
        .await?;
    Err(failure)
}
