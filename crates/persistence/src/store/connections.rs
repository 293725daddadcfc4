//! Connections. A connection is never removed: deleting it deprecates it, and deprecated
//! connections are left out of every list.

use super::locks::{lock_live, LockMode, Locked};
use super::paging::{load_page, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::DieselResultExt;
use crate::schema::connections;
use crate::sql_types::{now, sqlite_time_text, DbJsonText, DbTime, DbUuid};
use diesel::prelude::*;
use ferry_domain::actor::Actor;
use ferry_domain::actor_definition::ActorType;
use ferry_domain::connection::{
    Connection, ConnectionSchedule, ConnectionSortBy, ConnectionStatus, SourceSchema, SyncMode,
    TimeUnit,
};
use ferry_domain::ids::{ConnectionId, DestinationId, SourceId, UserId, WorkspaceId};
use ferry_domain::list::{Paging, SortOrder};
use ferry_domain::schedule::{ConnectionScheduleDataCron, CronExpression, CronTimeZone, Schedule};
use ferry_domain::{Error, Resource, Result, Violation};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = connections)]
struct ConnectionRow {
    id: DbUuid,
    workspace_id: DbUuid,
    source_id: DbUuid,
    destination_id: DbUuid,
    name: String,
    sync_mode: String,
    sync_schema: DbJsonText,
    schedule_units: Option<i64>,
    schedule_time_unit: Option<String>,
    status: String,
    created_at: DbTime,
    updated_at: DbTime,
    created_by: Option<DbUuid>,
    updated_by: Option<DbUuid>,
    schedule_cron_expression: Option<String>,
    schedule_cron_time_zone: Option<String>,
    /// When the cron schedule was set: its fire times before then are not runs of it.
    schedule_cron_since: Option<DbTime>,
    version: i64,
    /// The name lowercased in Rust, for `nameContains` and the name sort.
    name_folded: String,
}

fn stored<T>(column: &str, value: &str, parsed: Option<T>) -> Result<T> {
    parsed.ok_or_else(|| Error::internal(format!("connections.{column} holds {value:?}")))
}

impl TryFrom<ConnectionRow> for Connection {
    type Error = Error;

    fn try_from(r: ConnectionRow) -> Result<Self> {
        let schedule = match (
            r.schedule_units,
            r.schedule_time_unit.as_deref(),
            r.schedule_cron_expression,
            r.schedule_cron_time_zone,
        ) {
            (Some(units), Some(unit), _, _) => Schedule::Basic(ConnectionSchedule {
                units,
                time_unit: stored("schedule_time_unit", unit, TimeUnit::parse(unit))?,
            }),
            (_, _, Some(expression), Some(zone)) => Schedule::Cron(ConnectionScheduleDataCron {
                cron_expression: CronExpression::stored(expression),
                cron_time_zone: CronTimeZone::stored(zone),
            }),
            _ => Schedule::Manual,
        };
        Ok(Connection {
            id: ConnectionId(r.id.0),
            workspace_id: WorkspaceId(r.workspace_id.0),
            source_id: SourceId(r.source_id.0),
            destination_id: DestinationId(r.destination_id.0),
            name: r.name,
            sync_mode: stored("sync_mode", &r.sync_mode, SyncMode::parse(&r.sync_mode))?,
            sync_schema: serde_json::from_str(&r.sync_schema.0)
                .map_err(|e| Error::internal(format!("connections.sync_schema: {e}")))?,
            schedule,
            status: stored("status", &r.status, ConnectionStatus::parse(&r.status))?,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            created_by: r.created_by.map(|u| UserId(u.0)),
            updated_by: r.updated_by.map(|u| UserId(u.0)),
            version: r.version,
        })
    }
}

fn schema_json(schema: &SourceSchema) -> Result<DbJsonText> {
    serde_json::to_string(schema)
        .map(DbJsonText)
        .map_err(Error::internal)
}

