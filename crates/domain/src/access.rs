//! Who calls and what they may do: the caller, what an endpoint requires, what a request is
//! about, and the one decision that combines them. Pure logic: the API layer resolves the
//! scope from the database and turns a decision into 404 or 403.

use crate::ids::{
    ApplicationId, ConnectionId, DestinationId, NotificationWebhookId, OrganizationId,
    PermissionId, SourceId, UserId, WorkspaceId,
};
use crate::permission::{PermissionType, Role, ScopeKind};
use crate::{Error, Resource};

/// One of the caller's permissions, with the organization of a workspace permission's
/// workspace (so that the organization is visible to it).
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub permission_type: PermissionType,
    pub workspace_id: Option<WorkspaceId>,
    pub organization_id: Option<OrganizationId>,
}

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Caller {
    /// None for the configured Basic-auth administrator, and when auth is off.
    pub user_id: Option<UserId>,
    pub grants: Vec<Grant>,
}

impl Caller {
    /// The caller when auth is off or for HTTP Basic: the instance administrator.
    pub fn instance_admin() -> Self {
        Caller {
            user_id: None,
            grants: vec![Grant {
                permission_type: PermissionType::InstanceAdmin,
                workspace_id: None,
                organization_id: None,
            }],
        }
    }

    pub fn is_instance_admin(&self) -> bool {
        self.grants
            .iter()
            .any(|g| g.permission_type == PermissionType::InstanceAdmin)
    }

    /// The caller's highest role on a workspace of `organization`, from a workspace
    /// permission on it or an organization permission above `organization_member`.
    pub fn workspace_role(
        &self,
        workspace: WorkspaceId,
        organization: OrganizationId,
    ) -> Option<Role> {
        if self.is_instance_admin() {
            return Some(Role::Admin);
        }
        self.grants
            .iter()
            .filter_map(|g| match g.permission_type.scope_kind() {
                ScopeKind::Workspace if g.workspace_id == Some(workspace) => {
                    Some(g.permission_type.role())
                }
                ScopeKind::Organization
                    if g.organization_id == Some(organization)
                        && g.permission_type.role() > Role::Member =>
                {
                    Some(g.permission_type.role())
                }
                _ => None,
            })
            .max()
    }

    /// The organizations the caller holds a permission in or over one of their workspaces:
    /// those [`Caller::organization_role`] lets it see (an administrator sees every one).
    pub fn visible_organizations(&self) -> Vec<OrganizationId> {
        let mut organizations: Vec<OrganizationId> = self
            .grants
            .iter()
            .filter_map(|g| g.organization_id)
            .collect();
        organizations.sort_by_key(|o| o.0);
        organizations.dedup();
        organizations
    }

    /// The caller's role on an organization: its organization permission, or `Member`
    /// (it may see the organization) when it holds a permission on one of its workspaces.
    pub fn organization_role(&self, organization: OrganizationId) -> Option<Role> {
        if self.is_instance_admin() {
            return Some(Role::Admin);
        }
        self.grants
            .iter()
            .filter(|g| g.organization_id == Some(organization))
            .map(|g| match g.permission_type.scope_kind() {
                ScopeKind::Organization => g.permission_type.role(),
                _ => Role::Member,
            })
            .max()
    }

    /// Whether the caller holds at least `required` over the scope (for `permissions/check`
    /// and for deciding who may grant what).
    pub fn holds(&self, required: PermissionType, scope: &Scope) -> bool {
        match decide(self, requirement_of(required), scope) {
            Decision::Allow => true,
            Decision::Hide | Decision::Forbid(_) => false,
        }
    }
}

/// The requirement that holding `permission` over its scope meets.
fn requirement_of(permission: PermissionType) -> Requirement {
    match permission {
        PermissionType::InstanceAdmin => Requirement::InstanceAdmin,
        other => Requirement::Role(other.role()),
    }
}

/// What an endpoint requires of its caller over the object its body names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// Anyone, without credentials (`health`, `applications/token`).
    Public,
    /// Any authenticated caller (lists narrow themselves to what the caller may see).
    Authenticated,
    /// At least this role over the workspace or organization named; a user may always act
    /// on itself.
    Role(Role),
    /// The instance administrator only.
    InstanceAdmin,
}

