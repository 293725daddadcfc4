//! `web_backend/workspaces/create`: a workspace with its first source, destination and
//! connection in one call, as the workspace-and-engine APIs Ferry replaces offer it.

use crate::actor::{DestinationConfiguration, DestinationRead, SourceConfiguration, SourceRead};
use crate::connection::{ConnectionRead, ConnectionSchedule, ConnectionStatus, SyncMode};
use crate::ids::{DestinationDefinitionId, SourceDefinitionId};
use crate::job::JobInfoRead;
use crate::values::Name;
use crate::workspace::{WorkspaceCreate, WorkspaceRead};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// The most streams a setup may name.
pub const MAX_SETUP_STREAMS: u64 = 1000;

/// The workspace fields of `workspaces/create`, and what to connect in it.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WebBackendWorkspaceCreate {
    #[serde(flatten)]
    #[validate(nested)]
    pub workspace: WorkspaceCreate,
    #[validate(nested)]
    pub source: WorkspaceSetupSource,
    #[validate(nested)]
    pub destination: WorkspaceSetupDestination,
    #[validate(nested)]
    pub connection: WorkspaceSetupConnection,
    /// Queue the connection's first sync in the same transaction (default false).
    #[serde(default)]
    pub run_first_sync: bool,
}

/// The source to create: nested secrets (an SSH tunnel's password or key, an SSL key, a
/// keytab) follow the spec's `airbyte_secret` marks, as everywhere.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSetupSource {
    pub source_definition_id: SourceDefinitionId,
    #[schema(value_type = Name)]
    pub name: Name,
    pub connection_configuration: SourceConfiguration,
}

/// The destination to create.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSetupDestination {
    pub destination_definition_id: DestinationDefinitionId,
    #[schema(value_type = Name)]
    pub name: Name,
    pub connection_configuration: DestinationConfiguration,
}

/// The connection between them.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSetupConnection {
    /// Defaults to "<source name> <> <destination name>".
    #[schema(value_type = Option<Name>)]
    pub name: Option<Name>,
    pub sync_mode: SyncMode,
    #[validate(nested)]
    pub schedule: Option<ConnectionSchedule>,
    /// The streams to sync, by name, among those the source's discovery returns (an unknown
    /// one is a 422 naming it); default: every stream discovered.
    #[validate(length(max = 1000, message = "must name at most 1000 streams"))]
    #[schema(max_items = 1000)]
    pub streams: Option<Vec<String>>,
    /// `active` (default) or `inactive`.
    pub status: Option<ConnectionStatus>,
}

/// What was created, secrets masked as in every read, and the first sync when one was asked
/// for.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebBackendWorkspaceCreateRead {
    pub workspace: WorkspaceRead,
    pub source: SourceRead,
    pub destination: DestinationRead,
    pub connection: ConnectionRead,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<JobInfoRead>,
}