/// What creating a connection needs.
#[derive(Clone, Debug)]
pub struct NewConnection {
    pub name: Option<String>,
    pub source_id: SourceId,
    pub destination_id: DestinationId,
    pub sync_mode: SyncMode,
    pub sync_schema: SourceSchema,
    pub schedule: Schedule,
    pub status: ConnectionStatus,
    /// The user creating it.
    pub by: Option<UserId>,
}

/// Creates a connection between a live source and a live destination of one workspace.
/// The name defaults to "<source name> <> <destination name>".
pub fn create(conn: &mut AnyConnection, new: &NewConnection) -> Result<Connection> {
    if new.status == ConnectionStatus::Deprecated {
        return Err(Error::invalid(
            Violation::new("status", "a connection cannot be created deprecated")
                .with_value("deprecated"),
        ));
    }
    lock_workspace_of(conn, new.source_id.0)?;
    let source = live_reference(conn, ActorType::Source, new.source_id.0)?;
    let destination = live_reference(conn, ActorType::Destination, new.destination_id.0)?;
    if source.workspace_id != destination.workspace_id {
        return Err(Error::invalid(
            Violation::new(
                "destinationId",
                format!(
                    "belongs to workspace {} but the source belongs to workspace {}",
                    destination.workspace_id, source.workspace_id
                ),
            )
            .with_value(destination.id.to_string()),
        ));
    }
    if new.status == ConnectionStatus::Active {
        super::workspaces::check_may_activate(conn, source.workspace_id)?;
    }
    let timestamp = DbTime(now());
    let name = new
        .name
        .clone()
        .unwrap_or_else(|| format!("{} <> {}", source.name, destination.name));
    let row = ConnectionRow {
        id: DbUuid(ConnectionId::random().0),
        workspace_id: DbUuid(source.workspace_id.0),
        source_id: DbUuid(source.id),
        destination_id: DbUuid(destination.id),
        name: name.clone(),
        name_folded: name.to_lowercase(),
        sync_mode: new.sync_mode.as_str().to_string(),
        sync_schema: schema_json(&new.sync_schema)?,
        schedule_units: new.schedule.basic().map(|s| s.units),
        schedule_time_unit: new
            .schedule
            .basic()
            .map(|s| s.time_unit.as_str().to_string()),
        status: new.status.as_str().to_string(),
        created_at: timestamp,
        updated_at: timestamp,
        created_by: new.by.map(|u| DbUuid(u.0)),
        updated_by: new.by.map(|u| DbUuid(u.0)),
        version: ferry_domain::version::FIRST_VERSION,
        schedule_cron_expression: new.schedule.cron().map(|c| c.cron_expression.to_string()),
        schedule_cron_time_zone: new.schedule.cron().map(|c| c.cron_time_zone.to_string()),
        schedule_cron_since: new.schedule.cron().map(|_| timestamp),
    };
    diesel::insert_into(connections::table)
        .values(&row)
        .execute(conn)
        .db()?;
    row.try_into()
}

/// A live actor that a new connection may refer to, locked against a concurrent delete.
/// Locks (shared) the workspace that holds actor `id`, if any, before its actors are locked.
/// Every transaction takes its locks in one order, workspace, then actors, then connections,
/// as a workspace delete does; a create taking the actor first could deadlock with it.
fn lock_workspace_of(conn: &mut AnyConnection, id: uuid::Uuid) -> Result<()> {
    use crate::schema::actors;
    let workspace: Option<DbUuid> = actors::table
        .filter(actors::id.eq(DbUuid(id)))
        .select(actors::workspace_id)
        .first(conn)
        .optional()
        .db()?;
    if let Some(workspace) = workspace {
        lock_live(conn, Locked::Workspace, workspace.0, LockMode::Share)?;
    }
    Ok(())
}

fn live_reference(
    conn: &mut AnyConnection,
    actor_type: ActorType,
    id: uuid::Uuid,
) -> Result<Actor> {
    let invalid = || {
        Error::invalid(
            Violation::new(
                actor_type.id_field(),
                format!("names no live {}", actor_type.as_str()),
            )
            .with_value(id.to_string()),
        )
    };
    if !lock_live(conn, Locked::Actor, id, LockMode::Share)? {
        return Err(invalid());
    }
    match super::actors::get(conn, actor_type, id) {
        Ok(actor) => Ok(actor),
        Err(Error::NotFound { .. }) => Err(invalid()),
        Err(other) => Err(other),
    }
}

