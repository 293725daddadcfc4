//! A source's or destination's configuration before it is stored: validated against its
//! definition's spec, with the masks a client sends back replaced by the stored secrets, and
//! with where its secrets are recorded (so that every read can mask them).

use super::{connectors, definitions};
use crate::AppState;
use ferry_domain::actor::{Actor, ActorChanges, NewActor};
use ferry_domain::actor_definition::{ActorDefinition, ActorType};
use ferry_domain::secrets::{property_path, restore, secret_paths};
use ferry_domain::{Error, Result, Violation};
use ferry_persistence::store::{actor_definitions, actors};
use serde_json::Value;
use uuid::Uuid;

/// A new actor whose configuration matches its definition's spec, with its secrets found,
/// and that definition (callers that run the connector next need it).
/// `replacing`: the stored actor it replaces (`web_backend/*/recreate`), whose secrets stand
/// in for the masks a client sends back, as on update.
pub async fn prepare_new(
    state: &AppState,
    actor_type: ActorType,
    mut new: NewActor,
    replacing: Option<&Actor>,
) -> Result<(ActorDefinition, NewActor)> {
    let definition = definitions::named_in_body(state, actor_type, new.definition_id).await?;
    let spec = connectors::spec(state, &definition).await?;
    if let Some(stored) = replacing {
        restore_masked(
            &spec.specification,
            &mut new.configuration,
            &stored.configuration,
        )?;
    }
    validate(&spec.specification, &new.configuration)?;
    new.secret_paths = secret_paths(&spec.specification, &new.configuration);
    Ok((definition, new))
}

/// Changes for an existing actor: masks sent back are replaced by the stored secrets, then
/// the configuration is validated and its secrets found.
pub async fn prepare_changes(
    state: &AppState,
    actor_type: ActorType,
    id: Uuid,
    mut changes: ActorChanges,
) -> Result<ActorChanges> {
    let (stored, definition) = state
        .db
        .run(move |conn| {
            let actor = actors::get(conn, actor_type, id)?;
            let definition = actor_definitions::get(conn, actor_type, actor.definition_id)?;
            Ok((actor, definition))
        })
        .await?;
    let spec = connectors::spec(state, &definition).await?;
    restore_masked(
        &spec.specification,
        &mut changes.configuration,
        &stored.configuration,
    )?;
    validate(&spec.specification, &changes.configuration)?;
    changes.secret_paths = secret_paths(&spec.specification, &changes.configuration);
    Ok(changes)
}

/// Checks a configuration against a connection specification: each violation is a 422
/// naming `connectionConfiguration.<path>`. The messages never echo values (they may be
/// secrets).
fn validate(specification: &Value, configuration: &Value) -> Result<()> {
    let validator =
        jsonschema::validator_for(specification).map_err(|e| Error::ConnectorFailed {
            message: format!("the connector's specification is not a valid JSON Schema: {e}"),
        })?;
    let violations: Vec<Violation> = validator
        .iter_errors(configuration)
        .map(|error| {
            let pointer = error.instance_path().to_string();
            // A JSON pointer's segments, unescaped (RFC 6901: `~1` is `/`, `~0` is `~`).
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
