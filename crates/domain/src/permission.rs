//! Permissions: one user's role over one scope (the instance, an organization, a workspace).

use crate::ids::{OrganizationId, PermissionId, UserId, WorkspaceId};
use crate::version::ExpectedVersion;
use crate::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError, ValidationErrors};

wire_enum!(
    /// What a permission entitles to. Each role includes the ones after it in its line:
    /// `organization_admin` > `organization_editor` > `organization_runner` >
    /// `organization_reader` > `organization_member`, and `workspace_admin` >
    /// `workspace_editor` > `workspace_runner` > `workspace_reader`. An organization role
    /// applies to every workspace in the organization; `organization_member` sees the
    /// organization and nothing in it.
    PermissionType {
        InstanceAdmin => "instance_admin",
        OrganizationAdmin => "organization_admin",
        OrganizationEditor => "organization_editor",
        OrganizationRunner => "organization_runner",
        OrganizationReader => "organization_reader",
        OrganizationMember => "organization_member",
        WorkspaceAdmin => "workspace_admin",
        WorkspaceEditor => "workspace_editor",
        WorkspaceRunner => "workspace_runner",
        WorkspaceReader => "workspace_reader",
    }
);

/// A role's rank, the same in both lines: a workspace role and the organization role of the
/// same rank allow the same on a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Sees the organization only (organizations have it; workspaces do not).
    Member,
    /// Reads everything.
    Reader,
    /// Also starts and cancels syncs, resets and checks.
    Runner,
    /// Also creates, changes and deletes sources, destinations and connections.
    Editor,
    /// Also the workspace (or organization) itself and its members.
    Admin,
}

/// What kind of scope a permission names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Instance,
    Organization,
    Workspace,
}

impl PermissionType {
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            PermissionType::InstanceAdmin => ScopeKind::Instance,
            PermissionType::OrganizationAdmin
            | PermissionType::OrganizationEditor
            | PermissionType::OrganizationRunner
            | PermissionType::OrganizationReader
            | PermissionType::OrganizationMember => ScopeKind::Organization,
            _ => ScopeKind::Workspace,
        }
    }

    /// The rank within its line (`instance_admin` ranks above everything).
    pub fn role(self) -> Role {
        match self {
            PermissionType::InstanceAdmin
            | PermissionType::OrganizationAdmin
            | PermissionType::WorkspaceAdmin => Role::Admin,
            PermissionType::OrganizationEditor | PermissionType::WorkspaceEditor => Role::Editor,
            PermissionType::OrganizationRunner | PermissionType::WorkspaceRunner => Role::Runner,
            PermissionType::OrganizationReader | PermissionType::WorkspaceReader => Role::Reader,
            PermissionType::OrganizationMember => Role::Member,
        }
    }
}

impl Role {
    /// The workspace permission of this rank (a member needs at least a reader).
    pub fn workspace_permission(self) -> PermissionType {
        match self {
            Role::Admin => PermissionType::WorkspaceAdmin,
            Role::Editor => PermissionType::WorkspaceEditor,
            Role::Runner => PermissionType::WorkspaceRunner,
            Role::Reader | Role::Member => PermissionType::WorkspaceReader,
        }
    }

    pub fn organization_permission(self) -> PermissionType {
        match self {
            Role::Admin => PermissionType::OrganizationAdmin,
            Role::Editor => PermissionType::OrganizationEditor,
            Role::Runner => PermissionType::OrganizationRunner,
            Role::Reader => PermissionType::OrganizationReader,
            Role::Member => PermissionType::OrganizationMember,
        }
    }
}

