//! One-call workspace setup (`web_backend/workspaces/create`): a workspace with its first
//! source, destination and connection. Everything that can fail without writing is done
//! first (validation against the specs, both checks, the source's discovery, the stream
//! choice); then the four objects, and the first sync when asked, are written in one
//! transaction. Whatever fails, nothing is left behind.

use super::{configuration, connectors, workspaces};
use crate::AppState;
use ferry_domain::access::Caller;
use ferry_domain::actor::{CreateName, NewActor};
use ferry_domain::actor_definition::{ActorDefinition, ActorType};
use ferry_domain::connection::{ConnectionStatus, SourceSchema};
use ferry_domain::ids::WorkspaceId;
use ferry_domain::job::{JobConfigType, JobInfoRead};
use ferry_domain::setup::{WebBackendWorkspaceCreate, WebBackendWorkspaceCreateRead};
use ferry_domain::{Error, Result, Violation};
use ferry_persistence::store::connections::NewConnection;
use ferry_persistence::store::{actors, connections, jobs};

pub async fn create(
    state: &AppState,
    caller: &Caller,
    request: WebBackendWorkspaceCreate,
) -> Result<WebBackendWorkspaceCreateRead> {
    let new_workspace = workspaces::new_for(state, caller, &request.workspace)?;
    // The actors' workspace is not known until it is created: a placeholder until then.
    let pending = WorkspaceId(uuid::Uuid::nil());
    let (source_definition, source) = configuration::prepare_new(
        state,
        ActorType::Source,
        NewActor {
            workspace_id: pending,
            definition_id: request.source.source_definition_id.0,
            name: request.source.name.into_actor_name(),
            configuration: request.source.connection_configuration.into(),
            secret_paths: Vec::new(),
            by: caller.user_id,
        },
        None,
    )
    .await?;
    let (destination_definition, destination) = configuration::prepare_new(
        state,
        ActorType::Destination,
        NewActor {
            workspace_id: pending,
            definition_id: request.destination.destination_definition_id.0,
            name: request.destination.name.into_actor_name(),
            configuration: request.destination.connection_configuration.into(),
            secret_paths: Vec::new(),
            by: caller.user_id,
        },
        None,
    )
    .await?;
    checked(state, "source", &source_definition, &source).await?;
    checked(state, "destination", &destination_definition, &destination).await?;
    let discovered =
        connectors::discover_configuration(state, &source_definition, &source.configuration)
            .await?;
    let sync_schema = chosen_streams(discovered, request.connection.streams.as_deref())?;
    let setup = request.connection;
    let run_first_sync = request.run_first_sync;
    let (workspace, source, destination, connection, job) = state
        .db
        .write(move |conn| {
            let workspace = ferry_persistence::store::workspaces::create(conn, &new_workspace)?;
            let in_workspace = |actor: &NewActor| NewActor {
                workspace_id: workspace.id,
                ..actor.clone()
            };
            let source = actors::create(conn, ActorType::Source, &in_workspace(&source))?;
            let destination =
                actors::create(conn, ActorType::Destination, &in_workspace(&destination))?;
            let connection = connections::create(
                conn,
                &NewConnection {
                    name: setup.name.clone().map(String::from),
                    source_id: ferry_domain::ids::SourceId(source.id),
                    destination_id: ferry_domain::ids::DestinationId(destination.id),
                    sync_mode: setup.sync_mode,
                    sync_schema: sync_schema.clone(),
                    schedule: setup.schedule.into(),
                    status: setup.status.unwrap_or(ConnectionStatus::Active),
                    by: new_workspace.by,
                },
            )?;
            let job = match run_first_sync {
                true => Some(
                    jobs::enqueue(
                        conn,
                        jobs::NewJob {
                            config_type: JobConfigType::Sync,
                            connection: connection.id,
                            workspace: workspace.id,
                            origin: ferry_domain::job::JobOrigin::Manual,
                        },
                    )?
                    .0,
                ),
                false => None,
            };
            Ok((workspace, source, destination, connection, job))
        })
        .await?;
    tracing::info!(workspace_id = %workspace.id, connection_id = %connection.id,
        first_sync = job.as_ref().map(|j| j.id), "workspace set up");
    Ok(WebBackendWorkspaceCreateRead {
        workspace: workspace.into(),
        source: source.into(),
        destination: destination.into(),
        connection: connection.into(),
        job: job.map(|job| JobInfoRead::new(&job, &[])),
    })
}

/// A failed check is a 400 naming which connector failed and what it said.
async fn checked(
    state: &AppState,
    which: &str,
    definition: &ActorDefinition,
    actor: &NewActor,
) -> Result<()> {
    let outcome = connectors::check_configuration(state, definition, &actor.configuration).await?;
    if outcome.succeeded {
        return Ok(());
    }
    Err(Error::CheckFailed {
        message: format!(
            "the {which}'s check failed: {}",
            outcome
                .message
                .unwrap_or_else(|| "the connector said no more".into())
        ),
    })
}

/// The discovered streams, only those named when some are (each name must be one of them).
fn chosen_streams(discovered: SourceSchema, names: Option<&[String]>) -> Result<SourceSchema> {
    let Some(names) = names else {
        return Ok(discovered);
    };
    if let Some((index, unknown)) = names
        .iter()
        .enumerate()
        .find(|(_, name)| !discovered.streams.iter().any(|s| &s.name == *name))
    {
        return Err(Error::invalid(
            Violation::new(
                format!("connection.streams[{index}]"),
                "names no stream the source's discovery returned",
            )
            .with_value(unknown.clone()),
        ));
    }
    let streams = discovered
        .streams
        .into_iter()
        .filter(|stream| names.contains(&stream.name))
        .collect();
    Ok(SourceSchema { streams })
}
