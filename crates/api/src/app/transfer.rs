//! Workspace export and import (docs/API-DESIGN.md, "Export and import"): what a document
//! holds, how its secrets are left out or sealed under a passphrase, and how an import
//! matches definitions, fills in secrets and creates everything in one transaction.

use super::connectors;
use crate::AppState;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ferry_domain::access::Caller;
use ferry_domain::actor::ActorSortBy;
use ferry_domain::actor::{Actor, NewActor};
use ferry_domain::actor_definition::{ActorDefinition, ActorType};
use ferry_domain::connection::Connection;
use ferry_domain::export::{
    ExportedActor, ExportedConnection, ExportedDefinition, ExportedWorkspace, MissingSecretRead,
    SecretsEncryption, WorkspaceExport, WorkspaceExportRequestBody, WorkspaceImportRead,
    WorkspaceImportRequestBody, ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM,
    CIPHER_AES_256_GCM, EXPORT_VERSION, KDF_ARGON2ID,
};
use ferry_domain::ids::{DestinationId, SourceId};
use ferry_domain::list::{Paging, SortOrder};
use ferry_domain::schedule::Schedule;
use ferry_domain::secrets::{self, SecretPath, MASK};
use ferry_domain::workspace::{normalise_tags, WorkspaceRead};
use ferry_domain::{Error, Result, Violation};
use ferry_persistence::secrets::{SecretBox, SecretKey, PREFIX};
use ferry_persistence::store::actors::{ActorFilter, ActorPage};
use ferry_persistence::store::connections::{ConnectionFilter, ConnectionPage, NewConnection};
use ferry_persistence::store::workspaces::NewWorkspace;
use ferry_persistence::store::{actor_definitions, actors, connections, workspaces};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Bytes of salt in a new document.
const SALT_BYTES: usize = 16;

/// The document of a live workspace. Secrets are masked, or sealed under a key derived from
/// `passphrase` when the request includes them (its handler made sure the caller is an admin).
pub async fn export(
    state: &AppState,
    request: WorkspaceExportRequestBody,
) -> Result<WorkspaceExport> {
    let id = request.workspace_id;
    let (workspace, sources, destinations, connections, definitions) = state
        .db
        .run(move |conn| {
            let workspace = workspaces::get_live(conn, id)?;
            let mut live = |actor_type| {
                let filter = ActorFilter {
                    workspace_id: id,
                    definition_id: None,
                    name_contains: None,
                };
                let page = ActorPage {
                    sort_by: ActorSortBy::CreatedAt,
                    order: SortOrder::Asc,
                    paging: Paging::All,
                };
                actors::list(conn, actor_type, &filter, &page).map(|p| p.items)
            };
            let sources = live(ActorType::Source)?;
            let destinations = live(ActorType::Destination)?;
            let mut definitions = HashMap::new();
            for actor in sources.iter().chain(&destinations) {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    definitions.entry(actor.definition_id)
                {
                    slot.insert(actor_definitions::get(
                        conn,
                        actor.actor_type,
                        actor.definition_id,
                    )?);
                }
            }
            let connections = connections::list(
                conn,
                &ConnectionFilter::workspace(id),
                &ConnectionPage::all(),
            )?
            .items;
            Ok((workspace, sources, destinations, connections, definitions))
        })
        .await?;
    let sealing = match (request.includes_secrets(), request.passphrase) {
        (true, Some(passphrase)) => Some(new_sealing(passphrase).await?),
        _ => None,
    };
    let exported = |actor: &Actor| -> Result<ExportedActor> {
        let definition = definitions
            .get(&actor.definition_id)
            .ok_or_else(|| Error::internal(format!("actor {} lost its definition", actor.id)))?;
        let sealed_or_masked = match &sealing {
            Some((sealer, _)) => sealer.seal(&actor.configuration, &actor.secret_paths)?,
            None => secrets::mask(&actor.configuration, &actor.secret_paths),
        };
        let configuration = mark_missing(sealed_or_masked, &actor.secret_paths);
        Ok(ExportedActor {
            actor_id: actor.id,
            name: actor.name.clone().try_into().map_err(Error::internal)?,
            definition: exported_definition(definition)?,
            connection_configuration: configuration,
            secret_paths: actor.secret_paths.clone(),
        })
    };
    let mut sources: Vec<ExportedActor> = sources.iter().map(exported).collect::<Result<_>>()?;
    let mut destinations: Vec<ExportedActor> =
        destinations.iter().map(exported).collect::<Result<_>>()?;
    sources.sort_by_key(actor_order);
    destinations.sort_by_key(actor_order);
    let mut connections: Vec<ExportedConnection> = connections
        .into_iter()
        .map(exported_connection)
        .collect::<Result<_>>()?;
    // A stable order, whatever the ids: by name, then by the positions of the actors.
    let position =
        |actors: &[ExportedActor], id: Uuid| actors.iter().position(|a| a.actor_id == id);
    connections.sort_by_key(|c| {
        (
            c.name.as_str().to_string(),
            position(&sources, c.source_id),
            position(&destinations, c.destination_id),
            serde_json::to_string(c).unwrap_or_default(),
        )
    });
    Ok(WorkspaceExport {
        ferry_export_version: EXPORT_VERSION,
        exported_at: chrono::Utc::now(),
        workspace: ExportedWorkspace {
            workspace_id: workspace.id,
            name: workspace.name.try_into().map_err(Error::internal)?,
            email: workspace
                .email
                .map(TryInto::try_into)
                .transpose()
                .map_err(Error::internal)?,
            description: workspace.description,
            status: workspace.status,
            tags: workspace
                .tags
                .into_iter()
                .map(TryInto::try_into)
                .collect::<std::result::Result<_, _>>()
                .map_err(Error::internal)?,
            region: workspace.region,
            workspace_type: workspace.workspace_type,
            domain_name: workspace
                .domain_name
                .map(TryInto::try_into)
                .transpose()
                .map_err(Error::internal)?,
            anonymous_data_collection: workspace.anonymous_data_collection,
            news: workspace.news,
            security_updates: workspace.security_updates,
        },
        secrets_encryption: sealing.map(|(_, encryption)| encryption),
        sources,
        destinations,
        connections,
    })
}

