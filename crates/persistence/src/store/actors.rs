//! Sources and destinations, one table told apart by `actor_type`.
//!
//! Configurations are stored with their secrets encrypted (`crate::secrets`): sealed here on
//! the way in, opened here on the way out, so every caller sees clear values.

use super::locks::{lock_live, LockMode, Locked};
use super::paging::{self, load_page, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::DieselResultExt;
use crate::schema::{actor_definitions, actors, connections};
use crate::sql_types::{now, sqlite_time_text, DbJson, DbTime, DbUuid};
use diesel::prelude::*;
use ferry_domain::actor::{Actor, ActorChanges, ActorSortBy, NewActor};
use ferry_domain::actor_definition::ActorType;
use ferry_domain::connection::ConnectionStatus;
use ferry_domain::ids::{UserId, WorkspaceId};
use ferry_domain::secrets::SecretPath;
use ferry_domain::{Error, Result, Violation};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = actors)]
struct ActorRow {
    id: DbUuid,
    actor_type: String,
    workspace_id: DbUuid,
    actor_definition_id: DbUuid,
    name: String,
    configuration: DbJson,
    created_at: DbTime,
    updated_at: DbTime,
    deleted_at: Option<DbTime>,
    secret_paths: DbJson,
    created_by: Option<DbUuid>,
    updated_by: Option<DbUuid>,
    version: i64,
    /// The name lowercased in Rust, for `nameContains` and the name sort.
    name_folded: String,
}

impl ActorRow {
    /// The actor this row stores, its secrets decrypted.
    fn into_actor(mut self, definition_name: String) -> Result<Actor> {
        let secret_paths = parse_paths(std::mem::take(&mut self.secret_paths.0))?;
        let stored = std::mem::take(&mut self.configuration.0);
        let configuration =
            crate::secrets::open_from_storage(stored, &secret_paths).map_err(|e| match e {
                Error::Internal { internal } => {
                    Error::internal(format!("actor {}: {internal}", self.id.0))
                }
                other => other,
            })?;
        self.with_configuration(definition_name, configuration, secret_paths)
    }

    /// The actor this row stores, with its clear configuration given.
    fn with_configuration(
        self,
        definition_name: String,
        configuration: serde_json::Value,
        secret_paths: Vec<SecretPath>,
    ) -> Result<Actor> {
        let actor_type = ActorType::parse(&self.actor_type).ok_or_else(|| {
            Error::internal(format!("actors.actor_type holds {:?}", self.actor_type))
        })?;
        Ok(Actor {
            id: self.id.0,
            actor_type,
            workspace_id: WorkspaceId(self.workspace_id.0),
            definition_id: self.actor_definition_id.0,
            definition_name,
            name: self.name,
            configuration,
            secret_paths,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
            deleted_at: self.deleted_at.map(|t| t.0),
            created_by: self.created_by.map(|u| UserId(u.0)),
            updated_by: self.updated_by.map(|u| UserId(u.0)),
            version: self.version,
        })
    }
}

fn parse_paths(stored: serde_json::Value) -> Result<Vec<SecretPath>> {
    serde_json::from_value(stored).map_err(|e| Error::internal(format!("actors.secret_paths: {e}")))
}

/// A configuration as stored: its secrets encrypted.
fn sealed(configuration: &serde_json::Value, paths: &[SecretPath]) -> Result<DbJson> {
    crate::secrets::seal_for_storage(configuration, paths).map(DbJson)
}

fn paths_json(paths: &[ferry_domain::secrets::SecretPath]) -> Result<DbJson> {
    serde_json::to_value(paths)
        .map(DbJson)
        .map_err(Error::internal)
}

