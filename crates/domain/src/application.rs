//! Applications: a user's client credentials, exchanged for short-lived access tokens.

use crate::ids::{ApplicationId, UserId};
use crate::values::Name;
use crate::version::ExpectedVersion;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Clone, Debug, PartialEq)]
pub struct Application {
    pub id: ApplicationId,
    pub user_id: UserId,
    pub name: String,
    pub client_id: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationCreate {
    #[schema(value_type = Name)]
    pub name: Name,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationIdRequestBody {
    pub application_id: ApplicationId,
    /// Read by `delete` only: deletes only this version of the object.
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

/// An application. `clientSecret` appears once, in the answer to `applications/create`:
/// only its hash is stored.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRead {
    pub id: ApplicationId,
    pub name: String,
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub created_at: DateTime<Utc>,
    /// 1 when created; every change adds one. Send it back as `expectedVersion` (or
    /// `If-Match`) to change only this version.
    #[schema(minimum = 1)]
    pub version: i64,
}

crate::versioned!(ApplicationRead);

impl From<Application> for ApplicationRead {
    fn from(a: Application) -> Self {
        ApplicationRead {
            id: a.id,
            name: a.name,
            client_id: a.client_id,
            client_secret: None,
            created_at: a.created_at,
            version: a.version,
        }
    }
}

crate::list_response! {
    pub struct ApplicationReadList {
        pub applications: Vec<ApplicationRead>,
    }
}

crate::wire_enum!(ApplicationSortBy { CreatedAt => "createdAt" });

crate::list_request! {
    /// `applications/list`: optional; without a body every application the caller may
    /// see, oldest first, unpaged (docs/API-DESIGN.md, "Lists").
    #[derive(Default)]
    pub struct ApplicationListRequestBody {}
    sort_by: ApplicationSortBy => "Default `createdAt` (the only key); the id always breaks ties.",
    sort_order => "Default `asc`.",
}

/// Client credentials, spelled as OAuth spells them (snake_case, as in Airbyte).
#[derive(Clone, Deserialize, ToSchema, Validate)]
pub struct ApplicationTokenRequest {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for ApplicationTokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationTokenRequest")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// A signed access token for `Authorization: Bearer <access_token>`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct AccessToken {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}
