//! Workspaces.

use super::locks::{lock_live, LockMode, Locked};
use super::paging::{self, load_page, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::{is_unique_violation, DieselResultExt};
use crate::schema::{connections, permissions, workspace_tags, workspaces};
use crate::sql_types::{now, sqlite_time_text, DbTime, DbUuid};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ferry_domain::actor_definition::ActorType;
use ferry_domain::connection::ConnectionStatus;
use ferry_domain::ids::{
    ConnectionId, CustomerId, OrganizationId, UserId, WorkspaceId, DEFAULT_ORGANIZATION_ID,
    DEFAULT_WORKSPACE_ID,
};
use ferry_domain::job::JobStatus;
use ferry_domain::permission::PermissionType;
use ferry_domain::slug::{slugify, with_suffix};
use ferry_domain::workspace::{
    LatestSyncJob, Workspace, WorkspaceSortBy, WorkspaceStatsRead, WorkspaceStatus,
    WorkspaceSummary, WorkspaceType,
};
use ferry_domain::{Error, Resource, Result, Violation};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = workspaces, treat_none_as_null = true)]
struct WorkspaceRow {
    id: DbUuid,
    customer_id: DbUuid,
    name: String,
    slug: String,
    email: Option<String>,
    initial_setup_complete: bool,
    onboarding_complete: bool,
    anonymous_data_collection: bool,
    news: bool,
    security_updates: bool,
    created_at: DbTime,
    updated_at: DbTime,
    deleted_at: Option<DbTime>,
    organization_id: DbUuid,
    description: Option<String>,
    status: String,
    region: String,
    name_folded: String,
    search_folded: String,
    created_by: Option<DbUuid>,
    updated_by: Option<DbUuid>,
    version: i64,
    owner_id: Option<DbUuid>,
    workspace_type: String,
    domain_name: Option<String>,
}

impl WorkspaceRow {
    fn from_workspace(w: &Workspace) -> Self {
        WorkspaceRow {
            id: DbUuid(w.id.0),
            customer_id: DbUuid(w.customer_id.0),
            name: w.name.clone(),
            slug: w.slug.clone(),
            email: w.email.clone(),
            initial_setup_complete: w.initial_setup_complete,
            onboarding_complete: w.onboarding_complete,
            anonymous_data_collection: w.anonymous_data_collection,
            news: w.news,
            security_updates: w.security_updates,
            created_at: DbTime(w.created_at),
            updated_at: DbTime(w.updated_at),
            deleted_at: w.deleted_at.map(DbTime),
            organization_id: DbUuid(w.organization_id.0),
            description: w.description.clone(),
            status: w.status.as_str().to_string(),
            region: w.region.clone(),
            name_folded: w.name.to_lowercase(),
            search_folded: w.search_text(),
            created_by: w.created_by.map(|u| DbUuid(u.0)),
            updated_by: w.updated_by.map(|u| DbUuid(u.0)),
            version: w.version,
            owner_id: w.owner_id.map(|u| DbUuid(u.0)),
            workspace_type: w.workspace_type.as_str().to_string(),
            domain_name: w.domain_name.clone(),
        }
    }

    fn into_workspace(self, tags: Vec<String>) -> Result<Workspace> {
        let status = WorkspaceStatus::parse(&self.status)
            .ok_or_else(|| Error::internal(format!("workspaces.status holds {:?}", self.status)))?;
        let workspace_type = WorkspaceType::parse(&self.workspace_type).ok_or_else(|| {
            Error::internal(format!(
                "workspaces.workspace_type holds {:?}",
                self.workspace_type
            ))
        })?;
        Ok(Workspace {
            id: WorkspaceId(self.id.0),
            organization_id: OrganizationId(self.organization_id.0),
            customer_id: CustomerId(self.customer_id.0),
            name: self.name,
            slug: self.slug,
            email: self.email,
            description: self.description,
            status,
            tags,
            region: self.region,
            initial_setup_complete: self.initial_setup_complete,
            onboarding_complete: self.onboarding_complete,
            anonymous_data_collection: self.anonymous_data_collection,
            news: self.news,
            security_updates: self.security_updates,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
            deleted_at: self.deleted_at.map(|t| t.0),
            created_by: self.created_by.map(|u| UserId(u.0)),
            updated_by: self.updated_by.map(|u| UserId(u.0)),
            version: self.version,
            owner_id: self.owner_id.map(|u| UserId(u.0)),
            workspace_type,
            domain_name: self.domain_name,
        })
    }
}

/// The tags of the given workspaces, in one query.
fn load_tags(conn: &mut AnyConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<String>>> {
    let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
    for batch in ids.chunks(super::MAX_BOUND_IDS) {
        let batch: Vec<DbUuid> = batch.iter().copied().map(DbUuid).collect();
        let rows: Vec<(DbUuid, String)> = workspace_tags::table
            .filter(workspace_tags::workspace_id.eq_any(batch))
            .order((workspace_tags::workspace_id, workspace_tags::tag))
            .select((workspace_tags::workspace_id, workspace_tags::tag))
            .load(conn)
            .db()?;
        for (id, tag) in rows {
            tags.entry(id.0).or_default().push(tag);
        }
    }
    Ok(tags)
}

fn with_tags(conn: &mut AnyConnection, rows: Vec<WorkspaceRow>) -> Result<Vec<Workspace>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let mut tags = load_tags(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let own = tags.remove(&row.id.0).unwrap_or_default();
            row.into_workspace(own)
        })
        .collect()
}

