//! Workspaces: the entity and its wire models. Everything added after the 2020 contract is
//! optional on input and additive on output.

use crate::ids::{ConnectionId, CustomerId, OrganizationId, UserId, WorkspaceId};
use crate::job::JobStatus;
use crate::values::{DomainName, Email, HttpUrl, Name};
use crate::version::ExpectedVersion;
use crate::{wire_enum, Error, Violation};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;
use validator::Validate;

wire_enum!(
    /// An inactive workspace keeps its objects, but none of its connections is active.
    WorkspaceStatus { Active => "active", Inactive => "inactive" }
);
wire_enum!(
    /// A `single_user` workspace admits one member (one workspace permission); a
    /// `multi_user` one (the default) any number.
    WorkspaceType { SingleUser => "single_user", MultiUser => "multi_user" }
);
wire_enum!(WorkspaceSortBy { Name => "name", CreatedAt => "createdAt", UpdatedAt => "updatedAt" });

/// The longest description a workspace keeps, in characters.
pub const MAX_DESCRIPTION_CHARS: u64 = 2000;
/// The most tags a workspace carries.
pub const MAX_TAGS: u64 = 50;

/// A tag: 1-64 letters, digits, `-`, `_`, `.` or `:`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl TryFrom<String> for Tag {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        let valid = |c: char| c.is_ascii_alphanumeric() || "-_.:".contains(c);
        if (1..=64).contains(&value.chars().count()) && value.chars().all(valid) {
            Ok(Tag(value))
        } else {
            Err("must be 1 to 64 letters, digits, '-', '_', '.' or ':'".into())
        }
    }
}

crate::string_schema!(
    Tag,
    crate::values::StringRules {
        description: "A tag: 1 to 64 letters, digits, '-', '_', '.' or ':'.",
        min_length: Some(1),
        max_length: Some(64),
        pattern: Some("^[A-Za-z0-9_.:-]+$"),
        format: None,
    }
);

impl From<Tag> for String {
    fn from(tag: Tag) -> String {
        tag.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Tags as stored and returned: sorted, without duplicates.
pub fn normalise_tags(tags: &[Tag]) -> Vec<String> {
    let mut tags: Vec<String> = tags.iter().map(|t| t.0.clone()).collect();
    tags.sort();
    tags.dedup();
    tags
}

/// A stored workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub organization_id: OrganizationId,
    pub customer_id: CustomerId,
    pub name: String,
    pub slug: String,
    pub email: Option<String>,
    pub description: Option<String>,
    pub status: WorkspaceStatus,
    pub tags: Vec<String>,
    pub region: String,
    pub initial_setup_complete: bool,
    pub onboarding_complete: bool,
    pub anonymous_data_collection: bool,
    pub news: bool,
    pub security_updates: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
    pub updated_by: Option<UserId>,
    pub version: i64,
    /// The user who owns it: its creator unless transferred; none for the instance
    /// administrator.
    pub owner_id: Option<UserId>,
    pub workspace_type: WorkspaceType,
    pub domain_name: Option<String>,
}

impl Workspace {
    /// The text that `search` matches, lowercased: id, name, slug, email and description, one
    /// per line (a search term never holds a newline, so it cannot match across fields).
    pub fn search_text(&self) -> String {
        [
            self.id.to_string().as_str(),
            &self.name,
            &self.slug,
            self.email.as_deref().unwrap_or(""),
            self.description.as_deref().unwrap_or(""),
        ]
        .join("\n")
        .to_lowercase()
    }
}

/// What `workspaces/create` asks for. Airbyte's later API names it WorkspaceCreate.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceCreate {
    #[schema(value_type = Name, example = "Marketing")]
    pub name: Name,
    #[schema(value_type = Option<Email>)]
    pub email: Option<Email>,
    pub anonymous_data_collection: Option<bool>,
    pub news: Option<bool>,
    pub security_updates: Option<bool>,
    /// Defaults to the default organization.
    pub organization_id: Option<OrganizationId>,
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Defaults to `active`.
    pub status: Option<WorkspaceStatus>,
    #[validate(length(max = 50, message = "must hold at most 50 tags"))]
    #[schema(value_type = Option<Vec<Tag>>, max_items = 50)]
    pub tags: Option<Vec<Tag>>,
    /// One of the regions set in configuration; defaults to its default (`local`).
    pub region: Option<String>,
    /// Defaults to `multi_user`.
    pub workspace_type: Option<WorkspaceType>,
    /// A host name the workspace is reached under.
    #[schema(value_type = Option<DomainName>)]
    pub domain_name: Option<DomainName>,
}

