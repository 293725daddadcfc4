//! Connector definitions. Sources and destinations share one shape and one table
//! (`actor_definitions`, told apart by [`ActorType`]), as Airbyte's later schema does; the
//! wire models keep the contract's separate names.

use crate::ids::{DestinationDefinitionId, SourceDefinitionId};
use crate::values::{DockerImageTag, DockerRepository, HttpUrl, Name};
use crate::version::ExpectedVersion;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Which side of a connection an actor (a definition, later a source or destination) is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActorType {
    Source,
    Destination,
}

impl ActorType {
    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorType::Source => "source",
            ActorType::Destination => "destination",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "source" => Some(ActorType::Source),
            "destination" => Some(ActorType::Destination),
            _ => None,
        }
    }

    /// The resource a missing actor of this type is reported as.
    pub fn resource(self) -> crate::Resource {
        match self {
            ActorType::Source => crate::Resource::Source,
            ActorType::Destination => crate::Resource::Destination,
        }
    }

    /// The wire name of the id of an actor of this type: `sourceId`, `destinationId`.
    pub fn id_field(self) -> &'static str {
        match self {
            ActorType::Source => "sourceId",
            ActorType::Destination => "destinationId",
        }
    }

    /// The wire name of the id of a definition of this type.
    pub fn definition_id_field(self) -> &'static str {
        match self {
            ActorType::Source => "sourceDefinitionId",
            ActorType::Destination => "destinationDefinitionId",
        }
    }

    /// The resource a missing definition of this type is reported as.
    pub fn definition_resource(self) -> crate::Resource {
        match self {
            ActorType::Source => crate::Resource::SourceDefinition,
            ActorType::Destination => crate::Resource::DestinationDefinition,
        }
    }
}

/// The repository of Ferry's own destination, which ships inside the `ferry` binary and is
/// registered from the first start.
pub const LOCAL_JSON_REPOSITORY: &str = "ferry/destination-local-json";

/// The repository of Ferry's own sample source, which ships inside the `ferry` binary and is
/// registered from the first start.
pub const SAMPLE_SOURCE_REPOSITORY: &str = "ferry/source-sample";

/// A stored connector definition.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorDefinition {
    pub id: Uuid,
    pub actor_type: ActorType,
    pub name: String,
    pub docker_repository: String,
    pub docker_image_tag: String,
    pub documentation_url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// What creating a definition needs, whichever its type.
#[derive(Clone, Debug)]
pub struct NewActorDefinition {
    pub name: Name,
    pub docker_repository: DockerRepository,
    pub docker_image_tag: DockerImageTag,
    pub documentation_url: HttpUrl,
}

crate::wire_enum!(DefinitionSortBy { Name => "name", CreatedAt => "createdAt", UpdatedAt => "updatedAt" });

crate::list_request! {
    /// `source_definitions/list` and `destination_definitions/list`: optional; without a
    /// body every live definition, oldest first, unpaged, as the 2020 contract lists them
    /// (docs/API-DESIGN.md, "Lists").
    #[derive(Default)]
    pub struct DefinitionListRequestBody {
        /// Case-insensitive substring of the name (Unicode-aware, the same on every backend).
        #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
        #[schema(min_length = 1, max_length = 256)]
        pub name_contains: Option<String>,
    }
    sort_by: DefinitionSortBy => "Default `createdAt`; the id always breaks ties.",
    sort_order => "Default `asc`.",
}

/// An update's image tag: a source definition's update requires one, a destination
/// definition's may leave it out (the 2020 contract).
pub trait NewImageTag {
    fn into_new_tag(self) -> Option<DockerImageTag>;
}

impl NewImageTag for DockerImageTag {
    fn into_new_tag(self) -> Option<DockerImageTag> {
        Some(self)
    }
}

impl NewImageTag for Option<DockerImageTag> {
    fn into_new_tag(self) -> Option<DockerImageTag> {
        self
    }
}

/// Writes the wire models of one definition type. Source and destination definitions are
/// the same shape under different names, so one macro keeps the two from drifting apart.
macro_rules! definition_models {
    (
        id: $id:ident,
        id_field: $id_field:ident,
        create: $create:ident,
        update: $update:ident,
        update_tag: { $($update_tag:tt)+ }, update_tag_doc: $update_tag_doc:literal,
        read: $read:ident,
        read_list: $read_list:ident,
        list_field: $list_field:ident,
        id_body: $id_body:ident $(,)?
    ) => {
        #[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
        #[serde(rename_all = "camelCase")]
        pub struct $create {
            #[schema(value_type = Name)]
            pub name: Name,
            #[schema(value_type = DockerRepository, example = "airbyte/source-faker")]
            pub docker_repository: DockerRepository,
            #[schema(value_type = DockerImageTag, example = "0.1.0")]
            pub docker_image_tag: DockerImageTag,
            #[schema(value_type = HttpUrl)]
            pub documentation_url: HttpUrl,
        }

        impl From<$create> for NewActorDefinition {
            fn from(c: $create) -> Self {
                NewActorDefinition {
                    name: c.name,
                    docker_repository: c.docker_repository,
                    docker_image_tag: c.docker_image_tag,
                    documentation_url: c.documentation_url,
                }
            }
        }

        /// Only the default docker image tag can be changed.
        #[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
        #[serde(rename_all = "camelCase")]
        pub struct $update {
            pub $id_field: $id,
            #[doc = $update_tag_doc]
            #[schema(value_type = $($update_tag)+)]
            pub docker_image_tag: $($update_tag)+,
            #[schema(value_type = Option<ExpectedVersion>)]
            pub expected_version: Option<ExpectedVersion>,
        }

        #[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
        #[serde(rename_all = "camelCase")]
        pub struct $read {
            pub $id_field: $id,
            pub name: String,
            pub docker_repository: String,
            pub docker_image_tag: String,
            #[schema(format = "uri")]
            pub documentation_url: String,
            /// 1 when created; every change adds one. Send it back as `expectedVersion` (or
            /// `If-Match`) to change only this version.
            #[schema(minimum = 1)]
            pub version: i64,
        }

        impl From<ActorDefinition> for $read {
            fn from(d: ActorDefinition) -> Self {
                $read {
                    $id_field: $id(d.id),
                    name: d.name,
                    docker_repository: d.docker_repository,
                    docker_image_tag: d.docker_image_tag,
                    documentation_url: d.documentation_url,
                    version: d.version,
                }
            }
        }

        crate::list_response! {
            pub struct $read_list {
                pub $list_field: Vec<$read>,
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
    };
}

definition_models!(
    id: SourceDefinitionId,
    id_field: source_definition_id,
    create: SourceDefinitionCreate,
    update: SourceDefinitionUpdate,
    update_tag: { DockerImageTag },
    update_tag_doc: "The new default image tag (required, as in the 2020 contract).",
    read: SourceDefinitionRead,
    read_list: SourceDefinitionReadList,
    list_field: source_definitions,
    id_body: SourceDefinitionIdRequestBody,
);

definition_models!(
    id: DestinationDefinitionId,
    id_field: destination_definition_id,
    create: DestinationDefinitionCreate,
    update: DestinationDefinitionUpdate,
    update_tag: { Option<DockerImageTag> },
    update_tag_doc: "The new default image tag; without one nothing changes and the definition \
        is answered as it is (the 2020 contract requires a misspelt `dockerImageag` that it \
        never defines, so its clients may leave the tag out).",
    read: DestinationDefinitionRead,
    read_list: DestinationDefinitionReadList,
    list_field: destination_definitions,
    id_body: DestinationDefinitionIdRequestBody,
);
