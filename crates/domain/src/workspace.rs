//! Workspaces: the entity and its wire models (WorkspaceRead, WorkspaceCreate, ...).

use crate::ids::{CustomerId, WorkspaceId};
use crate::values::{Email, Name};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// A stored workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub customer_id: CustomerId,
    pub name: String,
    pub slug: String,
    pub email: Option<String>,
    pub initial_setup_complete: bool,
    pub onboarding_complete: bool,
    pub anonymous_data_collection: bool,
    pub news: bool,
    pub security_updates: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// What `workspaces/create` asks for. Airbyte's later API names it WorkspaceCreate.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceCreate {
    #[schema(value_type = String, example = "Marketing")]
    pub name: Name,
    #[schema(value_type = Option<String>, format = Email)]
    pub email: Option<Email>,
    pub anonymous_data_collection: Option<bool>,
    pub news: Option<bool>,
    pub security_updates: Option<bool>,
}

/// The 2020 contract's update: every flag is required; an absent `email` keeps the stored one.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceUpdate {
    pub workspace_id: WorkspaceId,
    #[schema(value_type = Option<String>, format = Email)]
    pub email: Option<Email>,
    pub initial_setup_complete: bool,
    pub onboarding_complete: bool,
    pub anonymous_data_collection: bool,
    pub news: bool,
    pub security_updates: bool,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceIdRequestBody {
    pub workspace_id: WorkspaceId,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct SlugRequestBody {
    #[validate(length(min = 1, message = "must not be empty"))]
    pub slug: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceRead {
    pub workspace_id: WorkspaceId,
    pub customer_id: CustomerId,
    pub name: String,
    pub slug: String,
    pub initial_setup_complete: bool,
    pub onboarding_complete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Email)]
    pub email: Option<String>,
    pub anonymous_data_collection: bool,
    pub news: bool,
    pub security_updates: bool,
    /// True once the workspace was deleted; `get` still answers for it.
    pub tombstone: bool,
}

impl From<Workspace> for WorkspaceRead {
    fn from(w: Workspace) -> Self {
        WorkspaceRead {
            workspace_id: w.id,
            customer_id: w.customer_id,
            name: w.name,
            slug: w.slug,
            initial_setup_complete: w.initial_setup_complete,
            onboarding_complete: w.onboarding_complete,
            email: w.email,
            anonymous_data_collection: w.anonymous_data_collection,
            news: w.news,
            security_updates: w.security_updates,
            tombstone: w.deleted_at.is_some(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceReadList {
    pub workspaces: Vec<WorkspaceRead>,
}
