//! What each request type names, for authorization: one impl per body type.

use super::guard::Guarded;
use ferry_domain::access::Target;
use ferry_domain::actor::*;
use ferry_domain::actor_definition::*;
use ferry_domain::application::*;
use ferry_domain::connection::*;
use ferry_domain::export::*;
use ferry_domain::ids::{ConnectionId, DEFAULT_ORGANIZATION_ID};
use ferry_domain::job::*;
use ferry_domain::notification::*;
use ferry_domain::organization::*;
use ferry_domain::permission::*;
use ferry_domain::setup::WebBackendWorkspaceCreate;
use ferry_domain::user::*;
use ferry_domain::workspace::*;

macro_rules! targets {
    ($($ty:ty => |$body:ident| $targets:expr;)+) => {
        $(
            impl Guarded for $ty {
                fn targets(&self) -> Vec<Target> {
                    let $body = self;
                    $targets
                }
            }
        )+
    };
}

targets! {
    WorkspaceCreate => |b| vec![Target::Organization(b.organization_id.unwrap_or(DEFAULT_ORGANIZATION_ID))];
    // What workspaces/create needs; the creator then edits what it made in the workspace.
    WebBackendWorkspaceCreate => |b| vec![Target::Organization(b.workspace.organization_id.unwrap_or(DEFAULT_ORGANIZATION_ID))];
    WorkspaceIdRequestBody => |b| vec![Target::Workspace(b.workspace_id)];
    // Filters narrow within the workspace, so naming another workspace's source shows nothing.
    ConnectionListRequestBody => |b| vec![Target::Workspace(b.workspace_id)];
    SourceListRequestBody => |b| vec![Target::Workspace(b.workspace_id)];
    DestinationListRequestBody => |b| vec![Target::Workspace(b.workspace_id)];
    SlugRequestBody => |b| vec![Target::WorkspaceSlug(b.slug.clone())];
    WorkspaceUpdate => |b| vec![Target::Workspace(b.workspace_id)];
    // Copies the original (secrets and members included) into its organization or the one
    // named: admin over both.
    WorkspaceDuplicateRequestBody => |b| vec![
        Target::Workspace(b.workspace_id),
        match b.workspace.organization_id {
            Some(organization) => Target::Organization(organization),
            None => Target::OrganizationOfWorkspace(b.workspace_id),
        },
    ];
    // includeSecrets asks admin over the same workspace (in the handler, through authorize).
    WorkspaceExportRequestBody => |b| vec![Target::Workspace(b.workspace_id)];
    // What workspaces/create needs in the organization it goes to.
    WorkspaceImportRequestBody => |b| vec![Target::Organization(b.organization_id)];
    // Instance administrators only, whatever the organization.
    WorkspaceSyncFromRemoteRequestBody => |_b| vec![Target::Instance];
    // Narrowed to what the caller may see by the handler.
    WorkspaceListRequestBody => |_b| vec![Target::Nothing];
    // Narrowed to what the caller may see by their rules; the catalog is everyone's.
    OrganizationListRequestBody => |_b| vec![Target::Nothing];
    UserListRequestBody => |_b| vec![Target::Nothing];
    ApplicationListRequestBody => |_b| vec![Target::Nothing];
    DefinitionListRequestBody => |_b| vec![Target::Nothing];
    WorkspaceStatsRequestBody => |b| vec![match b.organization_id {
        Some(organization) => Target::Organization(organization),
        None => Target::Instance,
    }];

    OrganizationCreateRequestBody => |_b| vec![Target::Instance];
    OrganizationIdRequestBody => |b| vec![Target::Organization(b.organization_id)];
    OrganizationUpdateRequestBody => |b| vec![Target::Organization(b.organization_id)];

    // The connector catalog belongs to the instance: anyone reads it, admins change it.
    SourceDefinitionCreate => |_b| vec![Target::Instance];
    SourceDefinitionUpdate => |_b| vec![Target::Instance];
    SourceDefinitionIdRequestBody => |_b| vec![Target::Nothing];
    DestinationDefinitionCreate => |_b| vec![Target::Instance];
    DestinationDefinitionUpdate => |_b| vec![Target::Instance];
    DestinationDefinitionIdRequestBody => |_b| vec![Target::Nothing];

    SourceCreate => |b| vec![Target::Workspace(b.workspace_id)];
    SourceUpdate => |b| vec![Target::Source(b.source_id)];
    SourceIdRequestBody => |b| vec![Target::Source(b.source_id)];
    SourceRecreate => |b| vec![Target::Source(b.source_id), Target::Workspace(b.workspace_id)];
    DestinationCreate => |b| vec![Target::Workspace(b.workspace_id)];
    DestinationUpdate => |b| vec![Target::Destination(b.destination_id)];
    DestinationIdRequestBody => |b| vec![Target::Destination(b.destination_id)];
    DestinationRecreate => |b| vec![
        Target::Destination(b.destination_id),
        Target::Workspace(b.workspace_id),
    ];

    ConnectionCreate => |b| vec![Target::Source(b.source_id), Target::Destination(b.destination_id)];
    ConnectionUpdate => |b| vec![Target::Connection(b.connection_id)];
    ConnectionIdRequestBody => |b| vec![Target::Connection(b.connection_id)];

    JobIdRequestBody => |b| vec![Target::Job(b.id)];
    // Validated as a UUID before this runs; anything else would name nothing.
    JobListRequestBody => |b| match uuid::Uuid::parse_str(&b.config_id) {
        Ok(id) => vec![Target::Connection(ConnectionId(id))],
        Err(_) => vec![Target::Instance],
    };

    UserCreate => |_b| vec![Target::Instance];
    UserIdRequestBody => |b| vec![Target::User(b.user_id)];
    PermissionListByUserRequestBody => |b| vec![Target::User(b.user_id)];
    UserEmailRequestBody => |b| vec![Target::UserEmail(b.email.clone())];
    UserUpdate => |b| vec![Target::User(b.user_id)];

    PermissionCreate => |b| vec![Target::permission_scope(b.workspace_id, b.organization_id)];
    PermissionIdRequestBody => |b| vec![Target::Permission(b.permission_id)];
    PermissionUpdate => |b| vec![Target::Permission(b.permission_id)];
    // Whose permissions: only the user itself (or an instance admin) may ask.
    PermissionCheckRequest => |b| vec![Target::User(b.user_id)];

    ApplicationCreate => |_b| vec![Target::Nothing];
    ApplicationIdRequestBody => |b| vec![Target::Application(b.application_id)];
    ApplicationTokenRequest => |_b| vec![Target::Nothing];

    NotificationWebhookCreate => |b| vec![Target::Workspace(b.workspace_id)];
    NotificationWebhookIdRequestBody => |b| vec![Target::NotificationWebhook(b.webhook_id)];
    NotificationWebhookUpdate => |b| vec![Target::NotificationWebhook(b.webhook_id)];
    NotificationWebhookConfigValidationRequestBody => |b| vec![Target::NotificationWebhook(b.webhook_id)];
    // A webhook of another workspace filters to nothing.
    NotificationDeliveryListRequestBody => |b| vec![Target::Workspace(b.workspace_id)];
}