fn replace_tags(conn: &mut AnyConnection, id: WorkspaceId, tags: &[String]) -> Result<()> {
    diesel::delete(workspace_tags::table.filter(workspace_tags::workspace_id.eq(DbUuid(id.0))))
        .execute(conn)
        .db()?;
    // One row at a time: multi-row inserts do not compile through the multi connection, and
    // a workspace holds at most 50 tags.
    for tag in tags {
        diesel::insert_into(workspace_tags::table)
            .values((
                workspace_tags::workspace_id.eq(DbUuid(id.0)),
                workspace_tags::tag.eq(tag),
            ))
            .execute(conn)
            .db()?;
    }
    Ok(())
}

/// How many slug collisions a create absorbs before it gives up (each retry re-reads).
const SLUG_ATTEMPTS: usize = 16;

/// A workspace to create, every value decided (the rules layer fills in what a request
/// leaves out, starting from [`NewWorkspace::named`]).
#[derive(Clone, Debug)]
pub struct NewWorkspace {
    pub organization_id: OrganizationId,
    pub name: String,
    pub email: Option<String>,
    pub description: Option<String>,
    pub status: WorkspaceStatus,
    /// Normalised: sorted, without duplicates.
    pub tags: Vec<String>,
    /// Resolved against configuration by the caller.
    pub region: String,
    pub anonymous_data_collection: bool,
    pub news: bool,
    pub security_updates: bool,
    /// The user creating it.
    pub by: Option<UserId>,
    /// Its owner (the creator, or none for the instance administrator).
    pub owner_id: Option<UserId>,
    pub workspace_type: WorkspaceType,
    pub domain_name: Option<String>,
}

impl NewWorkspace {
    /// A workspace with the defaults: in the default organization, active, no tags, every
    /// flag off.
    pub fn named(name: impl Into<String>, region: impl Into<String>) -> Self {
        NewWorkspace {
            organization_id: DEFAULT_ORGANIZATION_ID,
            name: name.into(),
            email: None,
            description: None,
            status: WorkspaceStatus::Active,
            tags: Vec::new(),
            region: region.into(),
            anonymous_data_collection: false,
            news: false,
            security_updates: false,
            by: None,
            owner_id: None,
            workspace_type: WorkspaceType::MultiUser,
            domain_name: None,
        }
    }
}

/// What an update changes; `None` keeps the stored value.
#[derive(Clone, Debug, Default)]
pub struct WorkspaceChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub status: Option<WorkspaceStatus>,
    /// Normalised: sorted, without duplicates.
    pub tags: Option<Vec<String>>,
    /// Resolved against configuration by the caller.
    pub region: Option<String>,
    pub initial_setup_complete: Option<bool>,
    pub onboarding_complete: Option<bool>,
    pub anonymous_data_collection: Option<bool>,
    pub news: Option<bool>,
    pub security_updates: Option<bool>,
    /// A new owner, who must have access to the workspace.
    pub owner_id: Option<UserId>,
    pub workspace_type: Option<WorkspaceType>,
    pub domain_name: Option<String>,
    /// The user changing it.
    pub by: Option<UserId>,
    /// The version the change was computed from, if the caller named one.
    pub expected_version: Option<i64>,
}

/// Creates a workspace in its organization (an unknown or deleted one is a 404) with a
/// unique slug derived from its name (`ops`, `ops-2`, ...).
pub fn create(conn: &mut AnyConnection, new: &NewWorkspace) -> Result<Workspace> {
    create_with_id(conn, WorkspaceId::random(), new)
}

/// Creates a workspace with a given id (the default workspace; one synchronised from another
/// server), as [`create`] does otherwise.
pub fn create_with_id(
    conn: &mut AnyConnection,
    id: WorkspaceId,
    new: &NewWorkspace,
) -> Result<Workspace> {
    super::organizations::lock_for_new_workspace(conn, new.organization_id)?;
    let timestamp = now();
    let mut workspace = Workspace {
        id,
        organization_id: new.organization_id,
        customer_id: CustomerId::random(),
        name: new.name.clone(),
        slug: String::new(),
        email: new.email.clone(),
        description: new.description.clone(),
        status: new.status,
        tags: new.tags.clone(),
        region: new.region.clone(),
        initial_setup_complete: false,
        onboarding_complete: false,
        anonymous_data_collection: new.anonymous_data_collection,
        news: new.news,
        security_updates: new.security_updates,
        created_at: timestamp,
        updated_at: timestamp,
        deleted_at: None,
        created_by: new.by,
        updated_by: new.by,
        version: ferry_domain::version::FIRST_VERSION,
        owner_id: new.owner_id,
        workspace_type: new.workspace_type,
        domain_name: new.domain_name.clone(),
    };
    let base = slugify(&workspace.name);
    for _ in 0..SLUG_ATTEMPTS {
        workspace.slug = first_free_slug(conn, &base)?;
        let row = WorkspaceRow::from_workspace(&workspace);
        // A savepoint, so that losing a race for the slug leaves the transaction usable.
        let inserted = conn.transaction(|c| {
            diesel::insert_into(workspaces::table)
                .values(&row)
                .execute(c)
        });
        match inserted {
            Ok(_) => {
                replace_tags(conn, workspace.id, &workspace.tags)?;
                return Ok(workspace);
            }
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(crate::error::from_diesel(e)),
        }
    }
    Err(Error::conflict(format!(
        "could not find a free slug for {:?}; try again",
        workspace.name
    )))
}

