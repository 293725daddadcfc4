//! Rich workspaces: fields, partial updates, the list convention, stats, the status cascade
//! and duplication.

use crate::fixtures::{self, id, DEFAULT_WORKSPACE, UNKNOWN_ID};
use crate::support::{assert_invalid, assert_not_found, TestApp, PATIENCE};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn names(list: &Value) -> Vec<String> {
    list["workspaces"]
        .as_array()
        .unwrap_or_else(|| panic!("no workspaces in {list}"))
        .iter()
        .map(|w| w["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn list(app: &TestApp, body: Value) -> Value {
    app.ok("workspaces/list", body).await
}

/// Every page of a query, following nextCursor.
async fn all_pages(app: &TestApp, mut body: Value) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let page = list(app, body.clone()).await;
        seen.extend(names(&page));
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(cursor) => body["cursor"] = json!(cursor),
            None => {
                assert_eq!(page["hasMore"], false);
                return seen;
            }
        }
    }
}

on_both_backends! {
    async fn new_fields_are_stored_normalised_and_returned(app: TestApp) {
        let created = app
            .ok(
                "workspaces/create",
                json!({
                    "name": "Data", "description": "Where the data team works",
                    "tags": ["team:data", "prod", "team:data", "a.b_c-d"], "region": "eu-west"
                }),
            )
            .await;
        assert_eq!(created["status"], "active");
        assert_eq!(created["tags"], json!(["a.b_c-d", "prod", "team:data"]));
        assert_eq!(created["region"], "eu-west");
        assert_eq!(created["description"], "Where the data team works");
        let created_at = created["createdAt"].as_str().expect("createdAt");
        assert!(created_at.ends_with('Z'), "{created_at}");
        assert_eq!(created["createdAt"], created["updatedAt"]);
        let default = app.ok("workspaces/create", json!({ "name": "Plain" })).await;
        assert_eq!(default["region"], "local");
        assert_eq!(default["tags"], json!([]));
        let read = app.ok("workspaces/get", json!({ "workspaceId": created["workspaceId"] })).await;
        assert_eq!(read, created);
    }

    async fn new_fields_are_validated(app: TestApp) {
        let reply = app.post("workspaces/create", json!({ "name": "x", "region": "mars" })).await;
        assert_invalid(&reply, "region");
        assert!(reply.body["message"].as_str().unwrap_or_default().contains("local, eu-west"));
        let reply = app.post("workspaces/create", json!({ "name": "x", "tags": ["bad tag"] })).await;
        assert_invalid(&reply, "tags[0]");
        let many: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
        assert_invalid(&app.post("workspaces/create", json!({ "name": "x", "tags": many })).await, "tags");
        let long = "d".repeat(2001);
        assert_invalid(&app.post("workspaces/create", json!({ "name": "x", "description": long })).await, "description");
        assert_invalid(&app.post("workspaces/create", json!({ "name": "x", "status": "paused" })).await, "status");
        let ok = app.post("workspaces/create", json!({ "name": "x", "description": "é".repeat(2000) })).await;
        assert_eq!(ok.status, 200, "2000 characters are fine, whatever their bytes: {}", ok.body);
    }

    async fn update_is_partial(app: TestApp) {
        let created = app
            .ok("workspaces/create", json!({ "name": "Ops", "email": "a@example.com", "tags": ["x"], "news": true }))
            .await;
        let workspace = created["workspaceId"].clone();
        let updated = app
            .ok("workspaces/update", json!({ "workspaceId": workspace, "description": "now described" }))
            .await;
        assert_eq!(updated["description"], "now described");
        for kept in ["name", "slug", "email", "tags", "news", "region", "status", "createdAt"] {
            assert_eq!(updated[kept], created[kept], "{kept}");
        }
        assert!(updated["updatedAt"].as_str() > created["updatedAt"].as_str());
        let updated = app
            .ok("workspaces/update", json!({ "workspaceId": workspace, "name": "Operations", "tags": [], "region": "eu-west" }))
            .await;
        assert_eq!(updated["name"], "Operations");
        assert_eq!(updated["slug"], "ops", "the slug is a stable handle");
        assert_eq!(updated["tags"], json!([]));
        assert_eq!(updated["region"], "eu-west");
        assert_invalid(&app.post("workspaces/update", json!({ "workspaceId": workspace, "region": "mars" })).await, "region");
    }

    async fn filters_combine(app: TestApp) {
        let org = id(&app.ok("organizations/create", json!({ "organizationName": "Acme" })).await, "organizationId");
        for (name, body) in [
            ("Ünïcode Straße", json!({ "tags": ["eu", "prod"], "organizationId": org })),
            ("Marketing", json!({ "tags": ["prod"], "description": "Campaign data", "email": "mk@example.com" })),
            ("marketing-eu", json!({ "tags": ["eu"], "status": "inactive", "organizationId": org })),
            ("100%_real", json!({})),
        ] {
            let mut body = body;
            body["name"] = json!(name);
            app.ok("workspaces/create", body).await;
        }
        let only = |body: Value| async { names(&list(&app, body).await) };
        assert_eq!(only(json!({ "nameContains": "MARKET" })).await, ["Marketing", "marketing-eu"]);
        assert_eq!(only(json!({ "nameContains": "ÜNÏCODE STRASSE" })).await, Vec::<String>::new());
        assert_eq!(only(json!({ "nameContains": "üNÏcode" })).await, ["Ünïcode Straße"]);
        assert_eq!(only(json!({ "nameContains": "%_" })).await, ["100%_real"], "LIKE wildcards are literal");
        assert_eq!(only(json!({ "search": "campaign" })).await, ["Marketing"]);
        assert_eq!(only(json!({ "search": "MK@EXAMPLE" })).await, ["Marketing"]);
        assert_eq!(only(json!({ "search": "marketing-eu" })).await, ["marketing-eu"], "matches the slug");
        assert_eq!(only(json!({ "search": DEFAULT_WORKSPACE })).await, ["default"], "matches the id");
        assert_eq!(only(json!({ "status": "inactive" })).await, ["marketing-eu"]);
        assert_eq!(only(json!({ "tags": ["prod"] })).await, ["Ünïcode Straße", "Marketing"]);
        assert_eq!(only(json!({ "tags": ["prod", "eu"] })).await, ["Ünïcode Straße"]);
        assert_eq!(only(json!({ "organizationId": org })).await, ["Ünïcode Straße", "marketing-eu"]);
        assert_eq!(only(json!({ "organizationId": org, "status": "active", "tags": ["eu"] })).await, ["Ünïcode Straße"]);
        let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        assert_eq!(only(json!({ "createdAtFrom": future })).await, Vec::<String>::new());
        assert_eq!(only(json!({ "updatedAtTo": future, "nameContains": "100" })).await, ["100%_real"]);
        let listed = list(&app, json!({ "nameContains": "market" })).await;
        assert_eq!(listed["total"], 2);
        assert_eq!(listed["hasMore"], false);
        assert!(listed.get("nextCursor").is_none());
        // Deleted workspaces only when asked for.
        let temp = app.ok("workspaces/create", json!({ "name": "Marketing old" })).await;
        app.post("workspaces/delete", json!({ "workspaceId": temp["workspaceId"] })).await;
        assert_eq!(only(json!({ "nameContains": "market" })).await.len(), 2);
        let with_deleted = list(&app, json!({ "nameContains": "market", "includeDeleted": true })).await;
        assert_eq!(names(&with_deleted).len(), 3);
        assert_eq!(with_deleted["workspaces"][2]["tombstone"], true);
    }

    async fn sorting_is_total_with_ties(app: TestApp) {
        for name in ["b", "B", "a", "c", "a", "A"] {
            app.ok("workspaces/create", json!({ "name": name })).await;
        }
        let sorted = list(&app, json!({ "sortBy": "name", "sortOrder": "asc" })).await;
        let order: Vec<(String, String)> = sorted["workspaces"]
            .as_array()
            .expect("array")
            .iter()
            .map(|w| (w["name"].as_str().unwrap_or_default().to_lowercase(), id(w, "workspaceId")))
            .collect();
        let mut expected = order.clone();
        expected.sort();
        assert_eq!(order, expected, "name (folded) then id");
        let descending = list(&app, json!({ "sortBy": "name", "sortOrder": "desc" })).await;
        let mut reversed = names(&sorted);
        reversed.reverse();
        assert_eq!(names(&descending), reversed, "desc is exactly asc reversed, ties included");
        for sort in ["createdAt", "updatedAt"] {
            let asc = names(&list(&app, json!({ "sortBy": sort })).await);
            let mut desc = names(&list(&app, json!({ "sortBy": sort, "sortOrder": "desc" })).await);
            desc.reverse();
            assert_eq!(asc, desc, "{sort}");
            assert_eq!(asc[0], "default");
        }
        // Paging through a sort with ties sees each row once.
        for sort in ["name", "createdAt", "updatedAt"] {
            for order in ["asc", "desc"] {
                let paged = all_pages(&app, json!({ "sortBy": sort, "sortOrder": order, "pageSize": 2 })).await;
                let whole = names(&list(&app, json!({ "sortBy": sort, "sortOrder": order })).await);
                assert_eq!(paged, whole, "{sort} {order}");
            }
        }
    }

    async fn paging_survives_inserts_and_deletes_between_pages(app: TestApp) {
        let mut ids = Vec::new();
        for i in 0..25 {
            let created = app.ok("workspaces/create", json!({ "name": format!("w{i:02}") })).await;
            ids.push(id(&created, "workspaceId"));
        }
        let start: BTreeSet<String> = names(&list(&app, json!({})).await).into_iter().collect();
        let mut body = json!({ "pageSize": 4, "sortBy": "name" });
        let mut seen: Vec<String> = Vec::new();
        let mut deleted = BTreeSet::new();
        let mut round = 0;
        loop {
            let page = list(&app, body.clone()).await;
            assert!(page["workspaces"].as_array().map_or(0, Vec::len) <= 4);
            seen.extend(names(&page));
            // Churn between pages: insert rows before and after the position, delete one.
            app.ok("workspaces/create", json!({ "name": format!("a-new-{round}") })).await;
            app.ok("workspaces/create", json!({ "name": format!("z-new-{round}") })).await;
            if let Some(victim) = ids.get(round * 3 + 1) {
                app.post("workspaces/delete", json!({ "workspaceId": victim })).await;
                deleted.insert(format!("w{:02}", round * 3 + 1));
            }
            round += 1;
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(cursor) => body["cursor"] = json!(cursor),
                None => break,
            }
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "a row was repeated: {seen:?}");
        for name in start.difference(&deleted) {
            assert!(seen.contains(name), "{name} was live throughout but never seen");
        }
    }

    async fn paging_parameters_are_checked(app: TestApp) {
        for size in [0, 1001, -1] {
            assert_invalid(&app.post("workspaces/list", json!({ "pageSize": size })).await, "pageSize");
        }
        assert_invalid(&app.post("workspaces/list", json!({ "sortBy": "slug" })).await, "sortBy");
        assert_invalid(&app.post("workspaces/list", json!({ "sortOrder": "up" })).await, "sortOrder");
        let inverted = json!({ "createdAtFrom": "2026-02-01T00:00:00Z", "createdAtTo": "2026-01-01T00:00:00Z" });
        assert_invalid(&app.post("workspaces/list", inverted).await, "createdAtTo");
        let inverted = json!({ "updatedAtFrom": "2026-02-01T00:00:00Z", "updatedAtTo": "2026-01-01T00:00:00Z" });
        assert_invalid(&app.post("workspaces/list", inverted).await, "updatedAtTo");
        assert_invalid(&app.post("workspaces/list", json!({ "createdAtFrom": "yesterday" })).await, "createdAtFrom");
        for i in 0..3 {
            app.ok("workspaces/create", json!({ "name": format!("p{i}") })).await;
        }
        // A page costs the page: it counts the total only when asked.
        let first = list(&app, json!({ "pageSize": 2, "sortBy": "name" })).await;
        assert!(first.get("total").is_none(), "{first}");
        assert_eq!(first["hasMore"], true);
        let counted = list(&app, json!({ "pageSize": 2, "sortBy": "name", "includeTotal": true })).await;
        assert_eq!(counted["total"], 4);
        assert_eq!(counted["workspaces"], first["workspaces"]);
        assert_eq!(counted["nextCursor"], first["nextCursor"], "the same query, counted or not");
        let cursor = first["nextCursor"].as_str().expect("cursor").to_string();
        // A cursor for another sort or filter, or an altered one, is refused.
        for other in [json!({ "sortBy": "createdAt" }), json!({ "sortBy": "name", "sortOrder": "desc" }), json!({ "sortBy": "name", "nameContains": "p" })] {
            let mut body = other;
            body["pageSize"] = json!(2);
            body["cursor"] = json!(cursor);
            assert_invalid(&app.post("workspaces/list", body).await, "cursor");
        }
        let mut altered = cursor.clone().into_bytes();
        altered[5] = if altered[5] == b'x' { b'y' } else { b'x' };
        let altered = String::from_utf8(altered).expect("ascii");
        let reply = app.post("workspaces/list", json!({ "pageSize": 2, "sortBy": "name", "cursor": altered })).await;
        assert_invalid(&reply, "cursor");
        assert_invalid(&app.post("workspaces/list", json!({ "pageSize": 2, "cursor": "not-a-cursor" })).await, "cursor");
        // The same query continues, and a different page size, or a count, is the same query.
        let second = list(&app, json!({ "pageSize": 3, "sortBy": "name", "cursor": cursor, "includeTotal": true })).await;
        assert_eq!(names(&second), ["p1", "p2"]);
        assert_eq!(second["total"], 4);
        assert!(second.get("nextCursor").is_none());
        // Airbyte's offset pagination.
        let offset = list(&app, json!({ "pagination": { "pageSize": 2, "rowOffset": 1 }, "sortBy": "name", "includeTotal": true })).await;
        assert_eq!(names(&offset), ["p0", "p1"]);
        assert_eq!(offset["hasMore"], true);
        assert_eq!(offset["total"], 4);
        assert_invalid(&app.post("workspaces/list", json!({ "pagination": { "pageSize": 0 } })).await, "pagination.pageSize");
        assert_invalid(&app.post("workspaces/list", json!({ "pagination": { "rowOffset": -1 } })).await, "pagination.rowOffset");
    }

    async fn api_versions_are_checked(app: TestApp) {
        let reply = app.server.post("/api/v1/workspaces/list").timeout(PATIENCE).insert_header(("X-API-Version", "v1")).send().await.expect("sent");
        assert_eq!(reply.status().as_u16(), 200);
        let mut reply = app.server.post("/api/v1/workspaces/list").timeout(PATIENCE).insert_header(("X-API-Version", "v2")).send().await.expect("sent");
        assert_eq!(reply.status().as_u16(), 400);
        let body: Value = reply.json().await.expect("json");
        assert_eq!(body["error"], "UNSUPPORTED_API_VERSION");
        assert!(body["message"].as_str().unwrap_or_default().contains("v1"), "{body}");
    }

    async fn stats_count_live_workspaces_by_status(app: TestApp) {
        let org = id(&app.ok("organizations/create", json!({ "organizationName": "Acme" })).await, "organizationId");
        app.ok("workspaces/create", json!({ "name": "a", "organizationId": org })).await;
        app.ok("workspaces/create", json!({ "name": "b", "organizationId": org, "status": "inactive" })).await;
        app.ok("workspaces/create", json!({ "name": "c", "status": "inactive" })).await;
        let gone = app.ok("workspaces/create", json!({ "name": "d", "organizationId": org })).await;
        app.post("workspaces/delete", json!({ "workspaceId": gone["workspaceId"] })).await;
        let all = app.ok("workspaces/stats", json!({})).await;
        assert_eq!(all, json!({ "activeCount": 2, "inactiveCount": 2, "totalCount": 4 }));
        let in_org = app.ok("workspaces/stats", json!({ "organizationId": org })).await;
        assert_eq!(in_org, json!({ "activeCount": 1, "inactiveCount": 1, "totalCount": 2 }));
        let bare = app.post_raw("workspaces/stats", None, Vec::new()).await;
        assert_eq!(bare.body, all);
    }

    async fn an_inactive_workspace_has_no_active_connection(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "Cascade").await;
        let active = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let inactive = app
            .ok("connections/create", json!({ "sourceId": source, "destinationId": destination,
                                               "syncMode": "full_refresh", "status": "inactive" }))
            .await;
        let (_, other_source, other_destination) = fixtures::pair(&app, "Elsewhere").await;
        let elsewhere = id(&fixtures::connection(&app, &other_source, &other_destination).await, "connectionId");
        app.ok("workspaces/update", json!({ "workspaceId": workspace, "status": "inactive" })).await;
        let status = |c: String| {
            let app = &app;
            async move { app.ok("connections/get", json!({ "connectionId": c })).await["status"].clone() }
        };
        assert_eq!(status(active.clone()).await, "inactive");
        assert_eq!(status(id(&inactive, "connectionId")).await, "inactive");
        assert_eq!(status(elsewhere).await, "active");
        // No connection may become active while the workspace is inactive.
        let reply = app
            .post("connections/update", json!({ "connectionId": active, "syncSchema": { "streams": [] }, "status": "active" }))
            .await;
        assert_invalid(&reply, "status");
        assert!(reply.body["message"].as_str().unwrap_or_default().contains("inactive"));
        let reply = app
            .post("connections/create", json!({ "sourceId": source, "destinationId": destination,
                                                 "syncMode": "full_refresh", "status": "active" }))
            .await;
        assert_invalid(&reply, "status");
        // No sync starts in an inactive workspace.
        let reply = app.post("connections/sync", json!({ "connectionId": active })).await;
        assert_invalid(&reply, "connectionId");
        assert!(reply.body["message"].as_str().unwrap_or_default().contains("inactive"));
        // Reactivating the workspace re-enables nothing by itself.
        app.ok("workspaces/update", json!({ "workspaceId": workspace, "status": "active" })).await;
        assert_eq!(status(active.clone()).await, "inactive");
        let reply = app
            .post("connections/update", json!({ "connectionId": active, "syncSchema": { "streams": [] }, "status": "active" }))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let queued = app.ok("connections/sync", json!({ "connectionId": active })).await;
        assert_eq!(queued["job"]["status"], "pending");
    }

    async fn duplicate_copies_sources_destinations_and_connections(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "Original").await;
        app.ok("workspaces/update", json!({ "workspaceId": workspace, "tags": ["keep"], "description": "orig" })).await;
        let connection = fixtures::connection(&app, &source, &destination).await;
        let gone = fixtures::connection(&app, &source, &destination).await;
        app.post("connections/delete", json!({ "connectionId": gone["connectionId"] })).await;
        let copy = app
            .ok("workspaces/duplicate", json!({ "workspaceId": workspace, "name": "Original" }))
            .await;
        let copy_id = id(&copy, "workspaceId");
        assert_ne!(copy_id, workspace);
        assert_eq!(copy["slug"], "original-2", "a name collision still gets its own slug");
        assert_eq!(copy["tags"], json!(["keep"]));
        assert_eq!(copy["description"], "orig");
        let original = app.ok("workspaces/get", json!({ "workspaceId": workspace })).await;
        assert_eq!(copy["organizationId"], original["organizationId"]);

        let sources = app.ok("sources/list", json!({ "workspaceId": copy_id })).await["sources"].clone();
        let destinations = app.ok("destinations/list", json!({ "workspaceId": copy_id })).await["destinations"].clone();
        assert_eq!(sources.as_array().map(Vec::len), Some(1));
        assert_eq!(destinations.as_array().map(Vec::len), Some(1));
        let original_source = app.ok("sources/get", json!({ "sourceId": source })).await;
        assert_ne!(sources[0]["sourceId"], original_source["sourceId"]);
        assert_eq!(sources[0]["connectionConfiguration"], original_source["connectionConfiguration"]);
        assert_eq!(sources[0]["sourceDefinitionId"], original_source["sourceDefinitionId"]);
        let connections = app.ok("connections/list", json!({ "workspaceId": copy_id })).await["connections"].clone();
        let connections = connections.as_array().expect("array").clone();
        assert_eq!(connections.len(), 1, "deprecated connections are not copied");
        assert_eq!(connections[0]["sourceId"], sources[0]["sourceId"]);
        assert_eq!(connections[0]["destinationId"], destinations[0]["destinationId"]);
        assert_eq!(connections[0]["status"], "inactive");
        assert_eq!(connections[0]["syncSchema"], connection["syncSchema"]);
        assert_eq!(connections[0]["schedule"], connection["schedule"]);
        // The original is untouched.
        let again = app.ok("connections/get", json!({ "connectionId": connection["connectionId"] })).await;
        assert_eq!(again, connection);

        // Another organization and other fields, when given.
        let org = id(&app.ok("organizations/create", json!({ "organizationName": "Elsewhere" })).await, "organizationId");
        let moved = app
            .ok("workspaces/duplicate", json!({ "workspaceId": workspace, "name": "Moved", "organizationId": org, "tags": [] }))
            .await;
        assert_eq!(moved["organizationId"], org.as_str());
        assert_eq!(moved["tags"], json!([]));
    }

    async fn duplicate_errors_and_atomicity(app: TestApp) {
        let reply = app.post("workspaces/duplicate", json!({ "workspaceId": UNKNOWN_ID, "name": "x" })).await;
        assert_not_found(&reply, "Workspace", UNKNOWN_ID);
        let (workspace, source, destination) = fixtures::pair(&app, "Source ws").await;
        fixtures::connection(&app, &source, &destination).await;
        assert_invalid(&app.post("workspaces/duplicate", json!({ "workspaceId": workspace })).await, "name");
        let reply = app
            .post("workspaces/duplicate", json!({ "workspaceId": workspace, "name": "x", "organizationId": UNKNOWN_ID }))
            .await;
        assert_not_found(&reply, "Organization", UNKNOWN_ID);
        let before = app.ok("workspaces/list", json!({ "includeDeleted": true })).await["total"].clone();
        // A duplicate that fails late (the database refuses the copied connection, after the
        // workspace, its sources and destinations were copied) leaves nothing behind.
        refuse_connection_inserts(&app, true);
        let reply = app
            .post("workspaces/duplicate", json!({ "workspaceId": workspace, "name": "Fails late" }))
            .await;
        refuse_connection_inserts(&app, false);
        assert_eq!(reply.status, 500, "{}", reply.body);
        assert!(reply.body["errorId"].as_str().is_some());
        let after = app.ok("workspaces/list", json!({ "includeDeleted": true })).await["total"].clone();
        assert_eq!(before, after, "no workspace was left behind");
        let slug = app.post("workspaces/get_by_slug", json!({ "slug": "fails-late" })).await;
        assert_eq!(slug.status, 404, "{}", slug.body);
        app.post("workspaces/delete", json!({ "workspaceId": workspace })).await;
        let reply = app.post("workspaces/duplicate", json!({ "workspaceId": workspace, "name": "x" })).await;
        assert_not_found(&reply, "Workspace", &workspace);
    }
}

/// Makes the database refuse (or accept again) every new connection row: a real failure in
/// the middle of a transaction, injected from outside the code under test.
pub fn refuse_connection_inserts(app: &TestApp, refuse: bool) {
    use diesel::connection::SimpleConnection;
    let postgres = app.database.url.starts_with("postgres");
    let sql = match (postgres, refuse) {
        (false, true) => {
            "CREATE TRIGGER refuse_connections BEFORE INSERT ON connections \
                          BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
        }
        (false, false) => "DROP TRIGGER refuse_connections;",
        (true, true) => {
            "CREATE FUNCTION refuse_insert() RETURNS trigger AS $$ \
                         BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql; \
                         CREATE TRIGGER refuse_connections BEFORE INSERT ON connections \
                         FOR EACH ROW EXECUTE FUNCTION refuse_insert();"
        }
        (true, false) => {
            "DROP TRIGGER refuse_connections ON connections; DROP FUNCTION refuse_insert();"
        }
    };
    let mut conn = app.database.db.connection().expect("a connection");
    conn.batch_execute(sql).expect("trigger");
}