impl WorkspaceCreate {
    /// A request that names the workspace and leaves everything else to the defaults.
    pub fn named(name: Name) -> Self {
        WorkspaceCreate {
            name,
            email: None,
            anonymous_data_collection: None,
            news: None,
            security_updates: None,
            organization_id: None,
            description: None,
            status: None,
            tags: None,
            region: None,
            workspace_type: None,
            domain_name: None,
        }
    }
}

/// A partial update: every field but `workspaceId` may be left out, and what is left out
/// keeps its stored value (the 2020 contract's clients, which send every flag, still work).
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceUpdate {
    pub workspace_id: WorkspaceId,
    #[schema(value_type = Option<Name>)]
    pub name: Option<Name>,
    #[schema(value_type = Option<Email>)]
    pub email: Option<Email>,
    pub initial_setup_complete: Option<bool>,
    pub onboarding_complete: Option<bool>,
    pub anonymous_data_collection: Option<bool>,
    pub news: Option<bool>,
    pub security_updates: Option<bool>,
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Setting `inactive` makes every active connection of the workspace inactive.
    pub status: Option<WorkspaceStatus>,
    #[validate(length(max = 50, message = "must hold at most 50 tags"))]
    #[schema(value_type = Option<Vec<Tag>>, max_items = 50)]
    pub tags: Option<Vec<Tag>>,
    pub region: Option<String>,
    /// Transfers the workspace to this user, who must have access to it (a 422 otherwise).
    pub owner_id: Option<UserId>,
    /// `single_user` is a 409 while the workspace has more than one member.
    pub workspace_type: Option<WorkspaceType>,
    #[schema(value_type = Option<DomainName>)]
    pub domain_name: Option<DomainName>,
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceIdRequestBody {
    pub workspace_id: WorkspaceId,
    /// Read by `delete` only: deletes only this version of the object.
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct SlugRequestBody {
    #[validate(length(min = 1, message = "must not be empty"))]
    #[schema(min_length = 1)]
    pub slug: String,
}

/// `workspaces/duplicate`: a new workspace with copies of the original's live sources,
/// destinations and connections. Fields left out are copied from the original, except the
/// name, which is required.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceDuplicateRequestBody {
    pub workspace_id: WorkspaceId,
    #[serde(flatten)]
    #[validate(nested)]
    pub workspace: WorkspaceCreate,
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
    pub organization_id: OrganizationId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: WorkspaceStatus,
    /// Sorted, without duplicates.
    pub tags: Vec<String>,
    pub region: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
    /// The user who owns it (absent for the instance administrator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<UserId>,
    pub workspace_type: WorkspaceType,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DomainName>)]
    pub domain_name: Option<String>,
}

crate::versioned!(WorkspaceRead);

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
            organization_id: w.organization_id,
            description: w.description,
            status: w.status,
            tags: w.tags,
            region: w.region,
            created_at: w.created_at,
            updated_at: w.updated_at,
            created_by: w.created_by,
            updated_by: w.updated_by,
            version: w.version,
            owner_id: w.owner_id,
            workspace_type: w.workspace_type,
            domain_name: w.domain_name,
        }
    }
}

crate::list_request! {
    /// `workspaces/list`: every field is optional, and `{}` (or no body) lists every live
    /// workspace, unpaged, as the 2020 contract did.
    #[derive(Default)]
    pub struct WorkspaceListRequestBody {
        pub organization_id: Option<OrganizationId>,
        /// Only workspaces this user created.
        pub created_by: Option<UserId>,
        /// Only workspaces this user owns.
        pub owner_id: Option<UserId>,
        pub workspace_type: Option<WorkspaceType>,
        /// Case-insensitive substring of the name (Unicode-aware, the same on every backend).
        #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
        #[schema(min_length = 1, max_length = 256)]
        pub name_contains: Option<String>,
        /// Case-insensitive substring of the id, name, slug, email or description.
        #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
        #[schema(min_length = 1, max_length = 256)]
        pub search: Option<String>,
        pub status: Option<WorkspaceStatus>,
        /// Workspaces carrying every one of these tags.
        #[validate(length(max = 50, message = "must hold at most 50 tags"))]
        #[schema(value_type = Option<Vec<Tag>>, max_items = 50)]
        pub tags: Option<Vec<Tag>>,
        pub created_at_from: Option<DateTime<Utc>>,
        pub created_at_to: Option<DateTime<Utc>>,
        pub updated_at_from: Option<DateTime<Utc>>,
        pub updated_at_to: Option<DateTime<Utc>>,
        /// Also list deleted workspaces (default false).
        pub include_deleted: Option<bool>,
    }
    sort_by: WorkspaceSortBy => "Default `createdAt`; the id always breaks ties.",
    sort_order => "Default `asc`.",
}