/// The first of `base`, `base-2`, `base-3`, ... that no workspace (live or deleted) holds.
fn first_free_slug(conn: &mut AnyConnection, base: &str) -> Result<String> {
    let taken: Vec<String> = workspaces::table
        .filter(
            workspaces::slug
                .eq(base)
                .or(workspaces::slug.like(format!("{base}-%"))),
        )
        .select(workspaces::slug)
        .load(conn)
        .db()?;
    let taken: std::collections::HashSet<String> = taken.into_iter().collect();
    (0..)
        .map(|attempt| with_suffix(base, attempt))
        .find(|candidate| !taken.contains(candidate))
        .ok_or_else(|| Error::internal("slug suffixes exhausted"))
}

fn get_one(
    conn: &mut AnyConnection,
    query: BoxedWorkspaces<'static>,
    missing: impl FnOnce() -> Error,
) -> Result<Workspace> {
    let row = query
        .select(WorkspaceRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .ok_or_else(missing)?;
    let tags = load_tags(conn, &[row.id.0])?
        .remove(&row.id.0)
        .unwrap_or_default();
    row.into_workspace(tags)
}

/// A workspace by id, deleted or not (a deleted one reads with `tombstone: true`).
pub fn get(conn: &mut AnyConnection, id: WorkspaceId) -> Result<Workspace> {
    let query = workspaces::table
        .filter(workspaces::id.eq(DbUuid(id.0)))
        .into_boxed();
    get_one(conn, query, || Error::not_found(Resource::Workspace, id))
}

/// A live workspace by id: what every write and every child object needs.
pub fn get_live(conn: &mut AnyConnection, id: WorkspaceId) -> Result<Workspace> {
    get(conn, id).and_then(|w| match w.deleted_at {
        None => Ok(w),
        Some(_) => Err(Error::not_found(Resource::Workspace, id)),
    })
}

/// Which of `ids` name a workspace, live or deleted.
pub fn existing_ids(
    conn: &mut AnyConnection,
    ids: &[WorkspaceId],
) -> Result<std::collections::HashSet<WorkspaceId>> {
    let mut found = std::collections::HashSet::new();
    for batch in ids.chunks(super::MAX_BOUND_IDS) {
        let batch: Vec<DbUuid> = batch.iter().map(|id| DbUuid(id.0)).collect();
        let rows: Vec<DbUuid> = workspaces::table
            .filter(workspaces::id.eq_any(batch))
            .select(workspaces::id)
            .load(conn)
            .db()?;
        found.extend(rows.into_iter().map(|id| WorkspaceId(id.0)));
    }
    Ok(found)
}

/// A workspace by slug, deleted or not.
pub fn get_by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Workspace> {
    let query = workspaces::table
        .filter(workspaces::slug.eq(slug.to_string()))
        .into_boxed();
    get_one(conn, query, || Error::not_found(Resource::Workspace, slug))
}

/// The filters of `workspaces/list`, already validated and lowercased.
#[derive(Clone, Debug, Default)]
pub struct WorkspaceFilter {
    pub organization_id: Option<OrganizationId>,
    pub name_contains: Option<String>,
    pub search: Option<String>,
    pub status: Option<WorkspaceStatus>,
    pub tags: Vec<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub updated_from: Option<DateTime<Utc>>,
    pub updated_to: Option<DateTime<Utc>>,
    pub include_deleted: bool,
    /// Only the workspaces this user may see (through a workspace permission, or an
    /// organization permission above `organization_member`); None: every workspace.
    pub visible_to: Option<UserId>,
    /// Only workspaces this user created.
    pub created_by: Option<UserId>,
    /// Only workspaces this user owns.
    pub owner_id: Option<UserId>,
    pub workspace_type: Option<WorkspaceType>,
}

/// How a list is ordered and which slice of it to return.
pub type WorkspacePage = paging::ListPage<WorkspaceSortBy>;

type BoxedWorkspaces<'a> = workspaces::BoxedQuery<'a, MultiBackend>;

fn filtered(filter: &WorkspaceFilter) -> BoxedWorkspaces<'static> {
    let mut query = workspaces::table.into_boxed();
    if !filter.include_deleted {
        query = query.filter(workspaces::deleted_at.is_null());
    }
    if let Some(organization) = filter.organization_id {
        query = query.filter(workspaces::organization_id.eq(DbUuid(organization.0)));
    }
    if let Some(user) = filter.created_by {
        query = query.filter(workspaces::created_by.eq(DbUuid(user.0)));
    }
    if let Some(user) = filter.owner_id {
        query = query.filter(workspaces::owner_id.eq(DbUuid(user.0)));
    }
    if let Some(workspace_type) = filter.workspace_type {
        query = query.filter(workspaces::workspace_type.eq(workspace_type.as_str()));
    }
    if let Some(user) = filter.visible_to {
        let own_workspaces = permissions::table
            .filter(permissions::user_id.eq(DbUuid(user.0)))
            .filter(permissions::workspace_id.is_not_null())
            .select(permissions::workspace_id);
        let own_organizations = permissions::table
            .filter(permissions::user_id.eq(DbUuid(user.0)))
            .filter(permissions::organization_id.is_not_null())
            .filter(permissions::permission_type.ne(PermissionType::OrganizationMember.as_str()))
            .select(permissions::organization_id);
        query = query.filter(
            workspaces::id
                .nullable()
                .eq_any(own_workspaces)
                .or(workspaces::organization_id
                    .nullable()
                    .eq_any(own_organizations)),
        );
    }
    if let Some(term) = &filter.name_contains {
        query = query.filter(
            workspaces::name_folded
                .like(paging::contains_pattern(term))
                .escape('\\'),
        );
    }
    if let Some(term) = &filter.search {
        query = query.filter(
            workspaces::search_folded
                .like(paging::contains_pattern(term))
                .escape('\\'),
        );
    }
    if let Some(status) = filter.status {
        query = query.filter(workspaces::status.eq(status.as_str()));
    }
    for tag in &filter.tags {
        let carrying = workspace_tags::table
            .filter(workspace_tags::tag.eq(tag.clone()))
            .select(workspace_tags::workspace_id);
        query = query.filter(workspaces::id.eq_any(carrying));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(workspaces::created_at.ge(DbTime(from)));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(workspaces::created_at.le(DbTime(to)));
    }
    if let Some(from) = filter.updated_from {
        query = query.filter(workspaces::updated_at.ge(DbTime(from)));
    }
    if let Some(to) = filter.updated_to {
        query = query.filter(workspaces::updated_at.le(DbTime(to)));
    }
    query
}

