//! Source and destination definitions, one table told apart by `actor_type`.

use super::locks::{lock_live, LockMode, Locked};
use super::paging::{self, load_page, ListPage, Page};
use crate::connection::{AnyConnection, MultiBackend};
use crate::error::DieselResultExt;
use crate::schema::actor_definitions as defs;
use crate::sql_types::{now, sqlite_time_text, DbTime, DbUuid};
use diesel::prelude::*;
use ferry_domain::actor_definition::{
    ActorDefinition, ActorType, DefinitionSortBy, NewActorDefinition,
};
use ferry_domain::values::DockerImageTag;
use ferry_domain::{Error, Result};
use uuid::Uuid;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = defs)]
struct DefinitionRow {
    id: DbUuid,
    actor_type: String,
    name: String,
    docker_repository: String,
    docker_image_tag: String,
    documentation_url: String,
    created_at: DbTime,
    updated_at: DbTime,
    deleted_at: Option<DbTime>,
    version: i64,
    /// The name lowercased (in Rust, so alike on both backends), for lists.
    name_folded: String,
}

impl TryFrom<DefinitionRow> for ActorDefinition {
    type Error = Error;

    fn try_from(r: DefinitionRow) -> Result<Self> {
        let actor_type = ActorType::parse(&r.actor_type).ok_or_else(|| {
            Error::internal(format!(
                "actor_definitions.actor_type holds {:?}",
                r.actor_type
            ))
        })?;
        Ok(ActorDefinition {
            id: r.id.0,
            actor_type,
            name: r.name,
            docker_repository: r.docker_repository,
            docker_image_tag: r.docker_image_tag,
            documentation_url: r.documentation_url,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            deleted_at: r.deleted_at.map(|t| t.0),
            version: r.version,
        })
    }
}

pub fn create(
    conn: &mut AnyConnection,
    actor_type: ActorType,
    new: &NewActorDefinition,
) -> Result<ActorDefinition> {
    let timestamp = DbTime(now());
    let row = DefinitionRow {
        id: DbUuid(Uuid::new_v4()),
        actor_type: actor_type.as_str().to_string(),
        name: new.name.to_string(),
        name_folded: new.name.to_string().to_lowercase(),
        docker_repository: new.docker_repository.to_string(),
        docker_image_tag: new.docker_image_tag.to_string(),
        documentation_url: new.documentation_url.to_string(),
        created_at: timestamp,
        updated_at: timestamp,
        deleted_at: None,
        version: ferry_domain::version::FIRST_VERSION,
    };
    diesel::insert_into(defs::table)
        .values(&row)
        .execute(conn)
        .db()?;
    row.try_into()
}

/// A definition of the given type by id, deleted or not.
pub fn get(conn: &mut AnyConnection, actor_type: ActorType, id: Uuid) -> Result<ActorDefinition> {
    defs::table
        .filter(defs::id.eq(DbUuid(id)))
        .filter(defs::actor_type.eq(actor_type.as_str()))
        .select(DefinitionRow::as_select())
        .first(conn)
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found(actor_type.definition_resource(), id))?
        .try_into()
}

/// Which definitions a list holds: live ones of one type, filtered.
#[derive(Clone, Debug)]
pub struct DefinitionFilter {
    pub actor_type: ActorType,
    /// Lowercased.
    pub name_contains: Option<String>,
}

/// How a definition list is ordered and which slice of it to return.
pub type DefinitionPage = ListPage<DefinitionSortBy>;

fn filtered(filter: &DefinitionFilter) -> defs::BoxedQuery<'static, MultiBackend> {
    let mut query = defs::table
        .filter(defs::actor_type.eq(filter.actor_type.as_str()))
        .filter(defs::deleted_at.is_null())
        .into_boxed();
    if let Some(term) = &filter.name_contains {
        query = query.filter(
            defs::name_folded
                .like(paging::contains_pattern(term))
                .escape('\\'),
        );
    }
    query
}

/// A page of the live definitions of one type (`store::paging`).
pub fn list(
    conn: &mut AnyConnection,
    filter: &DefinitionFilter,
    page: &DefinitionPage,
) -> Result<Page<ActorDefinition>> {
    let (order, paging) = (page.order, &page.paging);
    let rows = match page.sort_by {
        DefinitionSortBy::Name => {
            let after = paging::after(paging, paging::text_key)?;
            load_page!(conn, filtered(filter), DefinitionRow::as_select() => DefinitionRow,
                defs::name_folded, defs::id, after, order, paging,
                |r: &DefinitionRow| (r.name_folded.clone(), r.id.0))
        }
        DefinitionSortBy::CreatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(conn, filtered(filter), DefinitionRow::as_select() => DefinitionRow,
                defs::created_at, defs::id, after, order, paging,
                |r: &DefinitionRow| (sqlite_time_text(&r.created_at.0), r.id.0))
        }
        DefinitionSortBy::UpdatedAt => {
            let after = paging::after(paging, paging::time_key)?;
            load_page!(conn, filtered(filter), DefinitionRow::as_select() => DefinitionRow,
                defs::updated_at, defs::id, after, order, paging,
                |r: &DefinitionRow| (sqlite_time_text(&r.updated_at.0), r.id.0))
        }
    };
    rows.try_map(ActorDefinition::try_from)
}