/// A connection by id, whatever its status.
pub fn get(conn: &mut AnyConnection, id: ConnectionId) -> Result<Connection> {
    connections::table
        .filter(connections::id.eq(DbUuid(id.0)))
        .select(ConnectionRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(Resource::Connection, id))?
        .try_into()
}

/// Which connections a list shows: those of one workspace, never deprecated ones unless
/// `status` asks for them.
#[derive(Clone, Debug)]
pub struct ConnectionFilter {
    pub workspace_id: WorkspaceId,
    pub status: Option<ConnectionStatus>,
    pub source_id: Option<SourceId>,
    pub destination_id: Option<DestinationId>,
    /// Lowercased.
    pub name_contains: Option<String>,
}

impl ConnectionFilter {
    /// Every listed connection of a workspace.
    pub fn workspace(workspace_id: WorkspaceId) -> Self {
        ConnectionFilter {
            workspace_id,
            status: None,
            source_id: None,
            destination_id: None,
            name_contains: None,
        }
    }
}

/// How a connection list is ordered and which slice of it to return.
pub type ConnectionPage = super::paging::ListPage<ConnectionSortBy>;

impl ConnectionPage {
    /// The whole list, oldest first.
    pub fn all() -> Self {
        ConnectionPage {
            sort_by: ConnectionSortBy::CreatedAt,
            order: SortOrder::Asc,
            paging: Paging::All,
        }
    }
}

fn filtered(filter: &ConnectionFilter) -> connections::BoxedQuery<'static, MultiBackend> {
    let mut query = connections::table
        .filter(connections::workspace_id.eq(DbUuid(filter.workspace_id.0)))
        .into_boxed();
    query = match filter.status {
        Some(status) => query.filter(connections::status.eq(status.as_str())),
        None => query.filter(connections::status.ne(ConnectionStatus::Deprecated.as_str())),
    };
    if let Some(source) = filter.source_id {
        query = query.filter(connections::source_id.eq(DbUuid(source.0)));
    }
    if let Some(destination) = filter.destination_id {
        query = query.filter(connections::destination_id.eq(DbUuid(destination.0)));
    }
    if let Some(term) = &filter.name_contains {
        query = query.filter(
            connections::name_folded
                .like(super::paging::contains_pattern(term))
                .escape('\\'),
        );
    }
    query
}

/// A page of a live workspace's connections (404 for an unknown or deleted workspace), in
/// three queries (workspace, count, page) whatever the page's depth (`store::paging`).
pub fn list(
    conn: &mut AnyConnection,
    filter: &ConnectionFilter,
    page: &ConnectionPage,
) -> Result<Page<Connection>> {
    super::workspaces::get_live(conn, filter.workspace_id)?;
    let (order, paging) = (page.order, &page.paging);
    let rows = match page.sort_by {
        ConnectionSortBy::Name => {
            let after = super::paging::after(paging, super::paging::text_key)?;
            load_page!(
                conn,
                filtered(filter),
                ConnectionRow::as_select() => ConnectionRow,
                connections::name_folded,
                connections::id,
                after,
                order,
                paging,
                |r: &ConnectionRow| (r.name_folded.clone(), r.id.0)
            )
        }
        ConnectionSortBy::CreatedAt => {
            let after = super::paging::after(paging, super::paging::time_key)?;
            load_page!(
                conn,
                filtered(filter),
                ConnectionRow::as_select() => ConnectionRow,
                connections::created_at,
                connections::id,
                after,
                order,
                paging,
                |r: &ConnectionRow| (sqlite_time_text(&r.created_at.0), r.id.0)
            )
        }
        ConnectionSortBy::UpdatedAt => {
            let after = super::paging::after(paging, super::paging::time_key)?;
            load_page!(
                conn,
                filtered(filter),
                ConnectionRow::as_select() => ConnectionRow,
                connections::updated_at,
                connections::id,
                after,
                order,
                paging,
                |r: &ConnectionRow| (sqlite_time_text(&r.updated_at.0), r.id.0)
            )
        }
    };
    rows.try_map(Connection::try_from)
}