/// Creates a source or destination. Its workspace and its definition (of the same type)
/// must exist and be live; otherwise the field that names them is invalid (422).
pub fn create(conn: &mut AnyConnection, actor_type: ActorType, new: &NewActor) -> Result<Actor> {
    let workspace = new.workspace_id.0;
    if !lock_live(conn, Locked::Workspace, workspace, LockMode::Share)? {
        return Err(Error::invalid(
            Violation::new("workspaceId", "names no live workspace")
                .with_value(workspace.to_string()),
        ));
    }
    let live_definition = lock_live(
        conn,
        Locked::ActorDefinition,
        new.definition_id,
        LockMode::Share,
    )?;
    let definition = match super::actor_definitions::get(conn, actor_type, new.definition_id) {
        Ok(definition) if live_definition => definition,
        Ok(_) | Err(Error::NotFound { .. }) => {
            return Err(Error::invalid(
                Violation::new(
                    actor_type.definition_id_field(),
                    format!("names no live {} definition", actor_type.as_str()),
                )
                .with_value(new.definition_id.to_string()),
            ))
        }
        Err(other) => return Err(other),
    };
    let timestamp = DbTime(now());
    let name = new.name_or(&definition.name);
    let row = ActorRow {
        id: DbUuid(Uuid::new_v4()),
        actor_type: actor_type.as_str().to_string(),
        workspace_id: DbUuid(workspace),
        actor_definition_id: DbUuid(definition.id),
        name_folded: name.to_lowercase(),
        name,
        configuration: sealed(&new.configuration, &new.secret_paths)?,
        created_at: timestamp,
        updated_at: timestamp,
        deleted_at: None,
        secret_paths: paths_json(&new.secret_paths)?,
        created_by: new.by.map(|u| DbUuid(u.0)),
        updated_by: new.by.map(|u| DbUuid(u.0)),
        version: ferry_domain::version::FIRST_VERSION,
    };
    diesel::insert_into(actors::table)
        .values(&row)
        .execute(conn)
        .db()?;
    // The caller gets the clear configuration it gave.
    row.with_configuration(
        definition.name,
        new.configuration.clone(),
        new.secret_paths.clone(),
    )
}

/// A source or destination by id, deleted or not.
pub fn get(conn: &mut AnyConnection, actor_type: ActorType, id: Uuid) -> Result<Actor> {
    actors::table
        .inner_join(actor_definitions::table)
        .filter(actors::id.eq(DbUuid(id)))
        .filter(actors::actor_type.eq(actor_type.as_str()))
        .select((ActorRow::as_select(), actor_definitions::name))
        .first::<(ActorRow, String)>(conn)
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(actor_type.resource(), id))
        .and_then(|(row, definition_name)| row.into_actor(definition_name))
}

/// Which sources or destinations a list shows: the live ones of one workspace.
#[derive(Clone, Debug)]
pub struct ActorFilter {
    pub workspace_id: WorkspaceId,
    pub definition_id: Option<Uuid>,
    /// Lowercased.
    pub name_contains: Option<String>,
}

/// How an actor list is ordered and which slice of it to return.
pub type ActorPage = paging::ListPage<ActorSortBy>;

type BoxedActors = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<actors::table, actor_definitions::table>,
    MultiBackend,
>;

fn filtered(actor_type: ActorType, filter: &ActorFilter) -> BoxedActors {
    let mut query = actors::table
        .inner_join(actor_definitions::table)
        .filter(actors::workspace_id.eq(DbUuid(filter.workspace_id.0)))
        .filter(actors::actor_type.eq(actor_type.as_str()))
        .filter(actors::deleted_at.is_null())
        .into_boxed();
    if let Some(definition) = filter.definition_id {
        query = query.filter(actors::actor_definition_id.eq(DbUuid(definition)));
    }
    if let Some(term) = &filter.name_contains {
        query = query.filter(
            actors::name_folded
                .like(paging::contains_pattern(term))
                .escape('\\'),
        );
    }
    query
}

/// A page of a live workspace's sources or destinations (404 for an unknown or deleted
/// workspace), each with its definition's name, in three queries whatever the page's depth
/// (`store::paging`).
pub fn list(
    conn: &mut AnyConnection,
    actor_type: ActorType,
    filter: &ActorFilter,
    page: &ActorPage,
) -> Result<Page<Actor>> {
    super::workspaces::get_live(conn, filter.workspace_id)?;
    let (order, paging) = (page.order, &page.paging);
    let select = (ActorRow::as_select(), actor_definitions::name);
    let rows = match page.sort_by {
        ActorSortBy::Name => {
            let after = paging::after(paging, paging::text_key)?;
            load_page!(conn, filtered(actor_type, filter), select => (ActorRow, String),
                actors::name_folded, actors::id, after, order, paging,
                |(r, _): &(ActorRow, String)| (r.name_folded.clone(), r.id.0))
        }
        ActorSortBy::CreatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(conn, filtered(actor_type, filter), select => (ActorRow, String),
                actors::created_at, actors::id, after, order, paging,
                |(r, _): &(ActorRow, String)| (sqlite_time_text(&r.created_at.0), r.id.0))
        }
        ActorSortBy::UpdatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(conn, filtered(actor_type, filter), select => (ActorRow, String),
                actors::updated_at, actors::id, after, order, paging,
                |(r, _): &(ActorRow, String)| (sqlite_time_text(&r.updated_at.0), r.id.0))
        }
    };
    rows.try_map(|(row, definition_name)| row.into_actor(definition_name))
}

