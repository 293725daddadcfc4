//! Looks up where the object a request names lives, for the authorization decision. Deleted
//! objects still resolve (their gets still answer); missing ones resolve to nothing.

use crate::connection::AnyConnection;
use crate::error::DieselResultExt;
use crate::schema::{actors, connections, jobs, notification_webhooks, organizations, workspaces};
use crate::sql_types::DbUuid;
use diesel::prelude::*;
use ferry_domain::access::{Scope, Target};
use ferry_domain::actor_definition::ActorType;
use ferry_domain::ids::{OrganizationId, WorkspaceId};
use ferry_domain::permission::ScopeKind;
use ferry_domain::Result;
use uuid::Uuid;

/// The scope of the target, or None when it does not exist.
pub fn resolve(conn: &mut AnyConnection, target: &Target) -> Result<Option<Scope>> {
    let workspace_of_actor = |conn: &mut AnyConnection, id: Uuid, actor_type: ActorType| {
        actors::table
            .filter(actors::id.eq(DbUuid(id)))
            .filter(actors::actor_type.eq(actor_type.as_str()))
            .select(actors::workspace_id)
            .first::<DbUuid>(conn)
            .optional()
            .db()
    };
    let workspace = match target {
        Target::Nothing => return Ok(Some(Scope::Nothing)),
        Target::Instance => return Ok(Some(Scope::Instance)),
        Target::Organization(id) => {
            let found: i64 = organizations::table
                .filter(organizations::id.eq(DbUuid(id.0)))
                .count()
                .get_result(conn)
                .db()?;
            return Ok((found > 0).then_some(Scope::Organization(*id)));
        }
        Target::Workspace(id) => Some(DbUuid(id.0)),
        Target::WorkspaceSlug(slug) => workspaces::table
            .filter(workspaces::slug.eq(slug.clone()))
            .select(workspaces::id)
            .first::<DbUuid>(conn)
            .optional()
            .db()?,
        Target::Source(id) => workspace_of_actor(conn, id.0, ActorType::Source)?,
        Target::Destination(id) => workspace_of_actor(conn, id.0, ActorType::Destination)?,
        Target::Connection(id) => workspace_of_connection(conn, id.0)?,
        Target::NotificationWebhook(id) => notification_webhooks::table
            .filter(notification_webhooks::id.eq(DbUuid(id.0)))
            .select(notification_webhooks::workspace_id)
            .first::<DbUuid>(conn)
            .optional()
            .db()?,
        Target::Job(id) => {
            let config: Option<String> = jobs::table
                .filter(jobs::id.eq(*id))
                .select(jobs::config_id)
                .first(conn)
                .optional()
                .db()?;
            match config.and_then(|c| Uuid::parse_str(&c).ok()) {
                Some(connection) => workspace_of_connection(conn, connection)?,
                None => None,
            }
        }
        Target::OrganizationOfWorkspace(id) => {
            return Ok(match workspace_scope(conn, DbUuid(id.0))? {
                Some(Scope::Workspace { organization, .. }) => {
                    Some(Scope::Organization(organization))
                }
                _ => None,
            })
        }
        Target::UserEmail(email) => {
            return Ok(found(super::users::get_by_email(conn, email))?.map(|u| Scope::User(u.id)))
        }
        Target::User(id) => {
            return Ok(found(super::users::get(conn, *id))?.map(|u| Scope::User(u.id)))
        }
        Target::Application(id) => {
            return Ok(found(super::applications::get(conn, *id))?.map(|a| Scope::User(a.user_id)))
        }
        Target::Permission(id) => {
            let Some(permission) = found(super::permissions::get(conn, *id))? else {
                return Ok(None);
            };
            return match permission.permission_type.scope_kind() {
                ScopeKind::Instance => Ok(Some(Scope::Instance)),
                ScopeKind::Organization => Ok(permission.organization_id.map(Scope::Organization)),
                ScopeKind::Workspace => match permission.workspace_id {
                    Some(w) => workspace_scope(conn, DbUuid(w.0)),
                    None => Ok(None),
                },
            };
        }
    };
    match workspace {
        Some(workspace) => workspace_scope(conn, workspace),
        None => Ok(None),
    }
}

fn workspace_of_connection(conn: &mut AnyConnection, id: Uuid) -> Result<Option<DbUuid>> {
    connections::table
        .filter(connections::id.eq(DbUuid(id)))
        .select(connections::workspace_id)
        .first::<DbUuid>(conn)
        .optional()
        .db()
}

fn workspace_scope(conn: &mut AnyConnection, workspace: DbUuid) -> Result<Option<Scope>> {
    let organization: Option<DbUuid> = workspaces::table
        .filter(workspaces::id.eq(workspace))
        .select(workspaces::organization_id)
        .first(conn)
        .optional()
        .db()?;
    Ok(organization.map(|organization| Scope::Workspace {
        workspace: WorkspaceId(workspace.0),
        organization: OrganizationId(organization.0),
    }))
}

/// A lookup's result with "not found" as None and every other failure kept.
fn found<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(ferry_domain::Error::NotFound { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}