/// `config` with the mask where a secret is missing (an actor imported without it), so that
/// the document says it is left out as it does of a masked one.
fn mark_missing(mut marked: Value, paths: &[SecretPath]) -> Value {
    for path in paths {
        if secrets::value_at(&marked, path).is_none() {
            secrets::insert_at(&mut marked, path, Value::String(MASK.to_string()));
        }
    }
    marked
}

/// The order of actors in a document: by name, image and configuration, never by id.
fn actor_order(actor: &ExportedActor) -> (String, String, String) {
    (
        actor.name.as_str().to_string(),
        actor.definition.to_string(),
        actor.connection_configuration.to_string(),
    )
}

fn exported_definition(definition: &ActorDefinition) -> Result<ExportedDefinition> {
    Ok(ExportedDefinition {
        docker_repository: definition
            .docker_repository
            .clone()
            .try_into()
            .map_err(Error::internal)?,
        docker_image_tag: definition
            .docker_image_tag
            .clone()
            .try_into()
            .map_err(Error::internal)?,
    })
}

fn exported_connection(c: Connection) -> Result<ExportedConnection> {
    Ok(ExportedConnection {
        connection_id: c.id.0,
        name: c.name.try_into().map_err(Error::internal)?,
        source_id: c.source_id.0,
        destination_id: c.destination_id.0,
        sync_mode: c.sync_mode,
        sync_schema: c.sync_schema,
        schedule_type: c.schedule.schedule_type(),
        schedule_data: c.schedule.data(),
        status: c.status,
    })
}