/// A filtered, sorted page of workspaces, the number of all matching rows, and where the
/// next page starts (`store::paging`). Costs three queries (count, page, tags) whatever the
/// page's depth.
pub fn list(
    conn: &mut AnyConnection,
    filter: &WorkspaceFilter,
    page: &WorkspacePage,
) -> Result<Page<Workspace>> {
    let (order, paging) = (page.order, &page.paging);
    let rows = match page.sort_by {
        WorkspaceSortBy::Name => {
            let after = paging::after(paging, paging::text_key)?;
            load_page!(
                conn,
                filtered(filter),
                WorkspaceRow::as_select() => WorkspaceRow,
                workspaces::name_folded,
                workspaces::id,
                after,
                order,
                paging,
                |r: &WorkspaceRow| (r.name_folded.clone(), r.id.0)
            )
        }
        WorkspaceSortBy::CreatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(
                conn,
                filtered(filter),
                WorkspaceRow::as_select() => WorkspaceRow,
                workspaces::created_at,
                workspaces::id,
                after,
                order,
                paging,
                |r: &WorkspaceRow| (sqlite_time_text(&r.created_at.0), r.id.0)
            )
        }
        WorkspaceSortBy::UpdatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(
                conn,
                filtered(filter),
                WorkspaceRow::as_select() => WorkspaceRow,
                workspaces::updated_at,
                workspaces::id,
                after,
                order,
                paging,
                |r: &WorkspaceRow| (sqlite_time_text(&r.updated_at.0), r.id.0)
            )
        }
    };
    let Page {
        items,
        total,
        has_more,
        next,
    } = rows;
    Ok(Page {
        items: with_tags(conn, items)?,
        total,
        has_more,
        next,
    })
}

/// A page of workspaces as [`list`] answers it, each with its [`WorkspaceSummary`]: five
/// queries at most (the list's three, and [`summaries`]' two) whatever the page holds.
pub fn list_with_summaries(
    conn: &mut AnyConnection,
    filter: &WorkspaceFilter,
    page: &WorkspacePage,
) -> Result<Page<(Workspace, WorkspaceSummary)>> {
    let Page {
        items,
        total,
        has_more,
        next,
    } = list(conn, filter, page)?;
    let ids: Vec<WorkspaceId> = items.iter().map(|w| w.id).collect();
    let mut summaries = summaries(conn, &ids)?;
    let items = items
        .into_iter()
        .map(|w| {
            let summary = summaries.remove(&w.id).unwrap_or_default();
            (w, summary)
        })
        .collect();
    Ok(Page {
        items,
        total,
        has_more,
        next,
    })
}

/// The newest sync job of each workspace's connections, as the summary query reads it.
#[derive(diesel::QueryableByName)]
struct LatestJobRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    workspace_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    job_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    connection_id: String,
    #[diesel(sql_type = crate::sql_types::SqlTimestamp)]
    created_at: DbTime,
    #[diesel(sql_type = crate::sql_types::SqlTimestamp)]
    updated_at: DbTime,
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::sql_types::SqlTimestamp>)]
    started_at: Option<DbTime>,
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::sql_types::SqlTimestamp>)]
    attempt_ended_at: Option<DbTime>,
}