impl WorkspaceListRequestBody {
    /// Checks what `validator` cannot: each date range must not be inverted.
    pub fn check_ranges(&self) -> Result<(), Error> {
        let ranges = [
            ("createdAtTo", self.created_at_from, self.created_at_to),
            ("updatedAtTo", self.updated_at_from, self.updated_at_to),
        ];
        for (field, from, to) in ranges {
            crate::list::check_range(field, from, to)?;
        }
        Ok(())
    }
}

crate::list_response! {
    pub struct WorkspaceReadList {
        pub workspaces: Vec<WorkspaceRead>,
    }
}

/// What a workspace holds, as `web_backend/workspaces/list` shows it beside the workspace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkspaceSummary {
    /// Live sources and destinations.
    pub sources: i64,
    pub destinations: i64,
    pub active_connections: i64,
    pub inactive_connections: i64,
    pub latest_sync_job: Option<LatestSyncJob>,
}

/// The newest sync job of any connection in a workspace.
#[derive(Clone, Debug, PartialEq)]
pub struct LatestSyncJob {
    pub id: i64,
    pub status: JobStatus,
    pub connection_id: ConnectionId,
    pub created_at: DateTime<Utc>,
    /// When its first attempt started; none while it waits.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended (its last attempt's end, or its cancellation); none while it runs.
    pub ended_at: Option<DateTime<Utc>>,
}

/// A workspace's newest sync job. Times are epoch seconds, as in `jobs/*`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceLatestSyncJobRead {
    #[schema(format = Int64)]
    pub job_id: i64,
    pub status: JobStatus,
    pub connection_id: ConnectionId,
    #[schema(format = Int64)]
    pub created_at: i64,
    /// When its first attempt started; absent while it waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Int64)]
    pub started_at: Option<i64>,
    /// When it ended; absent while it is pending or running.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Int64)]
    pub ended_at: Option<i64>,
}

impl From<LatestSyncJob> for WorkspaceLatestSyncJobRead {
    fn from(job: LatestSyncJob) -> Self {
        WorkspaceLatestSyncJobRead {
            job_id: job.id,
            status: job.status,
            connection_id: job.connection_id,
            created_at: job.created_at.timestamp(),
            started_at: job.started_at.map(|t| t.timestamp()),
            ended_at: job.ended_at.map(|t| t.timestamp()),
        }
    }
}

/// One workspace of `web_backend/workspaces/list`: every field of the workspace, and what it
/// holds.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebBackendWorkspaceRead {
    #[serde(flatten)]
    pub workspace: WorkspaceRead,
    /// Live sources.
    #[schema(format = Int64)]
    pub source_count: i64,
    /// Live destinations.
    #[schema(format = Int64)]
    pub destination_count: i64,
    #[schema(format = Int64)]
    pub active_connection_count: i64,
    #[schema(format = Int64)]
    pub inactive_connection_count: i64,
    /// The newest sync job of any of its connections; absent when none ever ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_sync_job: Option<WorkspaceLatestSyncJobRead>,
}

impl WebBackendWorkspaceRead {
    pub fn new(workspace: Workspace, summary: WorkspaceSummary) -> Self {
        WebBackendWorkspaceRead {
            workspace: workspace.into(),
            source_count: summary.sources,
            destination_count: summary.destinations,
            active_connection_count: summary.active_connections,
            inactive_connection_count: summary.inactive_connections,
            latest_sync_job: summary.latest_sync_job.map(Into::into),
        }
    }
}

crate::list_response! {
    /// `web_backend/workspaces/list`: the page of `workspaces/list` for the same body, each
    /// workspace with its summary.
    pub struct WebBackendWorkspaceReadList {
        pub workspaces: Vec<WebBackendWorkspaceRead>,
    }
}

/// `workspaces/sync_from_remote`: copy the workspaces another Airbyte-compatible server
/// lists into an organization here.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSyncFromRemoteRequestBody {
    /// The other server's API base URL, as a client's (`http://airbyte:8001/api`): its
    /// `<url>/v1/workspaces/list` is read.
    #[schema(value_type = HttpUrl)]
    pub url: HttpUrl,
    #[validate(nested)]
    pub authorization: RemoteAuthorization,
    /// Where the new workspaces go.
    pub organization_id: OrganizationId,
}