/// What a request body names, before it is looked up.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Nothing in particular (the instance's own catalog, the caller's own objects).
    Nothing,
    /// The instance itself (creating definitions, organizations, users).
    Instance,
    Organization(OrganizationId),
    Workspace(WorkspaceId),
    WorkspaceSlug(String),
    /// The organization a workspace belongs to (where a duplicate of it goes).
    OrganizationOfWorkspace(WorkspaceId),
    Source(SourceId),
    Destination(DestinationId),
    Connection(ConnectionId),
    Job(i64),
    User(UserId),
    UserEmail(String),
    Permission(PermissionId),
    Application(ApplicationId),
    NotificationWebhook(NotificationWebhookId),
}

impl Target {
    /// The scope a permission's fields name: a workspace, an organization, or (neither)
    /// the instance.
    pub fn permission_scope(
        workspace: Option<WorkspaceId>,
        organization: Option<OrganizationId>,
    ) -> Target {
        match (workspace, organization) {
            (Some(workspace), _) => Target::Workspace(workspace),
            (None, Some(organization)) => Target::Organization(organization),
            (None, None) => Target::Instance,
        }
    }

    /// The 404 a caller gets for a target it may not see (the same as for a missing one).
    pub fn not_found(&self) -> Error {
        let (resource, id) = match self {
            Target::Nothing | Target::Instance => {
                return Error::internal("the instance is always visible")
            }
            Target::Organization(id) => (Resource::Organization, id.to_string()),
            Target::Workspace(id) => (Resource::Workspace, id.to_string()),
            Target::WorkspaceSlug(slug) => (Resource::Workspace, slug.clone()),
            Target::OrganizationOfWorkspace(id) => (Resource::Workspace, id.to_string()),
            Target::Source(id) => (Resource::Source, id.to_string()),
            Target::Destination(id) => (Resource::Destination, id.to_string()),
            Target::Connection(id) => (Resource::Connection, id.to_string()),
            Target::Job(id) => (Resource::Job, id.to_string()),
            Target::User(id) => (Resource::User, id.to_string()),
            Target::UserEmail(email) => (Resource::User, email.clone()),
            Target::Permission(id) => (Resource::Permission, id.to_string()),
            Target::Application(id) => (Resource::Application, id.to_string()),
            Target::NotificationWebhook(id) => (Resource::NotificationWebhook, id.to_string()),
        };
        Error::NotFound { resource, id }
    }
}

/// Where a target lives, once looked up.
#[derive(Clone, Debug, PartialEq)]
pub enum Scope {
    Nothing,
    Instance,
    Organization(OrganizationId),
    Workspace {
        workspace: WorkspaceId,
        organization: OrganizationId,
    },
    /// Something a user owns (the user itself, its applications, its permissions).
    User(UserId),
}

/// The outcome of an authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The caller may not even see the target: answer as if it did not exist.
    Hide,
    /// The caller sees the target but lacks this permission.
    Forbid(PermissionType),
}