/// The newest sync job of each workspace, by the workspace each job records
/// (`jobs_latest_by_workspace`), read through [`super::id_rows`]: a seek per workspace, joined
/// by the job's key (an `IN` over the newest ids was planned by PostgreSQL as a pass over every
/// job). PostgreSQL may still plan the `max` of a workspace without jobs, beside one holding
/// most of them, as a backward scan of the primary key that reads every job (seen on analyzed
/// tables of 100,000 jobs: 25 ms); docs/BENCHMARKS.md keeps the figure.
const LATEST_SYNC_JOBS: &str = "\
SELECT CAST(j.workspace_id AS TEXT) AS workspace_id, j.id AS job_id, j.status AS status,
       j.config_id AS connection_id, j.created_at AS created_at, j.updated_at AS updated_at,
       (SELECT min(a.created_at) FROM attempts a WHERE a.job_id = j.id) AS started_at,
       (SELECT max(a.ended_at) FROM attempts a WHERE a.job_id = j.id) AS attempt_ended_at
FROM (SELECT (SELECT max(j2.id) FROM jobs j2
              WHERE j2.workspace_id = w.id AND j2.config_type = 'sync') AS job_id
      FROM {ids}) latest
JOIN jobs j ON j.id = latest.job_id";

/// What each workspace holds (live sources and destinations, active and inactive
/// connections) and its newest sync job: two queries however many workspaces are asked
/// about, each reading a row or an index seek per workspace, however much they hold.
/// Workspaces holding nothing are absent from the map.
pub fn summaries(
    conn: &mut AnyConnection,
    ids: &[WorkspaceId],
) -> Result<HashMap<WorkspaceId, WorkspaceSummary>> {
    use crate::schema::workspace_counts;
    let mut summaries: HashMap<WorkspaceId, WorkspaceSummary> = HashMap::new();
    if ids.is_empty() {
        return Ok(summaries);
    }
    let keys: Vec<DbUuid> = ids.iter().map(|id| DbUuid(id.0)).collect();
    // Kept by triggers as rows change: a row per kind, however many there are.
    let counts: Vec<(DbUuid, String, i64)> = workspace_counts::table
        .filter(workspace_counts::workspace_id.eq_any(keys))
        .filter(workspace_counts::n.gt(0))
        .select((
            workspace_counts::workspace_id,
            workspace_counts::kind,
            workspace_counts::n,
        ))
        .load(conn)
        .db()?;
    for (workspace, kind, count) in counts {
        let summary = summaries.entry(WorkspaceId(workspace.0)).or_default();
        match (ActorType::parse(&kind), ConnectionStatus::parse(&kind)) {
            (Some(ActorType::Source), _) => summary.sources = count,
            (Some(ActorType::Destination), _) => summary.destinations = count,
            (_, Some(ConnectionStatus::Active)) => summary.active_connections = count,
            (_, Some(ConnectionStatus::Inactive)) => summary.inactive_connections = count,
            _ => {}
        }
    }
    let texts: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let latest: Vec<LatestJobRow> =
        super::id_rows::load(conn, LATEST_SYNC_JOBS, "w", "uuid", &texts)?;
    for row in latest {
        let parse = |text: &str, what: &str| {
            Uuid::parse_str(text)
                .map_err(|_| Error::internal(format!("{what} is not a uuid: {text:?}")))
        };
        let workspace = WorkspaceId(parse(&row.workspace_id, "connections.workspace_id")?);
        let status = JobStatus::parse(&row.status)
            .ok_or_else(|| Error::internal(format!("jobs.status holds {:?}", row.status)))?;
        let ended_at = status
            .is_terminal()
            .then(|| row.attempt_ended_at.map_or(row.updated_at.0, |t| t.0));
        summaries.entry(workspace).or_default().latest_sync_job = Some(LatestSyncJob {
            id: row.job_id,
            status,
            connection_id: ConnectionId(parse(&row.connection_id, "jobs.config_id")?),
            created_at: row.created_at.0,
            started_at: row.started_at.map(|t| t.0),
            ended_at,
        });
    }
    Ok(summaries)
}

/// Counts live workspaces by status, in one query.
pub fn stats(
    conn: &mut AnyConnection,
    organization: Option<OrganizationId>,
) -> Result<WorkspaceStatsRead> {
    let live = workspaces::table.filter(workspaces::deleted_at.is_null());
    macro_rules! by_status {
        ($query:expr) => {
            $query
                .group_by(workspaces::status)
                .select((workspaces::status, diesel::dsl::count_star()))
                .load::<(String, i64)>(conn)
                .db()?
        };
    }
    let counts = match organization {
        Some(organization) => {
            by_status!(live.filter(workspaces::organization_id.eq(DbUuid(organization.0))))
        }
        None => by_status!(live),
    };
    let count_of = |status: WorkspaceStatus| {
        counts
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| *n)
    };
    let (active_count, inactive_count) = (
        count_of(WorkspaceStatus::Active),
        count_of(WorkspaceStatus::Inactive),
    );
    Ok(WorkspaceStatsRead {
        active_count,
        inactive_count,
        total_count: active_count + inactive_count,
    })
}

