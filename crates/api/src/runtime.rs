//! What the API asks of connectors: their spec (cached per repository:tag), validation of a
//! configuration against it, where its secrets are, and checks.

use crate::AppState;
use ferry_domain::actor::{Actor, ActorChanges, NewActor};
use ferry_domain::actor_definition::{ActorDefinition, ActorType};
use ferry_domain::secrets::{property_path, restore, secret_paths};
use ferry_domain::{Error, Result, Violation};
use ferry_persistence::store::specs::{self, CachedSpec};
use ferry_persistence::store::{actor_definitions, actors};
use ferry_worker::{CheckOutcome, Image, RuntimeError};
use serde_json::Value;
use uuid::Uuid;

impl From<RuntimeError> for crate::error::ApiError {
    fn from(error: RuntimeError) -> Self {
        Error::ConnectorFailed {
            message: error.to_string(),
        }
        .into()
    }
}

fn image(definition: &ActorDefinition) -> Image {
    Image {
        repository: definition.docker_repository.clone(),
        tag: definition.docker_image_tag.clone(),
    }
}

/// The spec of a definition's image: from the cache, or by running `spec` once.
pub async fn spec(
    state: &AppState,
    definition: &ActorDefinition,
) -> crate::error::ApiResult<CachedSpec> {
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
    let fetched = state.connectors.spec(&image(definition)).await?;
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

/// Checks a configuration against a connection specification: each violation is a 422
/// naming `connectionConfiguration.<path>`. The messages never echo values (they may be
/// secrets).
pub fn validate(specification: &Value, configuration: &Value) -> Result<()> {
    let validator =
        jsonschema::validator_for(specification).map_err(|e| Error::ConnectorFailed {
            message: format!("the connector's specification is not a valid JSON Schema: {e}"),
        })?;
    let violations: Vec<Violation> = validator
        .iter_errors(configuration)
        .map(|error| {
            let pointer = error.instance_path().to_string();
            let segments: Vec<String> = pointer
                .split('/')
                .skip(1)
                .map(|s| s.replace("~1", "/").replace("~0", "~"))
                .collect();
            let path = property_path("connectionConfiguration", &segments);
            Violation::new(path, describe(&error))
        })
        .collect();
    if violations.is_empty() {
        return Ok(());
    }
    Err(Error::InvalidInput {
        message: format!(
            "connectionConfiguration does not match the connector's specification ({} violations)",
            violations.len()
        ),
        violations,
    })
}

/// A violation in words that name the rule but not the value.
fn describe(error: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as Kind;
    match error.kind() {
        Kind::Required { property } => format!("{property} is required"),
        Kind::Type { kind } => format!("must be of type {kind:?}"),
        Kind::AdditionalProperties { unexpected } => {
            format!("unexpected properties: {}", unexpected.join(", "))
        }
        Kind::Enum { .. } => "is not one of the allowed values".to_string(),
        Kind::Minimum { limit } => format!("must be at least {limit}"),
        Kind::Maximum { limit } => format!("must be at most {limit}"),
        Kind::MinLength { limit } => format!("must be at least {limit} characters"),
        Kind::MaxLength { limit } => format!("must be at most {limit} characters"),
        Kind::Pattern { pattern } => format!("must match {pattern}"),
        _ => "does not match the connector's specification".to_string(),
    }
}

/// A new actor whose configuration matches its definition's spec, with its secrets found.
/// `replacing`: the stored actor it replaces (`web_backend/*/recreate`), whose secrets stand
/// in for the masks a client sends back, as on update.
pub async fn prepare_new(
    state: &AppState,
    actor_type: ActorType,
    mut new: NewActor,
    replacing: Option<&Actor>,
) -> crate::error::ApiResult<NewActor> {
    let definition_id = new.definition_id;
    let definition = state
        .db
        .run(move |conn| actor_definitions::get(conn, actor_type, definition_id))
        .await
        .map_err(|error| match error {
            Error::NotFound { .. } => Error::invalid(
                Violation::new(
                    actor_type.definition_id_field(),
                    format!("names no live {} definition", actor_type.as_str()),
                )
                .with_value(definition_id.to_string()),
            ),
            other => other,
        })?;
    let spec = spec(state, &definition).await?;
    if let Some(stored) = replacing {
        restore_masked(
            &spec.specification,
            &mut new.configuration,
            &stored.configuration,
        )?;
    }
    validate(&spec.specification, &new.configuration)?;
    new.secret_paths = secret_paths(&spec.specification, &new.configuration);
    Ok(new)
}

/// Replaces each secret mask in `configuration` by the stored secret at the same path; a
/// mask where nothing was stored is a 422 (the mask itself must never be stored).
fn restore_masked(specification: &Value, configuration: &mut Value, stored: &Value) -> Result<()> {
    let paths = secret_paths(specification, configuration);
    restore(configuration, stored, &paths).map_err(|path| {
        Error::invalid(Violation::new(
            property_path("connectionConfiguration", &path),
            "is the mask of a secret that was never stored; send the secret itself",
        ))
    })
}

/// Changes for an existing actor: masks sent back are replaced by the stored secrets, then
/// the configuration is validated and its secrets found.
pub async fn prepare_changes(
    state: &AppState,
    actor_type: ActorType,
    id: Uuid,
    mut changes: ActorChanges,
) -> crate::error::ApiResult<ActorChanges> {
    let (stored, definition) = state
        .db
        .run(move |conn| {
            let actor = actors::get(conn, actor_type, id)?;
            let definition = actor_definitions::get(conn, actor_type, actor.definition_id)?;
            Ok((actor, definition))
        })
        .await?;
    let spec = spec(state, &definition).await?;
    restore_masked(
        &spec.specification,
        &mut changes.configuration,
        &stored.configuration,
    )?;
    validate(&spec.specification, &changes.configuration)?;
    changes.secret_paths = secret_paths(&spec.specification, &changes.configuration);
    Ok(changes)
}

/// Runs the connector's check on an actor's stored (unmasked) configuration.
pub async fn check(state: &AppState, actor: &Actor) -> crate::error::ApiResult<CheckOutcome> {
    let (actor_type, definition_id) = (actor.actor_type, actor.definition_id);
    let definition = state
        .db
        .run(move |conn| actor_definitions::get(conn, actor_type, definition_id))
        .await?;
    let outcome = state
        .connectors
        .check(&image(&definition), &actor.configuration)
        .await?;
    tracing::info!(actor_id = %actor.id, succeeded = outcome.succeeded, "connection checked");
    Ok(outcome)
}

/// Runs `discover` on a source's stored configuration.
pub async fn discover(
    state: &AppState,
    source: &Actor,
) -> crate::error::ApiResult<ferry_worker::protocol::AirbyteCatalog> {
    let definition_id = source.definition_id;
    let definition = state
        .db
        .run(move |conn| actor_definitions::get(conn, ActorType::Source, definition_id))
        .await?;
    Ok(state
        .connectors
        .discover(&image(&definition), &source.configuration)
        .await?)
}
