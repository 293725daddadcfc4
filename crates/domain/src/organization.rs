//! Organizations: every workspace belongs to exactly one.

use crate::ids::OrganizationId;
use crate::values::{Email, Name};
use crate::version::ExpectedVersion;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Clone, Debug, PartialEq)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationCreateRequestBody {
    #[schema(value_type = Name)]
    pub organization_name: Name,
    #[schema(value_type = Option<Email>)]
    pub email: Option<Email>,
}

/// A partial update: what is left out keeps its stored value.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationUpdateRequestBody {
    pub organization_id: OrganizationId,
    #[schema(value_type = Option<Name>)]
    pub organization_name: Option<Name>,
    #[schema(value_type = Option<Email>)]
    pub email: Option<Email>,
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationIdRequestBody {
    pub organization_id: OrganizationId,
    /// Read by `delete` only: deletes only this version of the object.
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationRead {
    pub organization_id: OrganizationId,
    pub organization_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Email)]
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// 1 when created; every change adds one. Send it back as `expectedVersion` (or
    /// `If-Match`) to change only this version.
    #[schema(minimum = 1)]
    pub version: i64,
}

impl From<Organization> for OrganizationRead {
    fn from(o: Organization) -> Self {
        OrganizationRead {
            organization_id: o.id,
            organization_name: o.name,
            email: o.email,
            created_at: o.created_at,
            updated_at: o.updated_at,
            version: o.version,
        }
    }
}

crate::list_response! {
    pub struct OrganizationReadList {
        pub organizations: Vec<OrganizationRead>,
    }
}

crate::wire_enum!(OrganizationSortBy { Name => "name", CreatedAt => "createdAt", UpdatedAt => "updatedAt" });

crate::list_request! {
    /// `organizations/list`: optional; without a body every organization the caller may
    /// see, oldest first, unpaged (docs/API-DESIGN.md, "Lists").
    #[derive(Default)]
    pub struct OrganizationListRequestBody {
        /// Case-insensitive substring of the name (Unicode-aware, the same on every backend).
        #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
        #[schema(min_length = 1, max_length = 256)]
        pub name_contains: Option<String>,
    }
    sort_by: OrganizationSortBy => "Default `createdAt`; the id always breaks ties.",
    sort_order => "Default `asc`.",
}

crate::versioned!(OrganizationRead);
