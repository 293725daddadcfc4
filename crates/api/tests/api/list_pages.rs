//! The list convention on every other list: jobs, source and destination definitions,
//! organizations, users, applications and a user's permissions. Each one pages to its end
//! while rows come and go between pages and sees every row that was live throughout exactly
//! once; each one's filters, sorts and refusals.

use crate::access::credentials_for;
use crate::fixtures::{self, id};
use crate::support::{assert_invalid, TestApp};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// The ids of a page's items.
fn ids(page: &Value, items: &str, id_field: &str) -> Vec<String> {
    page[items]
        .as_array()
        .unwrap_or_else(|| panic!("no {items} in {page}"))
        .iter()
        .map(|item| match &item[id_field] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Lists one page as `authorization` (the app's default caller when None), checks its
/// shape, and moves `body` to the next page; false after the last.
async fn next_page(
    app: &TestApp,
    path: &str,
    body: &mut Value,
    authorization: Option<&str>,
    items: &str,
    id_field: &str,
    seen: &mut Vec<String>,
) -> bool {
    let reply = app
        .post_as(
            path,
            body.clone(),
            authorization.or(app.default_auth.as_deref()),
        )
        .await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    let page = reply.body;
    let page_ids = ids(&page, items, id_field);
    assert!(page_ids.len() as u64 <= body["pageSize"].as_u64().unwrap());
    seen.extend(page_ids);
    match page["nextCursor"].as_str() {
        Some(cursor) => {
            assert_eq!(page["hasMore"], true, "{path}");
            body["cursor"] = json!(cursor);
            true
        }
        None => {
            assert_eq!(page["hasMore"], false, "{path}");
            false
        }
    }
}

/// Every row live throughout (listed before paging and never deleted) was seen, and no row
/// was seen twice.
fn assert_exactly_once(label: &str, seen: &[String], live: &[String], deleted: &BTreeSet<String>) {
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for id in seen {
        *counts.entry(id).or_default() += 1;
    }
    assert!(
        counts.values().all(|n| *n == 1),
        "{label}: a row came twice: {counts:?}"
    );
    for id in live.iter().filter(|id| !deleted.contains(*id)) {
        assert!(
            counts.contains_key(id),
            "{label}: row {id}, live throughout, was skipped"
        );
    }
    assert!(live.len() > 4, "{label}: too few rows to page through");
}

/// Queues a sync of the connection and cancels it: one more job, and none left pending.
async fn cancelled_job(app: &TestApp, connection: &str) -> String {
    let job = app
        .ok("connections/sync", json!({ "connectionId": connection }))
        .await;
    let job_id = job["job"]["id"].clone();
    app.ok("jobs/cancel", json!({ "id": job_id })).await;
    job_id.to_string()
}

/// An unpaged list's ids, as `authorization` sees it.
async fn all_ids(
    app: &TestApp,
    path: &str,
    body: Value,
    items: &str,
    id_field: &str,
) -> Vec<String> {
    ids(&app.ok(path, body).await, items, id_field)
}

on_both_backends! {
    async fn jobs_page_by_keyset_and_filter(app: TestApp) {
        let (_, source, destination) = fixtures::pair(&app, "jobs").await;
        let connection = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let mut made = Vec::new();
        for _ in 0..9 {
            made.push(cancelled_job(&app, &connection).await);
        }
        let base = json!({ "configType": "sync", "configId": connection });
        // Unpaged and without sort fields: every job, newest first, as the 2020 contract.
        let all = app.ok("jobs/list", base.clone()).await;
        let mut newest_first = made.clone();
        newest_first.reverse();
        let listed: Vec<String> = all["jobs"].as_array().unwrap().iter().map(|j| j["job"]["id"].to_string()).collect();
        assert_eq!(listed, newest_first);
        assert_eq!(all["total"], 9);
        assert_eq!(all["hasMore"], false);
        assert!(all.get("nextCursor").is_none());

        for (sort_by, order) in [("createdAt", "desc"), ("createdAt", "asc"), ("updatedAt", "asc")] {
            let live = made.clone();
            let mut body = base.clone();
            body["pageSize"] = json!(2);
            body["sortBy"] = json!(sort_by);
            body["sortOrder"] = json!(order);
            let mut seen = Vec::new();
            let mut rounds = 0;
            loop {
                let reply = app.ok("jobs/list", body.clone()).await;
                assert_eq!(reply["jobs"].as_array().unwrap().len().min(2), reply["jobs"].as_array().unwrap().len());
                seen.extend(reply["jobs"].as_array().unwrap().iter().map(|j| j["job"]["id"].to_string()));
                // Between pages: another job starts (and is cancelled).
                made.push(cancelled_job(&app, &connection).await);
                match reply["nextCursor"].as_str() {
                    Some(cursor) => body["cursor"] = json!(cursor),
                    None => break,
                }
                rounds += 1;
                assert!(rounds < 50, "the pages never ended");
            }
            assert_exactly_once(&format!("jobs {sort_by} {order}"), &seen, &live, &BTreeSet::new());
        }

        // Filters: status, and a creation range.
        let pending = app.ok("connections/sync", json!({ "connectionId": connection })).await;
        let pending_id = pending["job"]["id"].to_string();
        let only_pending = app.ok("jobs/list", json!({ "configType": "sync", "configId": connection, "status": "pending" })).await;
        let pending_ids: Vec<String> = only_pending["jobs"].as_array().unwrap().iter().map(|j| j["job"]["id"].to_string()).collect();
        assert_eq!(pending_ids, vec![pending_id.clone()]);
        let cancelled = app.ok("jobs/list", json!({ "configType": "sync", "configId": connection, "status": "cancelled" })).await;
        assert_eq!(cancelled["total"], made.len());
        let future = app
            .ok("jobs/list", json!({ "configType": "sync", "configId": connection, "createdAtFrom": "2999-01-01T00:00:00Z" }))
            .await;
        assert_eq!(future["total"], 0);
        let past = app
            .ok("jobs/list", json!({ "configType": "sync", "configId": connection, "createdAtTo": "2999-01-01T00:00:00Z", "createdAtFrom": "2000-01-01T00:00:00Z" }))
            .await;
        assert_eq!(past["total"], made.len() + 1);
        // Resets are another list.
        let resets = app.ok("jobs/list", json!({ "configType": "reset_connection", "configId": connection })).await;
        assert_eq!(resets["total"], 0);

        // Refusals name their field.
        let inverted = app
            .post("jobs/list", json!({ "configType": "sync", "configId": connection,
                "createdAtFrom": "2026-02-01T00:00:00Z", "createdAtTo": "2026-01-01T00:00:00Z" }))
            .await;
        assert_invalid(&inverted, "createdAtTo");
        let bad_status = app.post("jobs/list", json!({ "configType": "sync", "configId": connection, "status": "asleep" })).await;
        assert_invalid(&bad_status, "status");
        let bad_sort = app.post("jobs/list", json!({ "configType": "sync", "configId": connection, "sortBy": "name" })).await;
        assert_invalid(&bad_sort, "sortBy");
        // A cursor of another query, and a cursor whose id is no job number.
        let first = app.ok("jobs/list", json!({ "configType": "sync", "configId": connection, "pageSize": 1 })).await;
        let cursor = first["nextCursor"].as_str().unwrap().to_string();
        let other_query = app
            .post("jobs/list", json!({ "configType": "sync", "configId": connection, "pageSize": 1, "cursor": cursor, "status": "cancelled" }))
            .await;
        assert_invalid(&other_query, "cursor");
        // A cursor of another list (the connections of the workspace, paged by creation time).
        let workspace = app.ok("connections/get", json!({ "connectionId": connection })).await;
        let _ = workspace;
        fixtures::connection(&app, &source, &destination).await;
        let workspaces = app.ok("workspaces/list", json!({ "pageSize": 1 })).await;
        let foreign = workspaces["nextCursor"].as_str().expect("two workspaces: the default and the made");
        let reply = app
            .post("jobs/list", json!({ "configType": "sync", "configId": connection, "pageSize": 1, "cursor": foreign }))
            .await;
        assert_invalid(&reply, "cursor");
    }

    async fn definitions_page_filter_and_sort(app: TestApp) {
        for (kind, items, id_field) in [
            ("source_definitions", "sourceDefinitions", "sourceDefinitionId"),
            ("destination_definitions", "destinationDefinitions", "destinationDefinitionId"),
        ] {
            let make = |i: usize| json!({
                "name": format!("Paged {kind} {i:02}"), "dockerRepository": format!("ferry/paged-{i}"),
                "dockerImageTag": "1.0.0", "documentationUrl": "https://example.com/docs"
            });
            for i in 0..8 {
                app.ok(&format!("{kind}/create"), make(i)).await;
            }
            let path = format!("{kind}/list");
            let live = all_ids(&app, &path, json!({}), items, id_field).await;
            // No body lists what {} lists: every live definition, oldest first.
            let no_body = app.post_raw(&path, None, Vec::new()).await;
            assert_eq!(no_body.status, 200, "{}", no_body.body);
            assert_eq!(ids(&no_body.body, items, id_field), live);

            for (sort_by, order) in [("name", "asc"), ("createdAt", "desc"), ("updatedAt", "asc")] {
                let live = all_ids(&app, &path, json!({}), items, id_field).await;
                let mut body = json!({ "pageSize": 3, "sortBy": sort_by, "sortOrder": order });
                let mut seen = Vec::new();
                let mut deleted = BTreeSet::new();
                let mut doomed = live.clone();
                let mut added = 100;
                while next_page(&app, &path, &mut body, None, items, id_field, &mut seen).await {
                    let victim = doomed.pop().unwrap();
                    let reply = app.post(&format!("{kind}/delete"), json!({ id_field: victim })).await;
                    assert_eq!(reply.status, 204, "{}", reply.body);
                    deleted.insert(victim);
                    added += 1;
                    app.ok(&format!("{kind}/create"), make(added)).await;
                }
                assert_exactly_once(&format!("{kind} {sort_by} {order}"), &seen, &live, &deleted);
            }

            // Names: a case-insensitive substring, LIKE's wildcards plain, sorted by folded name.
            app.ok(&format!("{kind}/create"), json!({
                "name": "Ünïcode_Def", "dockerRepository": "ferry/unicode", "dockerImageTag": "1",
                "documentationUrl": "https://example.com/docs"
            })).await;
            let named = app.ok(&path, json!({ "nameContains": "ÜNÏ" })).await;
            assert_eq!(named["total"], 1);
            assert_eq!(named[items][0]["name"], "Ünïcode_Def");
            let underscore = app.ok(&path, json!({ "nameContains": "ode_d" })).await;
            assert_eq!(underscore["total"], 1);
            let wildcard = app.ok(&path, json!({ "nameContains": "%" })).await;
            assert_eq!(wildcard["total"], 0);
            let by_name = app.ok(&path, json!({ "nameContains": "paged", "sortBy": "name", "sortOrder": "desc" })).await;
            let names: Vec<String> = by_name[items].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_lowercase()).collect();
            let mut sorted = names.clone();
            sorted.sort();
            sorted.reverse();
            assert_eq!(names, sorted);
            // Airbyte's offset pages.
            let offset = app.ok(&path, json!({ "pagination": { "pageSize": 2, "rowOffset": 1 } })).await;
            assert_eq!(offset[items].as_array().unwrap().len(), 2);
            assert_eq!(offset["hasMore"], true);
            assert_invalid(&app.post(&path, json!({ "pageSize": 1001 })).await, "pageSize");
            assert_invalid(&app.post(&path, json!({ "nameContains": "" })).await, "nameContains");
        }
        // A source definition cursor is not a destination definition cursor.
        let first = app.ok("source_definitions/list", json!({ "pageSize": 1 })).await;
        let reply = app
            .post("destination_definitions/list", json!({ "pageSize": 1, "cursor": first["nextCursor"] }))
            .await;
        assert_invalid(&reply, "cursor");
    }

    async fn organizations_page_filter_and_sort(app: TestApp) {
        for i in 0..8 {
            app.ok("organizations/create", json!({ "organizationName": format!("Org {i:02}") })).await;
        }
        for (sort_by, order) in [("name", "desc"), ("createdAt", "asc"), ("updatedAt", "desc")] {
            let live = all_ids(&app, "organizations/list", json!({}), "organizations", "organizationId").await;
            let mut body = json!({ "pageSize": 3, "sortBy": sort_by, "sortOrder": order });
            let mut seen = Vec::new();
            let mut deleted = BTreeSet::new();
            // The default organization is never deleted; the made ones may be.
            let mut doomed: Vec<String> = live[1..].to_vec();
            let mut added = 100;
            while next_page(&app, "organizations/list", &mut body, None, "organizations", "organizationId", &mut seen).await {
                let victim = doomed.pop().unwrap();
                let reply = app.post("organizations/delete", json!({ "organizationId": victim })).await;
                assert_eq!(reply.status, 204, "{}", reply.body);
                deleted.insert(victim);
                added += 1;
                app.ok("organizations/create", json!({ "organizationName": format!("Org {added}") })).await;
            }
            assert_exactly_once(&format!("organizations {sort_by} {order}"), &seen, &live, &deleted);
        }
        app.ok("organizations/create", json!({ "organizationName": "Ærø_Shipping" })).await;
        let named = app.ok("organizations/list", json!({ "nameContains": "ærø_" })).await;
        assert_eq!(named["total"], 1);
        // A rename is found by its new name.
        let org = id(&named["organizations"][0], "organizationId");
        app.ok("organizations/update", json!({ "organizationId": org, "organizationName": "Fjord" })).await;
        let renamed = app.ok("organizations/list", json!({ "nameContains": "FJORD" })).await;
        assert_eq!(ids(&renamed, "organizations", "organizationId"), vec![org]);
        assert_invalid(&app.post("organizations/list", json!({ "sortBy": "email" })).await, "sortBy");
    }

    async fn permissions_of_a_user_page(app: TestApp) {
        let user = id(&app.ok("users/create", json!({ "name": "Pat", "email": "pat@ferry.test" })).await, "userId");
        let mut workspaces = Vec::new();
        for i in 0..14 {
            workspaces.push(fixtures::workspace(&app, &format!("perm {i}")).await);
        }
        let grant = |workspace: &str| json!({ "userId": user, "permissionType": "workspace_reader", "workspaceId": workspace });
        for workspace in &workspaces[..8] {
            app.ok("permissions/create", grant(workspace)).await;
        }
        let mut spare = workspaces[8..].to_vec();
        for (sort_by, order) in [("createdAt", "desc"), ("updatedAt", "asc")] {
            let body = json!({ "userId": user });
            let live = all_ids(&app, "permissions/list_by_user", body, "permissions", "permissionId").await;
            let mut body = json!({ "userId": user, "pageSize": 3, "sortBy": sort_by, "sortOrder": order });
            let mut seen = Vec::new();
            let mut deleted = BTreeSet::new();
            let mut doomed = live.clone();
            doomed.truncate(3);
            while next_page(&app, "permissions/list_by_user", &mut body, None, "permissions", "permissionId", &mut seen).await {
                if let Some(victim) = doomed.pop() {
                    let reply = app.post("permissions/delete", json!({ "permissionId": victim })).await;
                    assert_eq!(reply.status, 204, "{}", reply.body);
                    deleted.insert(victim);
                }
                if let Some(workspace) = spare.pop() {
                    app.ok("permissions/create", grant(&workspace)).await;
                }
            }
            assert_exactly_once(&format!("permissions {sort_by} {order}"), &seen, &live, &deleted);
            assert!(!deleted.is_empty());
        }
        let unknown = app
            .post("permissions/list_by_user", json!({ "userId": "00000000-0000-4000-8000-000000000001", "pageSize": 2 }))
            .await;
        assert_eq!(unknown.status, 404, "{}", unknown.body);
        assert_invalid(&app.post("permissions/list_by_user", json!({ "userId": user, "pageSize": 0 })).await, "pageSize");
    }
}

mod with_auth {
    use super::*;

    on_both_backends_with_auth! {
        async fn users_and_applications_page(app: TestApp) {
            let mut made = Vec::new();
            for i in 0..7 {
                made.push(id(&app.ok("users/create", json!({ "name": format!("U{i}"), "email": format!("user{i}@Ferry.test") })).await, "userId"));
            }
            assert_eq!(all_ids(&app, "users/list", json!({}), "users", "userId").await, made);
            for (sort_by, order) in [("email", "asc"), ("createdAt", "desc"), ("updatedAt", "asc")] {
                let live = all_ids(&app, "users/list", json!({}), "users", "userId").await;
                let mut body = json!({ "pageSize": 2, "sortBy": sort_by, "sortOrder": order });
                let mut seen = Vec::new();
                let mut deleted = BTreeSet::new();
                let mut doomed = live.clone();
                let mut added = 100;
                while next_page(&app, "users/list", &mut body, None, "users", "userId", &mut seen).await {
                    if let Some(victim) = doomed.pop() {
                        let reply = app.post("users/delete", json!({ "userId": victim })).await;
                        assert_eq!(reply.status, 204, "{}", reply.body);
                        deleted.insert(victim);
                    }
                    added += 1;
                    app.ok("users/create", json!({ "name": "new", "email": format!("new{added}{sort_by}@ferry.test") })).await;
                }
                assert_exactly_once(&format!("users {sort_by} {order}"), &seen, &live, &deleted);
            }
            let by_email = app.ok("users/list", json!({ "emailContains": "NEW101" })).await;
            assert!(by_email["total"].as_i64().unwrap() >= 1);
            assert!(by_email["users"].as_array().unwrap().iter().all(|u| u["email"].as_str().unwrap().contains("new101")));

            // A user lists only itself, however it pages.
            let me = id(&app.ok("users/create", json!({ "name": "Me", "email": "me@ferry.test" })).await, "userId");
            let header = format!("Bearer {}", crate::access::token_for(&app, &me).await);
            let mine = app.post_as("users/list", json!({ "pageSize": 5, "includeTotal": true }), Some(&header)).await;
            assert_eq!(mine.status, 200, "{}", mine.body);
            assert_eq!(ids(&mine.body, "users", "userId"), vec![me.clone()]);
            assert_eq!(mine.body["total"], 1);

            // Applications: the user's own; the administrator sees every one.
            for _ in 0..6 {
                credentials_for(&app, &me).await;
            }
            let own = app.post_as("applications/list", json!({}), Some(&header)).await;
            assert_eq!(own.status, 200, "{}", own.body);
            // token_for made one more.
            let live = ids(&own.body, "applications", "id");
            assert_eq!(live.len(), 7);
            let mut body = json!({ "pageSize": 2, "sortOrder": "desc" });
            let mut seen = Vec::new();
            let mut deleted = BTreeSet::new();
            let mut doomed = live.clone();
            doomed.truncate(3);
            while next_page(&app, "applications/list", &mut body, Some(&header), "applications", "id", &mut seen).await {
                if let Some(victim) = doomed.pop() {
                    let reply = app.post_as("applications/delete", json!({ "applicationId": victim }), Some(&header)).await;
                    assert_eq!(reply.status, 204, "{}", reply.body);
                    deleted.insert(victim);
                }
                credentials_for(&app, &me).await;
            }
            assert_exactly_once("applications createdAt desc", &seen, &live, &deleted);
            assert!(own.body["applications"].as_array().unwrap().iter().all(|a| a.get("clientSecret").is_none()));
            let everyone = app.ok("applications/list", json!({ "pageSize": 1000, "includeTotal": true })).await;
            assert!(everyone["total"].as_i64().unwrap() >= seen.len() as i64);
            assert_invalid(&app.post("applications/list", json!({ "sortBy": "name" })).await, "sortBy");
        }

        async fn organizations_list_only_what_the_caller_may_see(app: TestApp) {
            let visible = id(&app.ok("organizations/create", json!({ "organizationName": "Seen" })).await, "organizationId");
            for i in 0..3 {
                app.ok("organizations/create", json!({ "organizationName": format!("Hidden {i}") })).await;
            }
            let user = id(&app.ok("users/create", json!({ "name": "Org", "email": "org@ferry.test" })).await, "userId");
            app.ok("permissions/create", json!({ "userId": user, "permissionType": "organization_reader", "organizationId": visible })).await;
            let header = format!("Bearer {}", crate::access::token_for(&app, &user).await);
            let seen = app.post_as("organizations/list", json!({ "pageSize": 1, "includeTotal": true }), Some(&header)).await;
            assert_eq!(seen.status, 200, "{}", seen.body);
            assert_eq!(ids(&seen.body, "organizations", "organizationId"), vec![visible]);
            assert_eq!(seen.body["total"], 1);
            assert_eq!(seen.body["hasMore"], false);
            let all = app.ok("organizations/list", json!({})).await;
            assert_eq!(all["total"], 5, "the default organization and the four made");
        }
    }
}