/// A new random salt, the key it and the passphrase derive, and how a document says so.
async fn new_sealing(passphrase: String) -> Result<(SecretBox, SecretsEncryption)> {
    let salt = SecretKey::random_bytes(SALT_BYTES)?;
    let encryption = SecretsEncryption {
        kdf: KDF_ARGON2ID.to_string(),
        salt: STANDARD.encode(&salt),
        memory_kib: ARGON2_MEMORY_KIB,
        iterations: ARGON2_ITERATIONS,
        parallelism: ARGON2_PARALLELISM,
        cipher: CIPHER_AES_256_GCM.to_string(),
        key_id: String::new(),
    };
    let key = derive(passphrase, salt, &encryption).await?;
    let encryption = SecretsEncryption {
        key_id: key.id().to_string(),
        ..encryption
    };
    Ok((SecretBox::new(key, Vec::new()), encryption))
}

/// Argon2id costs tens of milliseconds of CPU by design: off the executor.
async fn derive(passphrase: String, salt: Vec<u8>, how: &SecretsEncryption) -> Result<SecretKey> {
    let (memory, iterations, parallelism) = (how.memory_kib, how.iterations, how.parallelism);
    actix_web::web::block(move || {
        SecretKey::from_passphrase(&passphrase, &salt, memory, iterations, parallelism)
    })
    .await
    .map_err(|e| Error::internal(format!("key derivation did not run: {e}")))?
}

/// One actor of the document, ready to be created: its definition, its configuration with
/// its secrets filled in, and the secrets it goes without.
#[derive(Clone)]
struct Prepared {
    document_id: Uuid,
    definition_id: Uuid,
    name: String,
    configuration: Value,
    secret_paths: Vec<SecretPath>,
    missing: Vec<SecretPath>,
}