/// The one authorization rule every endpoint goes through.
pub fn decide(caller: &Caller, requirement: Requirement, scope: &Scope) -> Decision {
    if requirement == Requirement::Public || caller.is_instance_admin() {
        return Decision::Allow;
    }
    let own = |user: &UserId| caller.user_id.as_ref() == Some(user);
    // First whether the caller may see the scope at all, then whether it may do this.
    let (seen, required_here) = match scope {
        // Names nothing: enough for "any caller", never for a role.
        Scope::Nothing => (Some(Role::Member), None),
        Scope::Instance => (Some(Role::Member), None),
        Scope::Organization(organization) => (
            caller.organization_role(*organization),
            Some(ScopeKind::Organization),
        ),
        Scope::Workspace {
            workspace,
            organization,
        } => (
            caller.workspace_role(*workspace, *organization),
            Some(ScopeKind::Workspace),
        ),
        Scope::User(user) => (own(user).then_some(Role::Admin), None),
    };
    let Some(held) = seen else {
        return Decision::Hide;
    };
    match requirement {
        Requirement::Public | Requirement::Authenticated => Decision::Allow,
        Requirement::InstanceAdmin => Decision::Forbid(PermissionType::InstanceAdmin),
        Requirement::Role(needed) => match required_here {
            _ if held >= needed && !matches!(scope, Scope::Instance | Scope::Nothing) => {
                Decision::Allow
            }
            Some(ScopeKind::Organization) => Decision::Forbid(needed.organization_permission()),
            Some(ScopeKind::Workspace) => Decision::Forbid(needed.workspace_permission()),
            _ => Decision::Forbid(PermissionType::InstanceAdmin),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(grants: Vec<Grant>) -> Caller {
        Caller {
            user_id: Some(UserId::random()),
            grants,
        }
    }

    fn on_workspace(t: PermissionType, w: WorkspaceId, o: OrganizationId) -> Grant {
        Grant {
            permission_type: t,
            workspace_id: Some(w),
            organization_id: Some(o),
        }
    }

    fn on_organization(t: PermissionType, o: OrganizationId) -> Grant {
        Grant {
            permission_type: t,
            workspace_id: None,
            organization_id: Some(o),
        }
    }

    #[test]
    fn workspace_roles_hide_forbid_and_allow() {
        let (w, o) = (WorkspaceId::random(), OrganizationId::random());
        let scope = Scope::Workspace {
            workspace: w,
            organization: o,
        };
        let reader = caller(vec![on_workspace(PermissionType::WorkspaceReader, w, o)]);
        assert_eq!(
            decide(&reader, Requirement::Role(Role::Reader), &scope),
            Decision::Allow
        );
        assert_eq!(
            decide(&reader, Requirement::Role(Role::Editor), &scope),
            Decision::Forbid(PermissionType::WorkspaceEditor)
        );
        let other = Scope::Workspace {
            workspace: WorkspaceId::random(),
            organization: o,
        };
        assert_eq!(
            decide(&reader, Requirement::Role(Role::Reader), &other),
            Decision::Hide
        );
        // The organization is visible to a workspace member, as a member.
        assert_eq!(
            decide(
                &reader,
                Requirement::Role(Role::Member),
                &Scope::Organization(o)
            ),
            Decision::Allow
        );
        assert_eq!(
            decide(
                &reader,
                Requirement::Role(Role::Admin),
                &Scope::Organization(o)
            ),
            Decision::Forbid(PermissionType::OrganizationAdmin)
        );
    }

    #[test]
    fn organization_roles_reach_every_workspace_but_members_see_none() {
        let (w, o) = (WorkspaceId::random(), OrganizationId::random());
        let scope = Scope::Workspace {
            workspace: w,
            organization: o,
        };
        let runner = caller(vec![on_organization(PermissionType::OrganizationRunner, o)]);
        assert_eq!(
            decide(&runner, Requirement::Role(Role::Runner), &scope),
            Decision::Allow
        );
        assert_eq!(
            decide(&runner, Requirement::Role(Role::Editor), &scope),
            Decision::Forbid(PermissionType::WorkspaceEditor)
        );
        let member = caller(vec![on_organization(PermissionType::OrganizationMember, o)]);
        assert_eq!(
            decide(&member, Requirement::Role(Role::Reader), &scope),
            Decision::Hide
        );
        assert_eq!(
            decide(
                &member,
                Requirement::Role(Role::Member),
                &Scope::Organization(o)
            ),
            Decision::Allow
        );
    }

    #[test]
    fn instance_admins_and_owners() {
        let admin = Caller::instance_admin();
        assert_eq!(
            decide(&admin, Requirement::InstanceAdmin, &Scope::Instance),
            Decision::Allow
        );
        let someone = caller(vec![]);
        assert_eq!(
            decide(&someone, Requirement::InstanceAdmin, &Scope::Instance),
            Decision::Forbid(PermissionType::InstanceAdmin)
        );
        let me = Scope::User(someone.user_id.expect("a user"));
        assert_eq!(
            decide(&someone, Requirement::Role(Role::Admin), &me),
            Decision::Allow
        );
        assert_eq!(
            decide(&someone, Requirement::InstanceAdmin, &me),
            Decision::Forbid(PermissionType::InstanceAdmin)
        );
        let them = Scope::User(UserId::random());
        assert_eq!(
            decide(&someone, Requirement::Role(Role::Reader), &them),
            Decision::Hide
        );
        assert_eq!(
            decide(&someone, Requirement::Authenticated, &Scope::Nothing),
            Decision::Allow
        );
        // Naming nothing never satisfies a role.
        assert_eq!(
            decide(&someone, Requirement::Role(Role::Reader), &Scope::Nothing),
            Decision::Forbid(PermissionType::InstanceAdmin)
        );
    }
}