/// What the 2020 contract's update changes.
#[derive(Clone, Debug)]
pub struct ConnectionChanges {
    pub sync_schema: SourceSchema,
    pub schedule: Schedule,
    pub status: ConnectionStatus,
    /// The user changing it.
    pub by: Option<UserId>,
    /// The version the change was computed from, if the caller named one.
    pub expected_version: Option<i64>,
}

/// Applies an update in one statement, so concurrent updates never interleave. A deprecated
/// connection stays deprecated: asking for another status is invalid. A cron schedule that
/// stays the same (expression and zone) keeps the moment it was set; a new one starts now,
/// so its past fire times are not runs of it.
pub fn update(
    conn: &mut AnyConnection,
    id: ConnectionId,
    changes: &ConnectionChanges,
) -> Result<Connection> {
    if changes.status == ConnectionStatus::Active {
        let workspace = get(conn, id)?.workspace_id;
        super::workspaces::check_may_activate(conn, workspace)?;
    }
    super::versions::check(conn, Resource::Connection, id.0, changes.expected_version)?;
    let status = changes.status.as_str();
    let deprecated = ConnectionStatus::Deprecated.as_str();
    let timestamp = DbTime(now());
    // Whether this update is what disables it: decided by a statement of its own, so that
    // of two concurrent updates only the first to change the row tells the webhooks.
    let disabled = changes.status == ConnectionStatus::Inactive
        && diesel::update(
            connections::table
                .filter(connections::id.eq(DbUuid(id.0)))
                .filter(connections::status.eq(ConnectionStatus::Active.as_str())),
        )
        .set(connections::status.eq(status))
        .execute(conn)
        .db()?
            > 0;
    let basic = changes.schedule.basic();
    let cron = changes.schedule.cron();
    let expression = cron.map(|c| c.cron_expression.to_string());
    let zone = cron.map(|c| c.cron_time_zone.to_string());
    // The same expression and zone keep their `since`; anything else (NULL included, as
    // `NULL = x` is not true) gets the new one: now for a cron schedule, NULL otherwise.
    let since = diesel::dsl::case_when(
        connections::schedule_cron_expression
            .eq(expression.clone())
            .and(connections::schedule_cron_time_zone.eq(zone.clone())),
        connections::schedule_cron_since,
    )
    .otherwise(cron.map(|_| timestamp));
    let updated = diesel::update(
        connections::table
            .filter(connections::id.eq(DbUuid(id.0)))
            // Not deprecated, or staying deprecated.
            .filter(
                connections::status
                    .ne(deprecated)
                    .or(connections::status.eq(status)),
            ),
    )
    .set((
        connections::sync_schema.eq(schema_json(&changes.sync_schema)?),
        connections::schedule_units.eq(basic.map(|s| s.units)),
        connections::schedule_time_unit.eq(basic.map(|s| s.time_unit.as_str())),
        // SET expressions read the row as it was before this update.
        connections::schedule_cron_since.eq(since),
        connections::schedule_cron_expression.eq(expression),
        connections::schedule_cron_time_zone.eq(zone),
        connections::status.eq(status),
        connections::updated_at.eq(timestamp),
        connections::updated_by.eq(changes.by.map(|u| DbUuid(u.0))),
        connections::version.eq(connections::version + 1),
    ))
    .execute(conn)
    .db()?;
    if updated == 0 {
        // Either there is no such connection (404), or it is deprecated.
        get(conn, id)?;
        return Err(Error::invalid(
            Violation::new("status", "a deprecated connection cannot be re-activated")
                .with_value(status),
        ));
    }
    if disabled {
        super::notifications::connections_disabled(
            conn,
            &[id.0],
            ConnectionStatus::Inactive,
            "connection set inactive",
        )?;
    }
    get(conn, id)
}