/// Creates a workspace from a document in one transaction (see the module doc).
pub async fn import(
    state: &AppState,
    caller: &Caller,
    request: WorkspaceImportRequestBody,
) -> Result<WorkspaceImportRead> {
    let document = read_document(request.document)?;
    let opener = match (&document.secrets_encryption, request.passphrase) {
        (Some(encryption), Some(passphrase)) => Some(opener(encryption, passphrase).await?),
        (Some(_), None) => {
            return Err(Error::invalid(Violation::new(
                "passphrase",
                "is required: the document's secrets are encrypted under a passphrase",
            )))
        }
        (None, _) => None,
    };
    let region = state
        .regions
        .resolve(Some(&document.workspace.region))
        .map_err(|e| prefixed("document.workspace", e))?;
    check_references(&document)?;
    let given = given_secrets(&document, request.secrets.unwrap_or_default())?;
    let definitions = definitions_of(state, &document).await?;
    let mut specs = HashMap::new();
    for definition in definitions.values() {
        if let std::collections::hash_map::Entry::Vacant(slot) = specs.entry(definition.id) {
            slot.insert(connectors::spec(state, definition).await?.specification);
        }
    }
    let prepare = |field: &str, actor_type: ActorType, actors: &[ExportedActor]| {
        actors
            .iter()
            .enumerate()
            .map(|(i, actor)| {
                let definition = definitions
                    .get(&(actor_type, actor.definition.to_string()))
                    .ok_or_else(|| Error::internal("a definition was not resolved"))?;
                let spec = specs
                    .get(&definition.id)
                    .ok_or_else(|| Error::internal("a spec was not read"))?;
                prepare_actor(
                    &format!("document.{field}[{i}]"),
                    actor,
                    definition.id,
                    spec,
                    opener.as_ref(),
                    &given,
                )
            })
            .collect::<Result<Vec<Prepared>>>()
    };
    let sources = prepare("sources", ActorType::Source, &document.sources)?;
    let destinations = prepare(
        "destinations",
        ActorType::Destination,
        &document.destinations,
    )?;
    let schedules: Vec<Schedule> = document
        .connections
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Schedule::from_request(None, Some(c.schedule_type), c.schedule_data.as_ref())
                .map_err(|v| prefixed(&format!("document.connections[{i}]"), Error::invalid(v)))
        })
        .collect::<Result<_>>()?;
    let w = &document.workspace;
    let new_workspace = NewWorkspace {
        organization_id: request.organization_id,
        name: request
            .name
            .map(String::from)
            .unwrap_or_else(|| w.name.to_string()),
        email: w.email.as_ref().map(ToString::to_string),
        description: w.description.clone(),
        status: w.status,
        tags: normalise_tags(&w.tags),
        region,
        anonymous_data_collection: w.anonymous_data_collection,
        news: w.news,
        security_updates: w.security_updates,
        by: caller.user_id,
        owner_id: caller.user_id,
        workspace_type: w.workspace_type,
        domain_name: w.domain_name.as_ref().map(ToString::to_string),
    };
    let by = caller.user_id;
    let links = document.connections.clone();
    let (new_sources, new_destinations) = (sources.clone(), destinations.clone());
    let (workspace, source_ids, destination_ids) = state
        .db
        .write(move |conn| {
            let workspace = workspaces::create(conn, &new_workspace)?;
            let mut create_all = |actor_type, prepared: &[Prepared]| {
                prepared
                    .iter()
                    .map(|p| {
                        let new = NewActor {
                            workspace_id: workspace.id,
                            definition_id: p.definition_id,
                            name: Some(p.name.clone()),
                            configuration: p.configuration.clone(),
                            secret_paths: p.secret_paths.clone(),
                            by,
                        };
                        actors::create(conn, actor_type, &new).map(|a| (p.document_id, a.id))
                    })
                    .collect::<Result<HashMap<Uuid, Uuid>>>()
            };
            let source_ids = create_all(ActorType::Source, &new_sources)?;
            let destination_ids = create_all(ActorType::Destination, &new_destinations)?;
            for (link, schedule) in links.iter().zip(&schedules) {
                let (Some(source), Some(destination)) = (
                    source_ids.get(&link.source_id),
                    destination_ids.get(&link.destination_id),
                ) else {
                    return Err(Error::internal("a connection's actors were not created"));
                };
                connections::create(
                    conn,
                    &NewConnection {
                        name: Some(link.name.to_string()),
                        source_id: SourceId(*source),
                        destination_id: DestinationId(*destination),
                        sync_mode: link.sync_mode,
                        sync_schema: link.sync_schema.clone(),
                        schedule: schedule.clone(),
                        status: link.status,
                        by,
                    },
                )?;
            }
            Ok((workspace, source_ids, destination_ids))
        })
        .await?;
    let missing = |actor_type: ActorType, prepared: &[Prepared], ids: &HashMap<Uuid, Uuid>| {
        prepared
            .iter()
            .flat_map(|p| {
                p.missing.iter().map(move |path| MissingSecretRead {
                    actor_type: actor_type.as_str().to_string(),
                    actor_id: ids.get(&p.document_id).copied().unwrap_or_default(),
                    document_actor_id: p.document_id,
                    name: p.name.clone(),
                    secret_path: path.clone(),
                })
            })
            .collect::<Vec<_>>()
    };
    let mut missing_secrets = missing(ActorType::Source, &sources, &source_ids);
    missing_secrets.extend(missing(
        ActorType::Destination,
        &destinations,
        &destination_ids,
    ));
    tracing::info!(workspace_id = %workspace.id, sources = source_ids.len(),
        destinations = destination_ids.len(), connections = document.connections.len(),
        missing_secrets = missing_secrets.len(), "workspace imported");
    Ok(WorkspaceImportRead {
        workspace: WorkspaceRead::from(workspace),
        source_count: i64::try_from(source_ids.len()).unwrap_or(i64::MAX),
        destination_count: i64::try_from(destination_ids.len()).unwrap_or(i64::MAX),
        connection_count: i64::try_from(document.connections.len()).unwrap_or(i64::MAX),
        missing_secrets,
    })
}

/// The document, after its version: an unknown version is a 422 before anything else is
/// read, and every other failure names its path under `document`.
fn read_document(document: Value) -> Result<WorkspaceExport> {
    let path = "document.ferryExportVersion";
    match document.get("ferryExportVersion") {
        Some(version) if version.as_i64() == Some(EXPORT_VERSION) => {}
        Some(version) => {
            return Err(Error::invalid(
                Violation::new(
                    path,
                    format!(
                        "is an unknown document version; this server reads version {EXPORT_VERSION}"
                    ),
                )
                .with_value(version.to_string()),
            ))
        }
        None => return Err(Error::invalid(Violation::new(path, "is required"))),
    }
    let bytes = serde_json::to_vec(&document).map_err(Error::internal)?;
    crate::extract::parse::<WorkspaceExport>(&bytes).map_err(|e| prefixed("document", e))
}