/// The actors with the given ids, in one query, keyed by id.
pub fn get_many(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, Actor>> {
    let ids: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    let mut found = HashMap::with_capacity(ids.len());
    // Bounded batches keep under every backend's limit on bound parameters.
    for batch in ids.chunks(super::MAX_BOUND_IDS) {
        let rows = actors::table
            .inner_join(actor_definitions::table)
            .filter(actors::id.eq_any(batch))
            .select((ActorRow::as_select(), actor_definitions::name))
            .load::<(ActorRow, String)>(conn)
            .db()?;
        for (row, definition_name) in rows {
            let actor = row.into_actor(definition_name)?;
            found.insert(actor.id, actor);
        }
    }
    Ok(found)
}

/// Replaces a live actor's name and configuration in one statement.
pub fn update(
    conn: &mut AnyConnection,
    actor_type: ActorType,
    id: Uuid,
    changes: &ActorChanges,
) -> Result<Actor> {
    if changes.expected_version.is_some() {
        get(conn, actor_type, id)?;
        super::versions::check(conn, actor_type.resource(), id, changes.expected_version)?;
    }
    let updated = diesel::update(
        actors::table
            .filter(actors::id.eq(DbUuid(id)))
            .filter(actors::actor_type.eq(actor_type.as_str()))
            .filter(actors::deleted_at.is_null()),
    )
    .set((
        actors::name.eq(&changes.name),
        actors::name_folded.eq(changes.name.to_lowercase()),
        actors::configuration.eq(sealed(&changes.configuration, &changes.secret_paths)?),
        actors::secret_paths.eq(paths_json(&changes.secret_paths)?),
        actors::updated_at.eq(DbTime(now())),
        actors::updated_by.eq(changes.by.map(|u| DbUuid(u.0))),
        actors::version.eq(actors::version + 1),
    ))
    .execute(conn)
    .db()?;
    if updated == 0 {
        return Err(Error::not_found(actor_type.resource(), id));
    }
    get(conn, actor_type, id)
}

/// Soft-deletes an actor and, in the same transaction, deprecates every connection that
/// uses it. Deleting a deleted actor changes nothing; an unknown id is not found.
pub fn delete(
    conn: &mut AnyConnection,
    actor_type: ActorType,
    id: Uuid,
    expected: Option<i64>,
) -> Result<()> {
    let actor = get(conn, actor_type, id)?;
    let live = lock_live(conn, Locked::Actor, actor.id, LockMode::Update)?;
    super::versions::check(conn, actor_type.resource(), id, expected)?;
    if !live {
        return Ok(());
    }
    let timestamp = DbTime(now());
    diesel::update(actors::table.filter(actors::id.eq(DbUuid(id))))
        .set((
            actors::deleted_at.eq(Some(timestamp)),
            actors::updated_at.eq(timestamp),
            actors::version.eq(actors::version + 1),
        ))
        .execute(conn)
        .db()?;
    let using = connections::source_id
        .eq(DbUuid(id))
        .or(connections::destination_id.eq(DbUuid(id)));
    let reason = match actor_type {
        ActorType::Source => "source deleted",
        ActorType::Destination => "destination deleted",
    };
    deprecate_connections(conn, Box::new(using), timestamp, reason)?;
    Ok(())
}

/// Soft-deletes every live actor of a workspace and deprecates its connections.
pub fn delete_all_in_workspace(conn: &mut AnyConnection, workspace: WorkspaceId) -> Result<()> {
    let timestamp = DbTime(now());
    diesel::update(
        actors::table
            .filter(actors::workspace_id.eq(DbUuid(workspace.0)))
            .filter(actors::deleted_at.is_null()),
    )
    .set((
        actors::deleted_at.eq(Some(timestamp)),
        actors::updated_at.eq(timestamp),
        actors::version.eq(actors::version + 1),
    ))
    .execute(conn)
    .db()?;
    let in_workspace = connections::workspace_id.eq(DbUuid(workspace.0));
    deprecate_connections(conn, Box::new(in_workspace), timestamp, "workspace deleted")
}

/// Which connections a cascade reaches.
type ConnectionFilter = Box<
    dyn diesel::BoxableExpression<
        connections::table,
        crate::connection::MultiBackend,
        SqlType = diesel::sql_types::Bool,
    >,
>;

/// Deprecates the connections `which` names and, in the same transaction, cancels their
/// pending and running jobs with `reason`: a delete never leaves work running for objects
/// that no longer exist.
fn deprecate_connections(
    conn: &mut AnyConnection,
    which: ConnectionFilter,
    timestamp: DbTime,
    reason: &str,
) -> Result<()> {
    let deprecated = ConnectionStatus::Deprecated.as_str();
    let ids: Vec<Uuid> = diesel::update(
        connections::table
            .filter(which)
            .filter(connections::status.ne(deprecated)),
    )
    .set((
        connections::status.eq(deprecated),
        connections::updated_at.eq(timestamp),
        connections::version.eq(connections::version + 1),
    ))
    .returning(connections::id)
    .get_results::<DbUuid>(conn)
    .db()?
    .into_iter()
    .map(|id| id.0)
    .collect();
    super::notifications::connections_disabled(conn, &ids, ConnectionStatus::Deprecated, reason)?;
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    super::jobs::cancel_for_connections(conn, &ids, reason)?;
    Ok(())
}

/// How many live actors use a definition.
pub fn count_using_definition(conn: &mut AnyConnection, definition: Uuid) -> Result<i64> {
    actors::table
        .filter(actors::actor_definition_id.eq(DbUuid(definition)))
        .filter(actors::deleted_at.is_null())
        .count()
        .get_result(conn)
        .db()
}

/// Copies every live actor of one workspace into another (configurations verbatim, secrets
/// included, never leaving the database layer). Returns the new id of each copied actor.
pub fn copy_all(
    conn: &mut AnyConnection,
    from: WorkspaceId,
    to: WorkspaceId,
    by: Option<UserId>,
) -> Result<HashMap<Uuid, Uuid>> {
    let originals: Vec<ActorRow> = actors::table
        .filter(actors::workspace_id.eq(DbUuid(from.0)))
        .filter(actors::deleted_at.is_null())
        .order((actors::created_at.asc(), actors::id.asc()))
        .select(ActorRow::as_select())
        .load(conn)
        .db()?;
    let timestamp = DbTime(now());
    let mut copies = HashMap::with_capacity(originals.len());
    for original in originals {
        let copy = ActorRow {
            id: DbUuid(Uuid::new_v4()),
            workspace_id: DbUuid(to.0),
            created_at: timestamp,
            updated_at: timestamp,
            // A copy is made by whoever duplicates, not by the original's author.
            created_by: by.map(|u| DbUuid(u.0)),
            updated_by: by.map(|u| DbUuid(u.0)),
            version: ferry_domain::version::FIRST_VERSION,
            ..original
        };
        diesel::insert_into(actors::table)
            .values(&copy)
            .execute(conn)
            .db()?;
        copies.insert(original.id.0, copy.id.0);
    }
    Ok(copies)
}

/// What one batch of a rotation did; `last` is the id to continue after (`None`: the end).
#[derive(Clone, Copy, Debug, Default)]
pub struct ResealBatch {
    pub actors: usize,
    pub rewritten: usize,
    pub last: Option<Uuid>,
}

/// Moves the secrets of up to `limit` actors (deleted ones too, in id order after `after`)
/// to `secrets`' current key, rewriting only the configurations that change. Call it inside
/// `write_transaction`: the rows are locked (`FOR UPDATE` on PostgreSQL; SQLite's write lock)
/// so that a concurrent update is not overwritten.
pub fn reseal_batch(
    conn: &mut AnyConnection,
    secrets: &crate::secrets::SecretBox,
    after: Option<Uuid>,
    limit: i64,
) -> Result<ResealBatch> {
    // Ids are random (v4), so the nil uuid is below every one of them.
    let after = DbUuid(after.unwrap_or(Uuid::nil()));
    let query = actors::table
        .select((actors::id, actors::configuration, actors::secret_paths))
        .filter(actors::id.gt(after))
        .order(actors::id.asc())
        .limit(limit);
    let rows: Vec<(DbUuid, DbJson, DbJson)> = match conn {
        AnyConnection::Postgres(pg) => query.for_update().load(pg),
        AnyConnection::Sqlite(_) => query.load(conn),
    }
    .db()?;
    let mut batch = ResealBatch {
        actors: rows.len(),
        last: rows.last().map(|(id, _, _)| id.0),
        ..ResealBatch::default()
    };
    for (id, configuration, paths) in rows {
        let paths = parse_paths(paths.0)?;
        let resealed = secrets
            .reseal(&configuration.0, &paths)
            .map_err(|e| Error::internal(format!("actor {}: {e}", id.0)))?;
        if let Some(resealed) = resealed {
            diesel::update(actors::table.filter(actors::id.eq(id)))
                .set(actors::configuration.eq(DbJson(resealed)))
                .execute(conn)
                .db()?;
            batch.rewritten += 1;
        }
    }
    Ok(batch)
}
