//! Sources and destinations ("actors", as Airbyte's later schema calls both): one entity and
//! one table, told apart by [`ActorType`]; the wire models keep the contract's names.

use crate::actor_definition::ActorType;
use crate::ids::{
    DestinationDefinitionId, DestinationId, SourceDefinitionId, SourceId, UserId, WorkspaceId,
};
use crate::list::{PagedRequest, Pagination, SortOrder};
use crate::secrets::{mask, SecretPath};
use crate::values::Name;
use crate::version::ExpectedVersion;
use crate::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

wire_enum!(ActorSortBy { Name => "name", CreatedAt => "createdAt", UpdatedAt => "updatedAt" });

/// A source or destination list request, whichever its type, its defaults decided.
#[derive(Clone, Debug)]
pub struct ActorListQuery {
    pub workspace_id: WorkspaceId,
    pub definition_id: Option<Uuid>,
    /// Lowercased.
    pub name_contains: Option<String>,
    pub sort_by: ActorSortBy,
    pub order: SortOrder,
    pub page_size: Option<i64>,
    pub cursor: Option<String>,
    pub pagination: Option<Pagination>,
    pub include_total: bool,
    /// What its cursors are bound to.
    pub fingerprint: u64,
}

/// Its fingerprint was taken from the request it came from, its defaults written in.
impl PagedRequest for ActorListQuery {
    fn page_size(&self) -> Option<i64> {
        self.page_size
    }

    fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    fn pagination(&self) -> Option<Pagination> {
        self.pagination
    }

    fn include_total(&self) -> bool {
        self.include_total
    }

    fn query_fingerprint(&self) -> u64 {
        self.fingerprint
    }
}

/// A stored source or destination, with the name of its definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    pub id: Uuid,
    pub actor_type: ActorType,
    pub workspace_id: WorkspaceId,
    pub definition_id: Uuid,
    /// The definition's name: `sourceName` / `destinationName` on the wire.
    pub definition_name: String,
    pub name: String,
    pub configuration: Value,
    /// Where the configuration holds secrets (from the spec, when it was written).
    pub secret_paths: Vec<SecretPath>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
    pub updated_by: Option<UserId>,
    pub version: i64,
}

/// What creating an actor needs, whichever its type.
#[derive(Clone, Debug)]
pub struct NewActor {
    pub workspace_id: WorkspaceId,
    pub definition_id: Uuid,
    /// None: named after its definition ([`NewActor::name_or`]).
    pub name: Option<String>,
    pub configuration: Value,
    /// Filled in by the connector runtime from the definition's spec.
    pub secret_paths: Vec<SecretPath>,
    /// The user creating it (set by the API from the caller).
    pub by: Option<UserId>,
}

impl NewActor {
    /// Its name: the one given, or its definition's. The 2020 `DestinationCreate` leaves the
    /// name optional, and Airbyte's own front end names such a destination after its
    /// connector; every read then has a name, as the contract requires.
    pub fn name_or(&self, definition_name: &str) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| definition_name.to_string())
    }
}

/// The name a create request gives: a source's is required, a destination's optional.
pub trait CreateName {
    fn into_actor_name(self) -> Option<String>;
}

impl CreateName for Name {
    fn into_actor_name(self) -> Option<String> {
        Some(self.into())
    }
}

impl CreateName for Option<Name> {
    fn into_actor_name(self) -> Option<String> {
        self.map(Into::into)
    }
}

/// What updating an actor changes.
#[derive(Clone, Debug)]
pub struct ActorChanges {
    pub name: String,
    pub configuration: Value,
    /// Filled in by the connector runtime from the definition's spec.
    pub secret_paths: Vec<SecretPath>,
    /// The user changing it (set by the API from the caller).
    pub by: Option<UserId>,
    /// The version the change was computed from (set by the API from the body and
    /// `If-Match`).
    pub expected_version: Option<i64>,
}

/// Writes a configuration value type: any JSON object, as the connector's spec defines it.
macro_rules! configuration_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
        #[serde(try_from = "Value", into = "Value")]
        #[schema(value_type = Object, example = json!({"user": "charles"}))]
        pub struct $name(Value);

        impl TryFrom<Value> for $name {
            type Error = String;

            fn try_from(value: Value) -> Result<Self, String> {
                if value.is_object() {
                    Ok(Self(value))
                } else {
                    Err("must be a JSON object".to_string())
                }
            }
        }

        impl From<$name> for Value {
            fn from(configuration: $name) -> Value {
                configuration.0
            }
        }
    };
}

