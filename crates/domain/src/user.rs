//! Users: who calls. A user acts through applications (client credentials) and is granted
//! roles by permissions.

use crate::ids::{UserId, WorkspaceId};
use crate::permission::PermissionRead;
use crate::values::{Email, Name};
use crate::version::ExpectedVersion;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UserCreate {
    #[schema(value_type = Name)]
    pub name: Name,
    /// Unique ignoring case among live users.
    #[schema(value_type = Email)]
    pub email: Email,
}

/// A partial update: what is left out keeps its stored value.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UserUpdate {
    pub user_id: UserId,
    #[schema(value_type = Option<Name>)]
    pub name: Option<Name>,
    #[schema(value_type = Option<Email>)]
    pub email: Option<Email>,
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UserIdRequestBody {
    pub user_id: UserId,
    /// Read by `delete` only: deletes only this version of the object.
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct UserEmailRequestBody {
    /// Matched ignoring case.
    pub email: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserRead {
    pub user_id: UserId,
    pub name: String,
    #[schema(format = Email)]
    pub email: String,
    pub created_at: DateTime<Utc>,
    /// 1 when created; every change adds one. Send it back as `expectedVersion` (or
    /// `If-Match`) to change only this version.
    #[schema(minimum = 1)]
    pub version: i64,
}

crate::versioned!(UserRead);

impl From<User> for UserRead {
    fn from(u: User) -> Self {
        UserRead {
            user_id: u.id,
            name: u.name,
            email: u.email,
            created_at: u.created_at,
            version: u.version,
        }
    }
}

crate::list_response! {
    pub struct UserReadList {
        pub users: Vec<UserRead>,
    }
}

crate::wire_enum!(UserSortBy { Email => "email", CreatedAt => "createdAt", UpdatedAt => "updatedAt" });

crate::list_request! {
    /// `users/list`: optional; without a body every user the caller may see, oldest first,
    /// unpaged (docs/API-DESIGN.md, "Lists").
    #[derive(Default)]
    pub struct UserListRequestBody {
        /// Case-insensitive substring of the email address.
        #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
        #[schema(min_length = 1, max_length = 256)]
        pub email_contains: Option<String>,
    }
    sort_by: UserSortBy => "Default `createdAt`; the id always breaks ties.",
    sort_order => "Default `asc`.",
}

/// One user's access to a workspace and the permission(s) that grant it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceUserAccessInfoRead {
    pub user_id: UserId,
    #[schema(format = Email)]
    pub user_email: String,
    pub user_name: String,
    pub workspace_id: WorkspaceId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_permission: Option<PermissionRead>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_permission: Option<PermissionRead>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceUserAccessInfoReadList {
    pub users_with_access: Vec<WorkspaceUserAccessInfoRead>,
}