/// `error` with each violation's path under `prefix`.
fn prefixed(prefix: &str, error: Error) -> Error {
    match error {
        Error::InvalidInput {
            message,
            violations,
        } => Error::InvalidInput {
            message: format!("{prefix}.{message}"),
            violations: violations
                .into_iter()
                .map(|v| Violation {
                    property_path: if v.property_path.is_empty() || v.property_path == "body" {
                        prefix.to_string()
                    } else if v.property_path.starts_with('[') {
                        format!("{prefix}{}", v.property_path)
                    } else {
                        format!("{prefix}.{}", v.property_path)
                    },
                    ..v
                })
                .collect(),
        },
        other => other,
    }
}

/// The key the document's secrets are sealed with, from the passphrase: a passphrase that
/// derives another key is a 422 on `passphrase`.
async fn opener(encryption: &SecretsEncryption, passphrase: String) -> Result<SecretBox> {
    encryption.check()?;
    let salt = STANDARD.decode(&encryption.salt).map_err(|_| {
        Error::invalid(
            Violation::new("document.secretsEncryption.salt", "is not base64")
                .with_value(encryption.salt.clone()),
        )
    })?;
    let key = derive(passphrase, salt, encryption).await?;
    if key.id() != encryption.key_id {
        return Err(Error::invalid(Violation::new(
            "passphrase",
            "does not open this document's secrets (it derives another key): wrong passphrase",
        )));
    }
    Ok(SecretBox::new(key, Vec::new()))
}

/// Every connection names one of the document's sources and one of its destinations.
fn check_references(document: &WorkspaceExport) -> Result<()> {
    let sources: HashSet<Uuid> = document.sources.iter().map(|a| a.actor_id).collect();
    let destinations: HashSet<Uuid> = document.destinations.iter().map(|a| a.actor_id).collect();
    let mut ids = HashSet::new();
    for (i, actor) in document
        .sources
        .iter()
        .chain(&document.destinations)
        .enumerate()
    {
        if !ids.insert(actor.actor_id) {
            let field = if i < document.sources.len() {
                format!("document.sources[{i}].actorId")
            } else {
                format!(
                    "document.destinations[{}].actorId",
                    i - document.sources.len()
                )
            };
            return Err(Error::invalid(
                Violation::new(field, "is the id of another actor in the document")
                    .with_value(actor.actor_id.to_string()),
            ));
        }
    }
    for (i, c) in document.connections.iter().enumerate() {
        for (field, id, known) in [
            ("sourceId", c.source_id, &sources),
            ("destinationId", c.destination_id, &destinations),
        ] {
            if !known.contains(&id) {
                return Err(Error::invalid(
                    Violation::new(
                        format!("document.connections[{i}].{field}"),
                        "names no actor of the document on that side",
                    )
                    .with_value(id.to_string()),
                ));
            }
        }
    }
    Ok(())
}

/// The secrets a request gives, by document actor and path; each must name an actor of the
/// document and one of its secret paths.
fn given_secrets(
    document: &WorkspaceExport,
    given: Vec<ferry_domain::export::ImportedSecret>,
) -> Result<BTreeMap<(Uuid, SecretPath), Value>> {
    let actors: HashMap<Uuid, &ExportedActor> = document
        .sources
        .iter()
        .chain(&document.destinations)
        .map(|a| (a.actor_id, a))
        .collect();
    let mut secrets = BTreeMap::new();
    for (i, secret) in given.into_iter().enumerate() {
        let Some(actor) = actors.get(&secret.actor_id) else {
            return Err(Error::invalid(
                Violation::new(
                    format!("secrets[{i}].actorId"),
                    "names no source or destination of the document",
                )
                .with_value(secret.actor_id.to_string()),
            ));
        };
        if !actor.secret_paths.contains(&secret.secret_path) {
            return Err(Error::invalid(
                Violation::new(
                    format!("secrets[{i}].secretPath"),
                    "is not one of the actor's secretPaths",
                )
                .with_value(secret.secret_path.join(".")),
            ));
        }
        secrets.insert((secret.actor_id, secret.secret_path), secret.value);
    }
    Ok(secrets)
}