/// Deprecates a connection ("delete" in the contract). Idempotent.
pub fn delete(conn: &mut AnyConnection, id: ConnectionId, expected: Option<i64>) -> Result<()> {
    get(conn, id)?;
    super::versions::check(conn, Resource::Connection, id.0, expected)?;
    let deprecated = ConnectionStatus::Deprecated.as_str();
    // Only a live connection changes (and gets a new version): deleting again is a no-op.
    let updated = diesel::update(
        connections::table
            .filter(connections::id.eq(DbUuid(id.0)))
            .filter(connections::status.ne(deprecated)),
    )
    .set((
        connections::status.eq(deprecated),
        connections::updated_at.eq(DbTime(now())),
        connections::version.eq(connections::version + 1),
    ))
    .execute(conn)
    .db()?;
    if updated > 0 {
        super::notifications::connections_disabled(
            conn,
            &[id.0],
            ConnectionStatus::Deprecated,
            "connection deleted",
        )?;
    }
    super::jobs::cancel_for_connections(conn, &[id.to_string()], "connection deleted")?;
    Ok(())
}

/// Copies the listed connections of one workspace into another, pointing at the copied
/// actors, every copy inactive. Returns how many were copied.
pub fn copy_all(
    conn: &mut AnyConnection,
    from: WorkspaceId,
    to: WorkspaceId,
    actor_copies: &std::collections::HashMap<uuid::Uuid, uuid::Uuid>,
    by: Option<UserId>,
) -> Result<usize> {
    let originals: Vec<ConnectionRow> = connections::table
        .filter(connections::workspace_id.eq(DbUuid(from.0)))
        .filter(connections::status.ne(ConnectionStatus::Deprecated.as_str()))
        .order((connections::created_at.asc(), connections::id.asc()))
        .select(ConnectionRow::as_select())
        .load(conn)
        .db()?;
    let copied = originals.len();
    let timestamp = DbTime(now());
    for original in originals {
        let copy_of = |actor: DbUuid| {
            actor_copies
                .get(&actor.0)
                .copied()
                .map(DbUuid)
                .ok_or_else(|| {
                    Error::internal(format!(
                        "connection {} uses actor {} that was not copied",
                        original.id.0, actor.0
                    ))
                })
        };
        let copy = ConnectionRow {
            id: DbUuid(ConnectionId::random().0),
            workspace_id: DbUuid(to.0),
            source_id: copy_of(original.source_id)?,
            destination_id: copy_of(original.destination_id)?,
            status: ConnectionStatus::Inactive.as_str().to_string(),
            created_at: timestamp,
            updated_at: timestamp,
            created_by: by.map(|u| DbUuid(u.0)),
            updated_by: by.map(|u| DbUuid(u.0)),
            version: ferry_domain::version::FIRST_VERSION,
            ..original
        };
        diesel::insert_into(connections::table)
            .values(&copy)
            .execute(conn)
            .db()?;
    }
    Ok(copied)
}

/// A connection with its source and destination.
pub type ConnectionWithActors = (Connection, Actor, Actor);

/// One connection with its source and destination (three queries).
pub fn get_with_actors(conn: &mut AnyConnection, id: ConnectionId) -> Result<ConnectionWithActors> {
    let connection = get(conn, id)?;
    let source = super::actors::get(conn, ActorType::Source, connection.source_id.0)?;
    let destination =
        super::actors::get(conn, ActorType::Destination, connection.destination_id.0)?;
    Ok((connection, source, destination))
}