/// A stored permission.
#[derive(Clone, Debug, PartialEq)]
pub struct Permission {
    pub id: PermissionId,
    pub user_id: UserId,
    pub permission_type: PermissionType,
    pub workspace_id: Option<WorkspaceId>,
    pub organization_id: Option<OrganizationId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Checks that a permission names exactly the scope its type needs.
fn check_scope(
    permission_type: PermissionType,
    workspace_id: Option<WorkspaceId>,
    organization_id: Option<OrganizationId>,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut fail = |field: &'static str, message: String| {
        errors.add(
            field,
            ValidationError::new("scope").with_message(message.into()),
        );
    };
    match permission_type.scope_kind() {
        ScopeKind::Instance => {
            if workspace_id.is_some() {
                fail(
                    "workspace_id",
                    format!("must be absent for {permission_type}"),
                );
            }
            if organization_id.is_some() {
                fail(
                    "organization_id",
                    format!("must be absent for {permission_type}"),
                );
            }
        }
        ScopeKind::Organization => {
            if organization_id.is_none() {
                fail(
                    "organization_id",
                    format!("is required for {permission_type}"),
                );
            }
            if workspace_id.is_some() {
                fail(
                    "workspace_id",
                    format!("must be absent for {permission_type}"),
                );
            }
        }
        ScopeKind::Workspace => {
            if workspace_id.is_none() {
                fail("workspace_id", format!("is required for {permission_type}"));
            }
            if organization_id.is_some() {
                fail(
                    "organization_id",
                    format!("must be absent for {permission_type}"),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Grants a user a role over the instance (`instance_admin`, no scope), an organization
/// (`organization_*` with `organizationId`) or a workspace (`workspace_*` with `workspaceId`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionCreate {
    pub permission_type: PermissionType,
    pub user_id: UserId,
    pub workspace_id: Option<WorkspaceId>,
    pub organization_id: Option<OrganizationId>,
}

impl Validate for PermissionCreate {
    fn validate(&self) -> Result<(), ValidationErrors> {
        check_scope(
            self.permission_type,
            self.workspace_id,
            self.organization_id,
        )
    }
}

/// Changes the role; the scope stays (a workspace permission stays a workspace one).
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct PermissionUpdate {
    pub permission_id: PermissionId,
    pub permission_type: PermissionType,
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct PermissionIdRequestBody {
    pub permission_id: PermissionId,
    /// Read by `delete` only: deletes only this version of the object.
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

/// Asks whether a user holds at least `permissionType` over the scope named.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionCheckRequest {
    pub permission_type: PermissionType,
    pub user_id: UserId,
    pub workspace_id: Option<WorkspaceId>,
    pub organization_id: Option<OrganizationId>,
}

impl Validate for PermissionCheckRequest {
    fn validate(&self) -> Result<(), ValidationErrors> {
        check_scope(
            self.permission_type,
            self.workspace_id,
            self.organization_id,
        )
    }
}

wire_enum!(
    /// The answer of `permissions/check`.
    PermissionCheckStatus {
        Succeeded => "succeeded",
        Failed => "failed",
    }
);

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PermissionCheckRead {
    pub status: PermissionCheckStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PermissionRead {
    pub permission_id: PermissionId,
    pub permission_type: PermissionType,
    pub user_id: UserId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<WorkspaceId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    /// 1 when created; every change adds one. Send it back as `expectedVersion` (or
    /// `If-Match`) to change only this version.
    #[schema(minimum = 1)]
    pub version: i64,
}

crate::versioned!(PermissionRead);

impl From<Permission> for PermissionRead {
    fn from(p: Permission) -> Self {
        PermissionRead {
            permission_id: p.id,
            permission_type: p.permission_type,
            user_id: p.user_id,
            workspace_id: p.workspace_id,
            organization_id: p.organization_id,
            version: p.version,
        }
    }
}

crate::list_response! {
    pub struct PermissionReadList {
        pub permissions: Vec<PermissionRead>,
    }
}

wire_enum!(PermissionSortBy { CreatedAt => "createdAt", UpdatedAt => "updatedAt" });

crate::list_request! {
    /// `permissions/list_by_user`: the user (as `UserIdRequestBody`, of which this is a
    /// superset), then the list convention's sort and pages; without them every permission
    /// of the user, oldest first, unpaged (docs/API-DESIGN.md, "Lists").
    pub struct PermissionListByUserRequestBody {
        pub user_id: UserId,
    }
    sort_by: PermissionSortBy => "Default `createdAt`; the id always breaks ties.",
    sort_order => "Default `asc`.",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_rank_the_same_in_both_lines() {
        assert!(PermissionType::WorkspaceAdmin.role() > PermissionType::WorkspaceEditor.role());
        assert!(PermissionType::WorkspaceRunner.role() > PermissionType::WorkspaceReader.role());
        assert_eq!(
            PermissionType::OrganizationEditor.role(),
            PermissionType::WorkspaceEditor.role()
        );
        assert!(PermissionType::OrganizationMember.role() < Role::Reader);
        assert_eq!(
            Role::Runner.workspace_permission().as_str(),
            "workspace_runner"
        );
        assert_eq!(
            Role::Member.organization_permission().as_str(),
            "organization_member"
        );
    }

    #[test]
    fn a_permission_names_the_scope_its_type_needs() {
        let workspace = Some(WorkspaceId::random());
        let organization = Some(OrganizationId::random());
        assert!(check_scope(PermissionType::WorkspaceReader, workspace, None).is_ok());
        assert!(check_scope(PermissionType::OrganizationMember, None, organization).is_ok());
        assert!(check_scope(PermissionType::InstanceAdmin, None, None).is_ok());
        let errors = check_scope(PermissionType::WorkspaceReader, None, organization)
            .expect_err("no workspace");
        let fields: Vec<_> = errors
            .field_errors()
            .keys()
            .map(|k| k.to_string())
            .collect();
        assert!(fields.contains(&"workspace_id".to_string()), "{fields:?}");
        assert!(
            fields.contains(&"organization_id".to_string()),
            "{fields:?}"
        );
        assert!(check_scope(PermissionType::InstanceAdmin, workspace, None).is_err());
    }
}
