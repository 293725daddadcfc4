//! What the API asks of connectors: their spec, a check, a discover. Runs go through the
//! worker's launcher; their failures are [`Error::ConnectorFailed`] (a 502), because the
//! request was fine and the connector was not.

use crate::AppState;
use ferry_domain::actor::{Actor, CheckConnectionRead, CheckStatus};
use ferry_domain::actor_definition::{ActorDefinition, ActorType};
use ferry_domain::connection::SourceSchema;
use ferry_domain::{Error, Result};
use ferry_persistence::store::actor_definitions;
use ferry_persistence::store::specs::{self, CachedSpec};
use ferry_worker::protocol::AirbyteCatalog;
use ferry_worker::{CheckOutcome, Image, RuntimeError};
use uuid::Uuid;

/// A connector that could not be run, or did not answer as the protocol asks.
fn connector_failed(error: RuntimeError) -> Error {
    Error::ConnectorFailed {
        message: error.to_string(),
    }
}

fn image(definition: &ActorDefinition) -> Image {
    Image {
        repository: definition.docker_repository.clone(),
        tag: definition.docker_image_tag.clone(),
    }
}

/// The spec of a definition's image: from the cache, or by running `spec` once. The cache
/// is keyed by repository and tag, so a definition whose tag changes is asked again.
pub async fn spec(state: &AppState, definition: &ActorDefinition) -> Result<CachedSpec> {
    let (repository, tag) = (
        definition.docker_repository.clone(),
        definition.docker_image_tag.clone(),
    );
    let cached = {
        let (repository, tag) = (repository.clone(), tag.clone());
        state
            .db
            .run(move |conn| specs::get(conn, &repository, &tag))
            .await?
    };
    if let Some(spec) = cached {
        return Ok(spec);
    }
    let fetched = state
        .connectors
        .spec(&image(definition))
        .await
        .map_err(connector_failed)?;
    let spec = CachedSpec {
        specification: fetched.connection_specification,
        documentation_url: fetched.documentation_url,
    };
    let stored = spec.clone();
    state
        .db
        .run(move |conn| specs::put(conn, &repository, &tag, &stored))
        .await?;
    Ok(spec)
}

/// The spec of the definition an id names (404 when it names none).
pub async fn spec_of_definition(
    state: &AppState,
    actor_type: ActorType,
    definition_id: Uuid,
) -> Result<CachedSpec> {
    let definition = super::definitions::get(state, actor_type, definition_id).await?;
    spec(state, &definition).await
}

/// `*/check_connection`: the check of a stored source or destination. A check that ran
/// answers what the connector said, failed or not; only a connector that could not be run
/// at all is an error (502).
pub async fn check_connection(
    state: &AppState,
    actor_type: ActorType,
    id: Uuid,
) -> Result<CheckConnectionRead> {
    let actor = super::actors::get(state, actor_type, id).await?;
    let outcome = check(state, &actor).await?;
    Ok(CheckConnectionRead {
        status: if outcome.succeeded {
            CheckStatus::Succeeded
        } else {
            CheckStatus::Failed
        },
        message: outcome.message,
    })
}

/// `sources/discover_schema`: the streams a stored source offers, every stream and field
/// selected.
pub async fn discover_schema(state: &AppState, source_id: Uuid) -> Result<SourceSchema> {
    let source = super::actors::get(state, ActorType::Source, source_id).await?;
    let catalog = discover(state, &source).await?;
    Ok(ferry_worker::catalog::to_source_schema(&catalog))
}

/// Runs the connector's check on an actor's stored configuration: the real secrets, never
/// the masks a client sees.
pub async fn check(state: &AppState, actor: &Actor) -> Result<CheckOutcome> {
    let definition = definition_of(state, actor).await?;
    let outcome = state
        .connectors
        .check(&image(&definition), &actor.configuration)
        .await
        .map_err(connector_failed)?;
    tracing::info!(actor_id = %actor.id, succeeded = outcome.succeeded, "connection checked");
    Ok(outcome)
}

/// Runs `discover` on a source's stored configuration.
async fn discover(state: &AppState, source: &Actor) -> Result<AirbyteCatalog> {
    let definition = definition_of(state, source).await?;
    state
        .connectors
        .discover(&image(&definition), &source.configuration)
        .await
        .map_err(connector_failed)
}

/// The check of a configuration not stored yet (`web_backend/workspaces/create` checks
/// before it creates anything).
pub async fn check_configuration(
    state: &AppState,
    definition: &ActorDefinition,
    configuration: &serde_json::Value,
) -> Result<CheckOutcome> {
    state
        .connectors
        .check(&image(definition), configuration)
        .await
        .map_err(connector_failed)
}

/// The streams a source configuration not stored yet offers, every stream and field
/// selected.
pub async fn discover_configuration(
    state: &AppState,
    definition: &ActorDefinition,
    configuration: &serde_json::Value,
) -> Result<SourceSchema> {
    let catalog = state
        .connectors
        .discover(&image(definition), configuration)
        .await
        .map_err(connector_failed)?;
    Ok(ferry_worker::catalog::to_source_schema(&catalog))
}

/// The definition an actor was made from; a deleted one still runs the actor's connector.
async fn definition_of(state: &AppState, actor: &Actor) -> Result<ActorDefinition> {
    let (actor_type, definition_id) = (actor.actor_type, actor.definition_id);
    state
        .db
        .run(move |conn| actor_definitions::get(conn, actor_type, definition_id))
        .await
}
