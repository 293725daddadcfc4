//! Typed identifiers: a `WorkspaceId` can never be passed where a `SourceDefinitionId` is meant.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random (v4) identifier.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

typed_id!(
    /// Identifies a workspace.
    WorkspaceId
);
typed_id!(
    /// Identifies the customer a workspace reports as (Airbyte's `customerId`).
    CustomerId
);
typed_id!(
    /// Identifies a source connector definition.
    SourceDefinitionId
);
typed_id!(
    /// Identifies a destination connector definition.
    DestinationDefinitionId
);

typed_id!(
    /// Identifies a configured source.
    SourceId
);
typed_id!(
    /// Identifies a configured destination.
    DestinationId
);
typed_id!(
    /// Identifies a connection between a source and a destination.
    ConnectionId
);

typed_id!(
    /// Identifies an organization, which holds workspaces.
    OrganizationId
);

/// The organization that exists from the first start (Airbyte's fixed id).
pub const DEFAULT_ORGANIZATION_ID: OrganizationId = OrganizationId(Uuid::nil());

/// The workspace that exists from the first start, as in Airbyte.
pub const DEFAULT_WORKSPACE_ID: WorkspaceId =
    WorkspaceId(Uuid::from_u128(0x5ae6b09b_fdec_41af_aaf7_7d94cfc33ef6));

typed_id!(
    /// Identifies a user: a person or a service acting through its applications.
    UserId
);
typed_id!(
    /// Identifies a permission: one user's role over one scope.
    PermissionId
);
typed_id!(
    /// Identifies an application: a user's client credentials.
    ApplicationId
);
typed_id!(
    /// Identifies a notification webhook: a URL a workspace's events are posted to.
    NotificationWebhookId
);
typed_id!(
    /// Identifies a notification event (receivers de-duplicate deliveries by it).
    NotificationEventId
);
typed_id!(
    /// Identifies one delivery: one event to one webhook.
    NotificationDeliveryId
);