/// Applies a partial update to a live workspace: what `changes` leaves out keeps its stored
/// value. Setting the status to `inactive` makes every active connection in the workspace
/// inactive in the same transaction.
pub fn update(
    conn: &mut AnyConnection,
    id: WorkspaceId,
    changes: &WorkspaceChanges,
) -> Result<Workspace> {
    if !lock_live(conn, Locked::Workspace, id.0, LockMode::Update)? {
        return Err(Error::not_found(Resource::Workspace, id));
    }
    super::versions::check(conn, Resource::Workspace, id.0, changes.expected_version)?;
    let mut workspace = get(conn, id)?;
    let was = workspace.status;
    macro_rules! keep_or_set {
        ($($field:ident),*) => {$(
            if let Some(value) = &changes.$field {
                workspace.$field = value.clone();
            }
        )*};
    }
    keep_or_set!(
        name,
        region,
        status,
        initial_setup_complete,
        onboarding_complete,
        anonymous_data_collection,
        news,
        security_updates
    );
    if let Some(email) = &changes.email {
        workspace.email = Some(email.clone());
    }
    if let Some(description) = &changes.description {
        workspace.description = Some(description.clone());
    }
    if let Some(domain_name) = &changes.domain_name {
        workspace.domain_name = Some(domain_name.clone());
    }
    if let Some(owner) = changes.owner_id.filter(|o| workspace.owner_id != Some(*o)) {
        check_may_own(conn, &workspace, owner)?;
        workspace.owner_id = Some(owner);
    }
    if let Some(workspace_type) = changes.workspace_type {
        if workspace_type == WorkspaceType::SingleUser && workspace.workspace_type != workspace_type
        {
            let members = member_count(conn, id)?;
            if members > 1 {
                return Err(Error::conflict(format!(
                    "workspace {id} has {members} members; a single_user workspace admits one \
                     (delete the other permissions first)"
                )));
            }
        }
        workspace.workspace_type = workspace_type;
    }
    workspace.updated_at = now();
    workspace.updated_by = changes.by;
    workspace.version += 1;
    diesel::update(workspaces::table.filter(workspaces::id.eq(DbUuid(id.0))))
        .set(&WorkspaceRow::from_workspace(&workspace))
        .execute(conn)
        .db()?;
    if let Some(tags) = &changes.tags {
        workspace.tags = tags.clone();
        replace_tags(conn, id, &workspace.tags)?;
    }
    if was != WorkspaceStatus::Inactive && workspace.status == WorkspaceStatus::Inactive {
        let deactivated = deactivate_connections(conn, id)?;
        tracing::info!(workspace_id = %id, deactivated, "workspace inactive: its active connections are now inactive");
    }
    Ok(workspace)
}

/// Refuses an owner who is not a live user with access to the workspace (a permission on it,
/// or on its organization above `organization_member`, or `instance_admin`): a 422 naming
/// `ownerId`.
fn check_may_own(conn: &mut AnyConnection, workspace: &Workspace, owner: UserId) -> Result<()> {
    let refuse =
        |why: String| Error::invalid(Violation::new("ownerId", why).with_value(owner.to_string()));
    let Some(grants) = super::permissions::grants_of(conn, owner)? else {
        return Err(refuse(format!("user {owner} does not exist")));
    };
    let caller = ferry_domain::access::Caller {
        user_id: Some(owner),
        grants,
    };
    if caller
        .workspace_role(workspace.id, workspace.organization_id)
        .is_none()
    {
        return Err(refuse(format!(
            "user {owner} has no access to workspace {}; grant them a permission on it first",
            workspace.id
        )));
    }
    Ok(())
}

/// How many users hold a permission on the workspace itself (its members).
pub fn member_count(conn: &mut AnyConnection, id: WorkspaceId) -> Result<i64> {
    permissions::table
        .filter(permissions::workspace_id.eq(DbUuid(id.0)))
        .count()
        .get_result(conn)
        .db()
}

/// Refuses a second member of a `single_user` workspace (409). Locks the workspace row so
/// that two concurrent grants cannot both pass; call inside the transaction that grants.
pub fn check_may_admit(conn: &mut AnyConnection, id: WorkspaceId, user: UserId) -> Result<()> {
    lock_live(conn, Locked::Workspace, id.0, LockMode::Update)?;
    let workspace = get_live(conn, id)?;
    if workspace.workspace_type != WorkspaceType::SingleUser {
        return Ok(());
    }
    let others: i64 = permissions::table
        .filter(permissions::workspace_id.eq(DbUuid(id.0)))
        .filter(permissions::user_id.ne(DbUuid(user.0)))
        .count()
        .get_result(conn)
        .db()?;
    if others > 0 {
        return Err(Error::conflict(format!(
            "workspace {id} is single_user and already has its member; make it multi_user \
             (workspaces/update workspaceType) to add another"
        )));
    }
    Ok(())
}

