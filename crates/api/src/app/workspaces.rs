//! Workspaces: what a create, an update or a duplicate request means (the defaults, the
//! region from configuration, what a duplicate copies from its original), and what a list
//! request means (docs/API-DESIGN.md, "Lists"). The store takes decided values only.

use crate::auth::guard::visible_to;
use crate::AppState;
use ferry_domain::access::Caller;
use ferry_domain::list::SortOrder;
use ferry_domain::workspace::{
    normalise_tags, WorkspaceCreate, WorkspaceDuplicateRequestBody, WorkspaceListRequestBody,
    WorkspaceRead, WorkspaceReadList, WorkspaceSortBy, WorkspaceUpdate,
};
use ferry_domain::Result;
use ferry_persistence::store::workspaces::{
    self, NewWorkspace, WorkspaceChanges, WorkspaceFilter, WorkspacePage,
};

/// One page of the workspaces `caller` may see that match the request's filters, in its
/// order, with the cursor of the next page.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut request: WorkspaceListRequestBody,
) -> Result<WorkspaceReadList> {
    request.check_ranges()?;
    // Defaults are written into the request so that a cursor fingerprints what was meant.
    let sort_by = *request.sort_by.get_or_insert(WorkspaceSortBy::CreatedAt);
    let order = *request.sort_order.get_or_insert(SortOrder::Asc);
    let tags = request
        .tags
        .as_deref()
        .map(normalise_tags)
        .unwrap_or_default();
    request.tags = Some(
        tags.iter()
            .filter_map(|t| t.clone().try_into().ok())
            .collect(),
    );
    let (paging, query) = super::lists::paging(state, "workspaces", &request)?;
    let filter = WorkspaceFilter {
        organization_id: request.organization_id,
        name_contains: request.name_contains.as_deref().map(str::to_lowercase),
        // A search term cannot span fields, which are stored one per line.
        search: request
            .search
            .as_deref()
            .map(|s| s.replace('\n', " ").to_lowercase()),
        status: request.status,
        tags,
        created_from: request.created_at_from,
        created_to: request.created_at_to,
        updated_from: request.updated_at_from,
        updated_to: request.updated_at_to,
        include_deleted: request.include_deleted.unwrap_or(false),
        visible_to: visible_to(caller)?,
        created_by: request.created_by,
    };
    let page = WorkspacePage {
        sort_by,
        order,
        paging,
    };
    let listed = state
        .db
        .run(move |conn| workspaces::list(conn, &filter, &page))
        .await?;
    Ok(WorkspaceReadList {
        next_cursor: super::lists::next_cursor(state, &listed, query),
        total: listed.total,
        has_more: listed.has_more,
        workspaces: listed.items.into_iter().map(WorkspaceRead::from).collect(),
    })
}

/// Creates the workspace a request describes, by `caller`.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    request: WorkspaceCreate,
) -> Result<ferry_domain::workspace::Workspace> {
    let new = new_for(state, caller, &request)?;
    state
        .db
        .write(move |conn| workspaces::create(conn, &new))
        .await
}

/// The workspace a create request describes, by `caller`, every value decided.
pub fn new_for(
    state: &AppState,
    caller: &Caller,
    request: &WorkspaceCreate,
) -> Result<NewWorkspace> {
    let region = state.regions.resolve(request.region.as_deref())?;
    Ok(NewWorkspace {
        by: caller.user_id,
        ..new_workspace(request, region, None)
    })
}

/// Applies a partial update by `caller`.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    request: WorkspaceUpdate,
    expected: Option<i64>,
) -> Result<ferry_domain::workspace::Workspace> {
    let region = match request.region.as_deref() {
        Some(region) => Some(state.regions.resolve(Some(region))?),
        None => None,
    };
    let changes = WorkspaceChanges {
        name: request.name.map(String::from),
        email: request.email.map(String::from),
        description: request.description,
        status: request.status,
        tags: request.tags.as_deref().map(normalise_tags),
        region,
        initial_setup_complete: request.initial_setup_complete,
        onboarding_complete: request.onboarding_complete,
        anonymous_data_collection: request.anonymous_data_collection,
        news: request.news,
        security_updates: request.security_updates,
        by: caller.user_id,
        expected_version: expected,
    };
    let id = request.workspace_id;
    state
        .db
        .write(move |conn| workspaces::update(conn, id, &changes))
        .await
}

/// Duplicates a workspace: what the request leaves out is copied from the original (its
/// organization, email, description, status, tags, flags and region), read in the same
/// transaction as the copy.
pub async fn duplicate(
    state: &AppState,
    caller: &Caller,
    request: WorkspaceDuplicateRequestBody,
) -> Result<ferry_domain::workspace::Workspace> {
    let region = match request.workspace.region.as_deref() {
        Some(region) => Some(state.regions.resolve(Some(region))?),
        None => None,
    };
    let (original, by) = (request.workspace_id, caller.user_id);
    state
        .db
        .write(move |conn| {
            let source = workspaces::get_live(conn, original)?;
            let region = region.clone().unwrap_or_else(|| source.region.clone());
            let copy = NewWorkspace {
                by,
                ..new_workspace(&request.workspace, region, Some(&source))
            };
            workspaces::duplicate(conn, original, &copy)
        })
        .await
}

/// The workspace a create request describes: what it leaves out comes from `like` (a
/// duplicate's original) or else the defaults.
fn new_workspace(
    request: &WorkspaceCreate,
    region: String,
    like: Option<&ferry_domain::workspace::Workspace>,
) -> NewWorkspace {
    let defaults = NewWorkspace::named(request.name.as_str(), region);
    let base = match like {
        Some(original) => NewWorkspace {
            organization_id: original.organization_id,
            email: original.email.clone(),
            description: original.description.clone(),
            status: original.status,
            tags: original.tags.clone(),
            anonymous_data_collection: original.anonymous_data_collection,
            news: original.news,
            security_updates: original.security_updates,
            ..defaults
        },
        None => defaults,
    };
    NewWorkspace {
        organization_id: request.organization_id.unwrap_or(base.organization_id),
        email: request
            .email
            .as_ref()
            .map(ToString::to_string)
            .or(base.email),
        description: request.description.clone().or(base.description),
        status: request.status.unwrap_or(base.status),
        tags: request
            .tags
            .as_deref()
            .map(normalise_tags)
            .unwrap_or(base.tags),
        anonymous_data_collection: request
            .anonymous_data_collection
            .unwrap_or(base.anonymous_data_collection),
        news: request.news.unwrap_or(base.news),
        security_updates: request.security_updates.unwrap_or(base.security_updates),
        ..base
    }
}