/// The live definition each actor's image names, by (type, image): a missing one is a 422
/// naming the image.
async fn definitions_of(
    state: &AppState,
    document: &WorkspaceExport,
) -> Result<HashMap<(ActorType, String), ActorDefinition>> {
    let wanted: Vec<(ActorType, String, String)> = [
        ("sources", ActorType::Source, &document.sources),
        (
            "destinations",
            ActorType::Destination,
            &document.destinations,
        ),
    ]
    .into_iter()
    .flat_map(|(field, actor_type, actors)| {
        actors.iter().enumerate().map(move |(i, a)| {
            (
                actor_type,
                format!("document.{field}[{i}].definition"),
                a.definition.to_string(),
            )
        })
    })
    .collect();
    let known = state
        .db
        .run(|conn| {
            let mut all = actor_definitions::list_all(conn, ActorType::Source)?;
            all.extend(actor_definitions::list_all(conn, ActorType::Destination)?);
            Ok(all)
        })
        .await?;
    let mut found = HashMap::new();
    for (actor_type, field, image) in wanted {
        // The oldest live definition of that type running the image.
        let definition = known.iter().find(|d| {
            d.actor_type == actor_type
                && format!("{}:{}", d.docker_repository, d.docker_image_tag) == image
        });
        let Some(definition) = definition else {
            return Err(Error::invalid(
                Violation::new(
                    field,
                    format!(
                        "no live {} definition runs {image}; create one (or update one to that tag) first",
                        actor_type.as_str()
                    ),
                )
                .with_value(image),
            ));
        };
        found.insert((actor_type, image), definition.clone());
    }
    Ok(found)
}

/// One actor's configuration as it will be stored: each secret from the request, else
/// opened with the passphrase's key, else left out (and reported); its secret paths from the
/// definition's spec, as on every write.
fn prepare_actor(
    field: &str,
    actor: &ExportedActor,
    definition_id: Uuid,
    spec: &Value,
    opener: Option<&SecretBox>,
    given: &BTreeMap<(Uuid, SecretPath), Value>,
) -> Result<Prepared> {
    let mut configuration = actor.connection_configuration.clone();
    let mut missing = Vec::new();
    for path in &actor.secret_paths {
        if let Some(value) = given.get(&(actor.actor_id, path.clone())) {
            if !secrets::set_at(&mut configuration, path, value.clone()) {
                return Err(Error::invalid(Violation::new(
                    secrets::property_path(&format!("{field}.connectionConfiguration"), path),
                    "is a secret path where the configuration holds nothing",
                )));
            }
            continue;
        }
        let stored = secrets::value_at(&configuration, path).and_then(Value::as_str);
        match (stored, opener) {
            (Some(MASK), _) => {
                secrets::remove_at(&mut configuration, path);
                missing.push(path.clone());
            }
            (Some(sealed), Some(opener)) if sealed.starts_with(PREFIX) => {
                configuration = opener
                    .open(configuration, std::slice::from_ref(path))
                    .map_err(|_| {
                        Error::invalid(Violation::new(
                            secrets::property_path(
                                &format!("{field}.connectionConfiguration"),
                                path,
                            ),
                            "does not decrypt with the passphrase's key: the document is damaged",
                        ))
                    })?;
            }
            // A clear value (a document written by hand) is taken as it is.
            _ => {}
        }
    }
    // The spec's, as on every write; the document's where it holds a value; and the missing
    // ones, so that they stay known (and an export marks them left out again).
    let mut secret_paths = secrets::secret_paths(spec, &configuration);
    for path in &actor.secret_paths {
        let kept = secrets::value_at(&configuration, path).is_some() || missing.contains(path);
        if kept && !secret_paths.contains(path) {
            secret_paths.push(path.clone());
        }
    }
    Ok(Prepared {
        document_id: actor.actor_id,
        definition_id,
        name: actor.name.to_string(),
        configuration,
        secret_paths,
        missing,
    })
}