configuration_type!(
    /// The values that configure a source; their schema is the source definition's spec.
    SourceConfiguration
);
configuration_type!(
    /// The values that configure a destination; their schema is the destination definition's spec.
    DestinationConfiguration
);

/// Writes the wire models of one actor type (the two differ only in names).
macro_rules! actor_models {
    (
        id: $id:ident, id_field: $id_field:ident,
        definition_id: $def_id:ident, definition_id_field: $def_id_field:ident,
        configuration: $config:ident,
        definition_name_field: $def_name_field:ident,
        create_name: { $($create_name:tt)+ }, create_name_doc: $create_name_doc:literal,
        create: $create:ident, update: $update:ident, read: $read:ident,
        read_list: $read_list:ident, list_field: $list_field:ident, id_body: $id_body:ident,
        recreate: $recreate:ident, spec_read: $spec_read:ident, list_body: $list_body:ident $(,)?
    ) => {
        #[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
        #[serde(rename_all = "camelCase")]
        pub struct $create {
            pub workspace_id: WorkspaceId,
            pub $def_id_field: $def_id,
            pub connection_configuration: $config,
            #[doc = $create_name_doc]
            #[schema(value_type = $($create_name)+)]
            pub name: $($create_name)+,
        }

        impl From<$create> for NewActor {
            fn from(c: $create) -> Self {
                NewActor {
                    workspace_id: c.workspace_id,
                    definition_id: c.$def_id_field.0,
                    name: c.name.into_actor_name(),
                    configuration: c.connection_configuration.into(),
                    secret_paths: Vec::new(),
                    by: None,
                }
            }
        }

        #[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
        #[serde(rename_all = "camelCase")]
        pub struct $update {
            pub $id_field: $id,
            pub connection_configuration: $config,
            #[schema(value_type = Name)]
            pub name: Name,
            #[schema(value_type = Option<ExpectedVersion>)]
            pub expected_version: Option<ExpectedVersion>,
        }

        impl From<$update> for ActorChanges {
            fn from(u: $update) -> Self {
                ActorChanges {
                    name: u.name.into(),
                    configuration: u.connection_configuration.into(),
                    secret_paths: Vec::new(),
                    by: None,
                    expected_version: None,
                }
            }
        }

        #[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
        #[serde(rename_all = "camelCase")]
        pub struct $read {
            pub $def_id_field: $def_id,
            pub $id_field: $id,
            pub workspace_id: WorkspaceId,
            pub connection_configuration: $config,
            pub name: String,
            pub $def_name_field: String,
            /// The user who created it (absent when auth was off or for the Basic administrator).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub created_by: Option<UserId>,
            /// The user who changed it last.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub updated_by: Option<UserId>,
            /// 1 when created; every change adds one. Send it back as `expectedVersion` (or
            /// `If-Match`) to change only this version.
            #[schema(minimum = 1)]
            pub version: i64,
        }

        impl From<Actor> for $read {
            fn from(a: Actor) -> Self {
                $read {
                    $def_id_field: $def_id(a.definition_id),
                    $id_field: $id(a.id),
                    workspace_id: a.workspace_id,
                    // Every read masks secrets.
                    connection_configuration: $config(mask(&a.configuration, &a.secret_paths)),
                    name: a.name,
                    $def_name_field: a.definition_name,
                    created_by: a.created_by,
                    updated_by: a.updated_by,
                    version: a.version,
                }
            }
        }

        crate::list_response! {
            pub struct $read_list {
                pub $list_field: Vec<$read>,
            }
        }

        crate::list_request! {
            /// The 2020 contract's body (`workspaceId`) plus the list convention's filters,
            /// sort and pages, all optional; without them every live one of the workspace,
            /// oldest first, unpaged.
            pub struct $list_body {
                pub workspace_id: WorkspaceId,
                /// Only those of this definition.
                pub $def_id_field: Option<$def_id>,
                /// Case-insensitive substring of the name (Unicode-aware, the same on every
                /// backend).
                #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
                #[schema(min_length = 1, max_length = 256)]
                pub name_contains: Option<String>,
            }
            sort_by: ActorSortBy => "Default `createdAt`; the id always breaks ties.",
            sort_order => "Default `asc`.",
        }

        impl From<$list_body> for ActorListQuery {
            fn from(mut request: $list_body) -> Self {
                // Defaults are written in first, so a cursor fingerprints what was meant.
                let sort_by = *request.sort_by.get_or_insert(ActorSortBy::CreatedAt);
                let order = *request.sort_order.get_or_insert(SortOrder::Asc);
                ActorListQuery {
                    fingerprint: request.query_fingerprint(),
                    workspace_id: request.workspace_id,
                    definition_id: request.$def_id_field.map(|d| d.0),
                    name_contains: request.name_contains.map(|n| n.to_lowercase()),
                    sort_by,
                    order,
                    page_size: request.page_size,
                    cursor: request.cursor,
                    pagination: request.pagination,
                    include_total: request.include_total.unwrap_or(false),
                }
            }
        }

        #[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
        #[serde(rename_all = "camelCase")]
        pub struct $id_body {
            pub $id_field: $id,
            /// Read by `delete` only: deletes only this version of the object.
            #[schema(value_type = Option<ExpectedVersion>)]
            pub expected_version: Option<ExpectedVersion>,
        }

        crate::versioned!($read);

        /// `web_backend/*/recreate`: a new object that replaces the one named only when the
        /// connector's check succeeds.
        #[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
        #[serde(rename_all = "camelCase")]
        pub struct $recreate {
            pub $def_id_field: $def_id,
            pub $id_field: $id,
            pub workspace_id: WorkspaceId,
            pub connection_configuration: $config,
            #[schema(value_type = Name)]
            pub name: Name,
        }

        impl $recreate {
            /// The create this recreate starts with, and the id it replaces.
            pub fn into_parts(self) -> (NewActor, Uuid) {
                let replaced = self.$id_field.0;
                let new = NewActor {
                    workspace_id: self.workspace_id,
                    definition_id: self.$def_id_field.0,
                    name: Some(self.name.into()),
                    configuration: self.connection_configuration.into(),
                    secret_paths: Vec::new(),
                    by: None,
                };
                (new, replaced)
            }
        }

        /// What the definition's connector says its configuration looks like.
        #[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
        #[serde(rename_all = "camelCase")]
        pub struct $spec_read {
            pub $def_id_field: $def_id,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub documentation_url: Option<String>,
            #[schema(value_type = Object)]
            pub connection_specification: Value,
        }

        impl $spec_read {
            pub fn new(
                id: $def_id,
                documentation_url: Option<String>,
                specification: Value,
            ) -> Self {
                $spec_read {
                    $def_id_field: id,
                    documentation_url,
                    connection_specification: specification,
                }
            }
        }
    };
}