fn deactivate_connections(conn: &mut AnyConnection, id: WorkspaceId) -> Result<usize> {
    let deactivated: Vec<uuid::Uuid> = diesel::update(
        connections::table
            .filter(connections::workspace_id.eq(DbUuid(id.0)))
            .filter(connections::status.eq(ConnectionStatus::Active.as_str())),
    )
    .set((
        connections::status.eq(ConnectionStatus::Inactive.as_str()),
        connections::updated_at.eq(DbTime(now())),
        connections::version.eq(connections::version + 1),
    ))
    .returning(connections::id)
    .get_results::<DbUuid>(conn)
    .db()?
    .into_iter()
    .map(|id| id.0)
    .collect();
    super::notifications::connections_disabled(
        conn,
        &deactivated,
        ConnectionStatus::Inactive,
        "workspace set inactive",
    )?;
    Ok(deactivated.len())
}

/// Refuses to make a connection active in an inactive workspace. Locks the workspace row
/// against a concurrent status change until the transaction ends.
pub fn check_may_activate(conn: &mut AnyConnection, id: WorkspaceId) -> Result<()> {
    lock_live(conn, Locked::Workspace, id.0, LockMode::Share)?;
    let workspace = get(conn, id)?;
    if workspace.status == WorkspaceStatus::Inactive {
        return Err(Error::invalid(
            Violation::new(
                "status",
                format!(
                    "workspace {id} is inactive, so its connections cannot be active; \
                     activate the workspace first"
                ),
            )
            .with_value("active"),
        ));
    }
    Ok(())
}

/// Soft-deletes a workspace and, in the same transaction, what it holds: its sources and
/// destinations are deleted and its connections deprecated. Deleting a deleted workspace
/// succeeds and changes nothing; an unknown id is not found.
pub fn delete(conn: &mut AnyConnection, id: WorkspaceId, expected: Option<i64>) -> Result<()> {
    get(conn, id)?;
    let live = lock_live(conn, Locked::Workspace, id.0, LockMode::Update)?;
    super::versions::check(conn, Resource::Workspace, id.0, expected)?;
    if !live {
        return Ok(());
    }
    let timestamp = DbTime(now());
    diesel::update(workspaces::table.filter(workspaces::id.eq(DbUuid(id.0))))
        .set((
            workspaces::deleted_at.eq(Some(timestamp)),
            workspaces::updated_at.eq(timestamp),
            workspaces::version.eq(workspaces::version + 1),
        ))
        .execute(conn)
        .db()?;
    super::actors::delete_all_in_workspace(conn, id)
}

/// Creates `copy` holding copies of the live sources, destinations and connections of
/// `original` (a live workspace): configurations (secrets included) are copied inside the
/// database, each copy points at the copies, and every copied connection is inactive so that
/// a duplicate never syncs into the same destination by surprise. Members come along only
/// within the same organization. Call inside `write_transaction`: a failure leaves nothing
/// behind.
pub fn duplicate(
    conn: &mut AnyConnection,
    original: WorkspaceId,
    copy: &NewWorkspace,
) -> Result<Workspace> {
    let source = get_live(conn, original)?;
    let copy = create(conn, copy)?;
    let actor_copies = super::actors::copy_all(conn, original, copy.id, copy.created_by)?;
    let connections =
        super::connections::copy_all(conn, original, copy.id, &actor_copies, copy.created_by)?;
    // Elsewhere, whoever administers the destination decides who may enter.
    if copy.organization_id == source.organization_id {
        super::permissions::copy_workspace_permissions(conn, original, copy.id)?;
        let members = member_count(conn, copy.id)?;
        if copy.workspace_type == WorkspaceType::SingleUser && members > 1 {
            return Err(Error::conflict(format!(
                "workspace {original} has {members} members, who would come along; a \
                 single_user copy admits one"
            )));
        }
    }
    tracing::info!(
        original = %original, copy = %copy.id, actors = actor_copies.len(), connections,
        "workspace duplicated"
    );
    Ok(copy)
}

/// The name and slug of the workspace that exists from the first start.
pub const DEFAULT_WORKSPACE_NAME: &str = "default";