/// The listed connections of a workspace with their sources and destinations, in a constant
/// number of queries however many connections there are.
pub fn list_with_actors(
    conn: &mut AnyConnection,
    filter: &ConnectionFilter,
    page: &ConnectionPage,
) -> Result<Page<ConnectionWithActors>> {
    let connections = list(conn, filter, page)?;
    let ids: Vec<uuid::Uuid> = connections
        .items
        .iter()
        .flat_map(|c| [c.source_id.0, c.destination_id.0])
        .collect();
    let actors = super::actors::get_many(conn, &ids)?;
    connections.try_map(|connection| {
        let take = |id: uuid::Uuid| {
            actors.get(&id).cloned().ok_or_else(|| {
                Error::internal(format!(
                    "connection {} refers to missing actor {id}",
                    connection.id
                ))
            })
        };
        let source = take(connection.source_id.0)?;
        let destination = take(connection.destination_id.0)?;
        Ok((connection, source, destination))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::write_transaction;
    use crate::testing::{count_queries, TestBackend, TestDatabase};
    use ferry_domain::actor::NewActor;
    use ferry_domain::actor_definition::NewActorDefinition;

    fn value<T: TryFrom<String>>(text: &str) -> T
    where
        T::Error: std::fmt::Debug,
    {
        T::try_from(text.to_string()).unwrap()
    }

    fn actor(
        conn: &mut AnyConnection,
        actor_type: ActorType,
        workspace: WorkspaceId,
        name: &str,
    ) -> Actor {
        let definition = crate::store::actor_definitions::create(
            conn,
            actor_type,
            &NewActorDefinition {
                name: value(name),
                docker_repository: value("airbyte/faker"),
                docker_image_tag: value("1.0"),
                documentation_url: value("https://example.com/docs"),
            },
        )
        .unwrap();
        let new = NewActor {
            workspace_id: workspace,
            definition_id: definition.id,
            name: Some(name.to_string()),
            configuration: serde_json::json!({"name": name}),
            secret_paths: Vec::new(),
            by: None,
        };
        crate::store::actors::create(conn, actor_type, &new).unwrap()
    }

    /// Statements that listing `n` connections with their actors costs.
    fn listing_cost(backend: TestBackend, n: usize) -> usize {
        let test_db = TestDatabase::new(backend);
        let mut conn = test_db.db.connection().unwrap();
        let conn: &mut AnyConnection = &mut conn;
        let new = crate::store::workspaces::NewWorkspace::named("Load", "local");
        let workspace = crate::store::workspaces::create(conn, &new).unwrap().id;
        let sources: Vec<Actor> = (0..3)
            .map(|i| actor(conn, ActorType::Source, workspace, &format!("s{i}")))
            .collect();
        let destinations: Vec<Actor> = (0..2)
            .map(|i| actor(conn, ActorType::Destination, workspace, &format!("d{i}")))
            .collect();
        write_transaction(conn, |c| {
            for i in 0..n {
                let new = NewConnection {
                    name: None,
                    source_id: SourceId(sources[i % sources.len()].id),
                    destination_id: DestinationId(destinations[i % destinations.len()].id),
                    sync_mode: SyncMode::FullRefresh,
                    sync_schema: SourceSchema::default(),
                    schedule: Schedule::Manual,
                    status: ConnectionStatus::Active,
                    by: None,
                };
                create(c, &new)?;
            }
            Ok(())
        })
        .unwrap();
        let filter = ConnectionFilter::workspace(workspace);
        let page = ConnectionPage::all();
        let (listed, queries) =
            count_queries(conn, |c| list_with_actors(c, &filter, &page).unwrap());
        assert_eq!(listed.items.len(), n);
        for (connection, source, destination) in &listed.items {
            assert_eq!(connection.source_id.0, source.id);
            assert_eq!(connection.destination_id.0, destination.id);
            assert_eq!(
                connection.name,
                format!("{} <> {}", source.name, destination.name)
            );
        }
        queries
    }

    fn assert_constant_cost(backend: TestBackend) {
        crate::testing::assert_constant_statements(
            &format!("{backend:?}: web_backend/connections/list"),
            4,
            |n| listing_cost(backend, n),
        );
    }

    #[test]
    fn web_backend_listing_costs_constant_queries_on_sqlite() {
        assert_constant_cost(TestBackend::Sqlite);
    }

    #[test]
    fn web_backend_listing_costs_constant_queries_on_postgres() {
        assert_constant_cost(TestBackend::Postgres);
    }
}