actor_models!(
    id: SourceId, id_field: source_id,
    definition_id: SourceDefinitionId, definition_id_field: source_definition_id,
    configuration: SourceConfiguration,
    definition_name_field: source_name,
    create_name: { Name }, create_name_doc: "Its name (required, as in the 2020 contract).",
    create: SourceCreate, update: SourceUpdate, read: SourceRead,
    read_list: SourceReadList, list_field: sources, id_body: SourceIdRequestBody,
    recreate: SourceRecreate, spec_read: SourceDefinitionSpecificationRead,
    list_body: SourceListRequestBody,
);

actor_models!(
    id: DestinationId, id_field: destination_id,
    definition_id: DestinationDefinitionId, definition_id_field: destination_definition_id,
    configuration: DestinationConfiguration,
    definition_name_field: destination_name,
    create_name: { Option<Name> },
    create_name_doc: "Its name; without one it is named after its destination definition (the \
        2020 contract leaves it optional, and Airbyte's front end names it so).",
    create: DestinationCreate, update: DestinationUpdate, read: DestinationRead,
    read_list: DestinationReadList, list_field: destinations, id_body: DestinationIdRequestBody,
    recreate: DestinationRecreate, spec_read: DestinationDefinitionSpecificationRead,
    list_body: DestinationListRequestBody,
);

/// What a connector's check said (the contract's CheckConnectionRead).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CheckConnectionRead {
    pub status: CheckStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

crate::wire_enum!(CheckStatus { Succeeded => "succeeded", Failed => "failed" });

/// The streams a source offers, every one selected.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceDiscoverSchemaRead {
    pub schema: crate::connection::SourceSchema,
}