/// Creates the default workspace unless a workspace with its id was ever created (a deleted
/// default workspace stays deleted: the operator meant it).
pub fn ensure_default(conn: &mut AnyConnection) -> Result<()> {
    let exists = workspaces::table
        .filter(workspaces::id.eq(DbUuid(DEFAULT_WORKSPACE_ID.0)))
        .count()
        .get_result::<i64>(conn)
        .db()?
        > 0;
    if exists {
        return Ok(());
    }
    let new = NewWorkspace::named(DEFAULT_WORKSPACE_NAME, "local");
    let created = create_with_id(conn, DEFAULT_WORKSPACE_ID, &new)?;
    tracing::info!(workspace_id = %created.id, slug = %created.slug, "created the default workspace");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::write_transaction;
    use crate::store::connections::NewConnection;
    use crate::store::{actor_definitions, actors, jobs};
    use crate::testing::{count_queries, TestBackend, TestDatabase};
    use ferry_domain::actor::NewActor;
    use ferry_domain::actor_definition::NewActorDefinition;
    use ferry_domain::connection::{SourceSchema, SyncMode};
    use ferry_domain::ids::{DestinationId, SourceId};
    use ferry_domain::job::JobConfigType;
    use ferry_domain::schedule::Schedule;

    fn value<T: TryFrom<String>>(text: &str) -> T
    where
        T::Error: std::fmt::Debug,
    {
        T::try_from(text.to_string()).unwrap()
    }

    /// `n` workspaces, each with a source, a destination, an active connection with a
    /// pending sync and an inactive one; the first one's active connection also has a
    /// cancelled sync before its pending one. Returns the workspaces in creation order.
    fn seed(conn: &mut AnyConnection, n: usize) -> Vec<WorkspaceId> {
        write_transaction(conn, |c| {
            let definition = |c: &mut AnyConnection, actor_type| {
                actor_definitions::create(
                    c,
                    actor_type,
                    &NewActorDefinition {
                        name: value("Load"),
                        docker_repository: value("ferry-test/load"),
                        docker_image_tag: value("1"),
                        documentation_url: value("https://example.com"),
                    },
                )
            };
            let source_definition = definition(c, ActorType::Source)?.id;
            let destination_definition = definition(c, ActorType::Destination)?.id;
            let mut ids = Vec::new();
            for i in 0..n {
                let workspace = create(c, &NewWorkspace::named(format!("w{i}"), "local"))?.id;
                let actor = |c: &mut AnyConnection, actor_type, definition_id| {
                    actors::create(
                        c,
                        actor_type,
                        &NewActor {
                            workspace_id: workspace,
                            definition_id,
                            name: Some("a".into()),
                            configuration: serde_json::json!({}),
                            secret_paths: Vec::new(),
                            by: None,
                        },
                    )
                };
                let source = actor(c, ActorType::Source, source_definition)?.id;
                let destination = actor(c, ActorType::Destination, destination_definition)?.id;
                let connection = |c: &mut AnyConnection, status| {
                    super::super::connections::create(
                        c,
                        &NewConnection {
                            name: None,
                            source_id: SourceId(source),
                            destination_id: DestinationId(destination),
                            sync_mode: SyncMode::FullRefresh,
                            sync_schema: SourceSchema::default(),
                            schedule: Schedule::Manual,
                            status,
                            by: None,
                        },
                    )
                };
                let active = connection(c, ConnectionStatus::Active)?.id;
                connection(c, ConnectionStatus::Inactive)?;
                let sync = jobs::NewJob {
                    config_type: JobConfigType::Sync,
                    connection: active,
                    workspace,
                    origin: ferry_domain::job::JobOrigin::Manual,
                };
                if i == 0 {
                    let (first, _) = jobs::enqueue(c, sync)?;
                    jobs::cancel(c, first.id)?;
                }
                jobs::enqueue(c, sync)?;
                ids.push(workspace);
            }
            Ok(ids)
        })
        .unwrap()
    }

    /// Statements that a page of `n` workspaces with their summaries costs.
    fn listing_cost(backend: TestBackend, n: usize) -> usize {
        let test_db = TestDatabase::new(backend);
        let mut conn = test_db.db.connection().unwrap();
        let conn: &mut AnyConnection = &mut conn;
        let ids = seed(conn, n);
        let filter = WorkspaceFilter::default();
        let page = WorkspacePage {
            sort_by: WorkspaceSortBy::CreatedAt,
            order: ferry_domain::list::SortOrder::Asc,
            paging: ferry_domain::list::Paging::All,
        };
        let (listed, queries) =
            count_queries(conn, |c| list_with_summaries(c, &filter, &page).unwrap());
        // Every seeded workspace and the default one, which holds nothing.
        assert_eq!(listed.items.len(), n + 1);
        let (default, empty) = &listed.items[0];
        assert_eq!(default.id, DEFAULT_WORKSPACE_ID);
        assert_eq!(*empty, WorkspaceSummary::default());
        for (workspace, summary) in &listed.items[1..] {
            assert_eq!(
                (
                    summary.sources,
                    summary.destinations,
                    summary.active_connections,
                    summary.inactive_connections
                ),
                (1, 1, 1, 1),
                "{}",
                workspace.name
            );
            let job = summary.latest_sync_job.as_ref().unwrap();
            assert_eq!(job.status, JobStatus::Pending);
            assert_eq!((job.started_at, job.ended_at), (None, None));
        }
        let (first, summary) = &listed.items[1];
        assert_eq!(first.id, ids[0]);
        let newest = summary.latest_sync_job.as_ref().unwrap();
        let older = jobs::list(
            conn,
            &jobs::JobFilter::of(JobConfigType::Sync, newest.connection_id.to_string()),
            &jobs::JobPage::newest_first(),
        )
        .unwrap()
        .items;
        assert_eq!(older.len(), 2, "a cancelled job, then the pending one");
        assert!(older.iter().all(|(job, _)| job.id <= newest.id));
        queries
    }

    fn assert_constant_cost(backend: TestBackend) {
        crate::testing::assert_constant_statements(
            &format!("{backend:?}: web_backend/workspaces/list"),
            6,
            |n| listing_cost(backend, n),
        );
    }

    #[test]
    fn summaries_cost_constant_queries_on_sqlite() {
        assert_constant_cost(TestBackend::Sqlite);
    }

    #[test]
    fn summaries_cost_constant_queries_on_postgres() {
        assert_constant_cost(TestBackend::Postgres);
    }
}