/// Every live definition of a type, oldest first: the list, unpaged.
pub fn list_all(conn: &mut AnyConnection, actor_type: ActorType) -> Result<Vec<ActorDefinition>> {
    let filter = DefinitionFilter {
        actor_type,
        name_contains: None,
    };
    let page = ListPage {
        sort_by: DefinitionSortBy::CreatedAt,
        order: ferry_domain::list::SortOrder::Asc,
        paging: ferry_domain::list::Paging::All,
    };
    Ok(list(conn, &filter, &page)?.items)
}

/// Changes the default image tag of a live definition.
pub fn update_image_tag(
    conn: &mut AnyConnection,
    actor_type: ActorType,
    id: Uuid,
    tag: Option<&DockerImageTag>,
    expected: Option<i64>,
) -> Result<ActorDefinition> {
    let Some(tag) = tag else {
        // Nothing to change (a 2020 DestinationDefinitionUpdate may leave the tag out): the
        // definition as it is, live and at the expected version like any update.
        get(conn, actor_type, id)?;
        if !lock_live(conn, Locked::ActorDefinition, id, LockMode::Share)? {
            return Err(Error::not_found(actor_type.definition_resource(), id));
        }
        super::versions::check(conn, actor_type.definition_resource(), id, expected)?;
        return get(conn, actor_type, id);
    };
    if expected.is_some() {
        get(conn, actor_type, id)?;
        lock_live(conn, Locked::ActorDefinition, id, LockMode::Update)?;
        super::versions::check(conn, actor_type.definition_resource(), id, expected)?;
    }
    let updated = diesel::update(
        defs::table
            .filter(defs::id.eq(DbUuid(id)))
            .filter(defs::actor_type.eq(actor_type.as_str()))
            .filter(defs::deleted_at.is_null()),
    )
    .set((
        defs::docker_image_tag.eq(tag.as_str()),
        defs::updated_at.eq(DbTime(now())),
        defs::version.eq(defs::version + 1),
    ))
    .execute(conn)
    .db()?;
    if updated == 0 {
        return Err(Error::not_found(actor_type.definition_resource(), id));
    }
    let definition = get(conn, actor_type, id)?;
    // The spec is asked for again after a definition changes.
    super::specs::forget(conn, &definition.docker_repository)?;
    Ok(definition)
}

/// Soft-deletes a definition that no live source or destination uses (409 otherwise);
/// deleting a deleted one succeeds and changes nothing.
pub fn delete(
    conn: &mut AnyConnection,
    actor_type: ActorType,
    id: Uuid,
    expected: Option<i64>,
) -> Result<()> {
    get(conn, actor_type, id)?;
    // Locked first, so a source being created on it concurrently is counted below.
    let live = lock_live(conn, Locked::ActorDefinition, id, LockMode::Update)?;
    super::versions::check(conn, actor_type.definition_resource(), id, expected)?;
    if !live {
        return Ok(());
    }
    let users = super::actors::count_using_definition(conn, id)?;
    if users > 0 {
        let noun = match (actor_type, users) {
            (ActorType::Source, 1) => "source uses",
            (ActorType::Source, _) => "sources use",
            (ActorType::Destination, 1) => "destination uses",
            (ActorType::Destination, _) => "destinations use",
        };
        return Err(Error::conflict(format!(
            "{users} live {noun} this {} definition; delete them first",
            actor_type.as_str()
        )));
    }
    let timestamp = DbTime(now());
    diesel::update(defs::table.filter(defs::id.eq(DbUuid(id))))
        .set((
            defs::deleted_at.eq(Some(timestamp)),
            defs::updated_at.eq(timestamp),
            defs::version.eq(defs::version + 1),
        ))
        .execute(conn)
        .db()?;
    Ok(())
}

/// Ferry's own connectors, which ship inside the `ferry` binary: type, name, repository and
/// documentation URL.
const BUILTINS: [(ActorType, &str, &str, &str); 2] = [
    (
        ActorType::Destination,
        "Local JSON",
        ferry_domain::actor_definition::LOCAL_JSON_REPOSITORY,
        "https://docs.ferry.invalid/destinations/local-json",
    ),
    (
        ActorType::Source,
        "Sample",
        ferry_domain::actor_definition::SAMPLE_SOURCE_REPOSITORY,
        "https://docs.ferry.invalid/sources/sample",
    ),
];

/// Registers Ferry's own connectors (the local-json destination, the sample source), each
/// unless a definition of its repository exists (an operator who deleted one may register
/// it again by hand).
pub fn ensure_builtin(conn: &mut AnyConnection) -> Result<()> {
    for (actor_type, name, repository, documentation_url) in BUILTINS {
        let registered = defs::table
            .filter(defs::docker_repository.eq(repository))
            .count()
            .get_result::<i64>(conn)
            .db()?
            > 0;
        if registered {
            continue;
        }
        let value = |text: &str| serde_json::Value::String(text.to_string());
        let new = NewActorDefinition {
            name: serde_json::from_value(value(name)).map_err(Error::internal)?,
            docker_repository: serde_json::from_value(value(repository))
                .map_err(Error::internal)?,
            docker_image_tag: serde_json::from_value(value(env!("CARGO_PKG_VERSION")))
                .map_err(Error::internal)?,
            documentation_url: serde_json::from_value(value(documentation_url))
                .map_err(Error::internal)?,
        };
        let definition = create(conn, actor_type, &new)?;
        tracing::info!(
            definition_id = %definition.id,
            repository,
            "registered a built-in connector"
        );
    }
    Ok(())
}
