//! Workspaces: what a create, an update or a duplicate request means (the defaults, the
//! region from configuration, what a duplicate copies from its original), and what a list
//! request means (docs/API-DESIGN.md, "Lists"). The store takes decided values only.

use super::lists::Listed;
use crate::auth::guard::visible_to;
use crate::AppState;
use ferry_domain::access::Caller;
use ferry_domain::ids::WorkspaceId;
use ferry_domain::list::SortOrder;
use ferry_domain::values::{Email, Name};
use ferry_domain::workspace::{
    normalise_tags, RemoteAuthorization, WebBackendWorkspaceRead, WorkspaceCreate,
    WorkspaceDuplicateRequestBody, WorkspaceListRequestBody, WorkspaceRead, WorkspaceSortBy,
    WorkspaceSyncFromRemoteRead, WorkspaceSyncFromRemoteRequestBody, WorkspaceUpdate,
    MAX_DESCRIPTION_CHARS,
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
    request: WorkspaceListRequestBody,
) -> Result<Listed<WorkspaceRead>> {
    let (filter, page, query) = listing(state, caller, request)?;
    super::lists::answer_page(state, page, query, move |conn, page| {
        Ok(workspaces::list(conn, &filter, page)?.map(WorkspaceRead::from))
    })
    .await
}

/// `web_backend/workspaces/list`: the page [`list`] answers for the same request, each
/// workspace with what it holds and its newest sync job, in a constant number of queries.
pub async fn list_with_summaries(
    state: &AppState,
    caller: &Caller,
    request: WorkspaceListRequestBody,
) -> Result<Listed<WebBackendWorkspaceRead>> {
    let (filter, page, query) = listing(state, caller, request)?;
    super::lists::answer_page(state, page, query, move |conn, page| {
        Ok(workspaces::list_with_summaries(conn, &filter, page)?
            .map(|(workspace, summary)| WebBackendWorkspaceRead::new(workspace, summary)))
    })
    .await
}

/// What a list request means: its filter (narrowed to what `caller` may see), its page, and
/// the fingerprint its cursors are bound to.
fn listing(
    state: &AppState,
    caller: &Caller,
    mut request: WorkspaceListRequestBody,
) -> Result<(WorkspaceFilter, WorkspacePage, u64)> {
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
        owner_id: request.owner_id,
        workspace_type: request.workspace_type,
    };
    let page = WorkspacePage {
        sort_by,
        order,
        paging,
    };
    Ok((filter, page, query))
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
        owner_id: caller.user_id,
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
        owner_id: request.owner_id,
        workspace_type: request.workspace_type,
        domain_name: request.domain_name.map(String::from),
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
                owner_id: by,
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
            workspace_type: original.workspace_type,
            domain_name: original.domain_name.clone(),
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
        workspace_type: request.workspace_type.unwrap_or(base.workspace_type),
        domain_name: request
            .domain_name
            .as_ref()
            .map(ToString::to_string)
            .or(base.domain_name),
        ..base
    }
}

/// `workspaces/sync_from_remote`: reads every workspace the other server lists (outside any
/// transaction: its time-outs bound the wait), then creates, in one transaction, those whose
/// id is not known here (live or deleted), keeping their ids. Repeating it creates nothing.
pub async fn sync_from_remote(
    state: &AppState,
    caller: &Caller,
    request: WorkspaceSyncFromRemoteRequestBody,
) -> Result<WorkspaceSyncFromRemoteRead> {
    use ferry_worker::remote::{self, Credentials};
    let credentials = match request.authorization {
        RemoteAuthorization::Bearer { token } => Credentials::Bearer { token },
        RemoteAuthorization::Basic { username, password } => {
            Credentials::Basic { username, password }
        }
    };
    let listed =
        remote::list_workspaces(request.url.as_str(), &credentials, &state.outbound).await?;
    let total_count = i64::try_from(listed.len()).unwrap_or(i64::MAX);
    let region = state.regions.resolve(None)?;
    let (organization, by) = (request.organization_id, caller.user_id);
    let mut seen = std::collections::HashSet::new();
    let wanted: Vec<(WorkspaceId, NewWorkspace)> = listed
        .into_iter()
        .filter(|w| seen.insert(w.workspace_id))
        .map(|w| {
            let id = WorkspaceId(w.workspace_id);
            let name = Name::try_from(w.name)
                .map(String::from)
                .unwrap_or_else(|_| format!("workspace {id}"));
            let new = NewWorkspace {
                organization_id: organization,
                email: w
                    .email
                    .and_then(|e| Email::try_from(e).ok())
                    .map(String::from),
                description: w
                    .description
                    .map(|d| d.chars().take(MAX_DESCRIPTION_CHARS as usize).collect()),
                anonymous_data_collection: w.anonymous_data_collection.unwrap_or(false),
                news: w.news.unwrap_or(false),
                security_updates: w.security_updates.unwrap_or(false),
                by,
                owner_id: by,
                ..NewWorkspace::named(name, region.clone())
            };
            (id, new)
        })
        .collect();
    let created = state
        .db
        .write(move |conn| {
            let ids: Vec<WorkspaceId> = wanted.iter().map(|(id, _)| *id).collect();
            let known = workspaces::existing_ids(conn, &ids)?;
            let mut created = Vec::new();
            for (id, new) in wanted.iter().filter(|(id, _)| !known.contains(id)) {
                workspaces::create_with_id(conn, *id, new)?;
                created.push(*id);
            }
            Ok(created)
        })
        .await?;
    tracing::info!(
        listed = total_count,
        created = created.len(),
        "workspaces synchronised from a remote server"
    );
    Ok(WorkspaceSyncFromRemoteRead {
        total_count,
        created_count: i64::try_from(created.len()).unwrap_or(i64::MAX),
        created_workspace_ids: created,
    })
}