/// How Ferry authenticates to the other server: `{"type": "bearer", "token": ...}` or
/// `{"type": "basic", "username": ..., "password": ...}`. Never stored or logged.
#[derive(Clone, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RemoteAuthorization {
    Bearer {
        #[schema(min_length = 1, max_length = 8192)]
        token: String,
    },
    Basic {
        #[schema(min_length = 1, max_length = 1024)]
        username: String,
        #[schema(max_length = 1024)]
        password: String,
    },
}

impl fmt::Debug for RemoteAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteAuthorization::Bearer { .. } => f.write_str("Bearer(..)"),
            RemoteAuthorization::Basic { .. } => f.write_str("Basic(..)"),
        }
    }
}

impl Validate for RemoteAuthorization {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        let mut errors = validator::ValidationErrors::new();
        let mut bounded = |field: &'static str, value: &str, min: usize, max: usize| {
            if !(min..=max).contains(&value.chars().count()) {
                let mut error = validator::ValidationError::new("length");
                error.message = Some(format!("must be {min} to {max} characters").into());
                errors.add(field, error);
            }
        };
        match self {
            RemoteAuthorization::Bearer { token } => bounded("token", token, 1, 8192),
            RemoteAuthorization::Basic { username, password } => {
                bounded("username", username, 1, 1024);
                bounded("password", password, 0, 1024);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSyncFromRemoteRead {
    /// How many workspaces the other server listed.
    #[schema(format = Int64)]
    pub total_count: i64,
    /// How many of them were not known here and were created.
    #[schema(format = Int64)]
    pub created_count: i64,
    /// Their ids: the other server's.
    pub created_workspace_ids: Vec<WorkspaceId>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceStatsRequestBody {
    pub organization_id: Option<OrganizationId>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceStatsRead {
    #[schema(format = Int64)]
    pub active_count: i64,
    #[schema(format = Int64)]
    pub inactive_count: i64,
    #[schema(format = Int64)]
    pub total_count: i64,
}

/// The regions a workspace may be placed in, from configuration.
#[derive(Clone, Debug)]
pub struct Regions {
    allowed: Vec<String>,
    default: String,
}

impl Regions {
    pub fn new(allowed: Vec<String>, default: String) -> Result<Self, String> {
        if allowed.contains(&default) {
            Ok(Regions { allowed, default })
        } else {
            Err(format!(
                "the default region {default:?} is not among {allowed:?}"
            ))
        }
    }

    /// The region a request names, or the default; an unknown one is a 422 listing the
    /// allowed values.
    pub fn resolve(&self, requested: Option<&str>) -> Result<String, Error> {
        match requested {
            None => Ok(self.default.clone()),
            Some(region) if self.allowed.iter().any(|a| a == region) => Ok(region.to_string()),
            Some(region) => Err(Error::invalid(
                Violation::new(
                    "region",
                    format!("must be one of: {}", self.allowed.join(", ")),
                )
                .with_value(region),
            )),
        }
    }
}

impl Default for Regions {
    fn default() -> Self {
        Regions {
            allowed: vec!["local".to_string()],
            default: "local".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_checked_sorted_and_deduplicated() {
        let tag = |s: &str| Tag::try_from(s.to_string());
        assert!(tag("team:data").is_ok());
        assert!(tag("v1.2_x-y").is_ok());
        assert!(tag("").is_err());
        assert!(tag("has space").is_err());
        assert!(tag(&"x".repeat(65)).is_err());
        let tags: Vec<Tag> = ["b", "a", "b"].iter().map(|s| tag(s).unwrap()).collect();
        assert_eq!(normalise_tags(&tags), ["a", "b"]);
    }

    #[test]
    fn regions_default_and_refuse_unknown_values() {
        let regions = Regions::new(vec!["local".into(), "eu".into()], "local".into()).unwrap();
        assert_eq!(regions.resolve(None).unwrap(), "local");
        assert_eq!(regions.resolve(Some("eu")).unwrap(), "eu");
        let error = regions.resolve(Some("mars")).unwrap_err();
        assert!(error.client_message().contains("local, eu"));
        assert!(Regions::new(vec!["eu".into()], "local".into()).is_err());
    }

    #[test]
    fn inverted_ranges_name_the_upper_bound() {
        let body = WorkspaceListRequestBody {
            created_at_from: Some(Utc::now()),
            created_at_to: Some(Utc::now() - chrono::Duration::days(1)),
            ..Default::default()
        };
        match body.check_ranges() {
            Err(Error::InvalidInput { violations, .. }) => {
                assert_eq!(violations[0].property_path, "createdAtTo")
            }
            other => panic!("{other:?}"),
        }
    }
}
