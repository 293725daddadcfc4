//! Workspace owners, types and domains, their list filters, and `web_backend/workspaces/list`
//! with each workspace's counts and newest sync job.

use crate::access::token_for;
use crate::fixtures::{self, id};
use crate::support::{assert_invalid, TestApp};
use serde_json::{json, Value};

async fn user(app: &TestApp, email: &str) -> String {
    id(
        &app.ok("users/create", json!({ "name": "someone", "email": email }))
            .await,
        "userId",
    )
}

async fn grant(
    app: &TestApp,
    user: &str,
    permission_type: &str,
    field: &str,
    scope: &str,
) -> Value {
    app.post(
        "permissions/create",
        json!({ "userId": user, "permissionType": permission_type, field: scope }),
    )
    .await
    .body
}

fn ids(list: &Value) -> Vec<String> {
    list["workspaces"]
        .as_array()
        .unwrap_or_else(|| panic!("no workspaces in {list}"))
        .iter()
        .map(|w| w["workspaceId"].as_str().unwrap_or_default().to_string())
        .collect()
}

on_both_backends_with_auth! {
    async fn the_creator_owns_a_workspace_and_a_workspace_admin_can_transfer_it(app: TestApp) {
        let organization = id(&app.ok("organizations/create",
            json!({ "organizationName": "Owners" })).await, "organizationId");
        let creator = user(&app, "creator@ferry.test").await;
        grant(&app, &creator, "organization_editor", "organizationId", &organization).await;
        let bearer = format!("Bearer {}", token_for(&app, &creator).await);
        let made = app.post_as("workspaces/create",
            json!({ "name": "Owned", "organizationId": organization }), Some(&bearer)).await;
        assert_eq!(made.status, 200, "{}", made.body);
        assert_eq!(made.body["ownerId"], creator.as_str());
        assert_eq!(made.body["workspaceType"], "multi_user");
        assert!(made.body.get("domainName").is_none(), "{}", made.body);
        let workspace = id(&made.body, "workspaceId");
        // The instance administrator owns nothing.
        let by_admin = app.ok("workspaces/create", json!({ "name": "Admin's" })).await;
        assert!(by_admin.get("ownerId").is_none(), "{by_admin}");

        // Only to a user with access to the workspace.
        let stranger = user(&app, "stranger@ferry.test").await;
        let refused = app.post("workspaces/update",
            json!({ "workspaceId": workspace, "ownerId": stranger })).await;
        assert_invalid(&refused, "ownerId");
        assert!(refused.body["message"].as_str().unwrap_or_default().contains("no access"), "{}", refused.body);
        let unknown = app.post("workspaces/update",
            json!({ "workspaceId": workspace, "ownerId": fixtures::UNKNOWN_ID })).await;
        assert_invalid(&unknown, "ownerId");
        let heir = user(&app, "heir@ferry.test").await;
        grant(&app, &heir, "workspace_reader", "workspaceId", &workspace).await;
        let before = made.body["version"].as_i64().unwrap();
        // A workspace admin transfers it.
        let admin = user(&app, "wsadmin@ferry.test").await;
        grant(&app, &admin, "workspace_admin", "workspaceId", &workspace).await;
        let admin_bearer = format!("Bearer {}", token_for(&app, &admin).await);
        let transferred = app.post_as("workspaces/update",
            json!({ "workspaceId": workspace, "ownerId": heir }), Some(&admin_bearer)).await;
        assert_eq!(transferred.status, 200, "{}", transferred.body);
        assert_eq!(transferred.body["ownerId"], heir.as_str());
        assert_eq!(transferred.body["version"].as_i64().unwrap(), before + 1);
        // The heir, a reader, may not transfer it on.
        let heir_bearer = format!("Bearer {}", token_for(&app, &heir).await);
        let not_admin = app.post_as("workspaces/update",
            json!({ "workspaceId": workspace, "ownerId": admin }), Some(&heir_bearer)).await;
        assert_eq!(not_admin.status, 403, "{}", not_admin.body);
        // An organization permission is access too.
        let transferred = app.ok("workspaces/update",
            json!({ "workspaceId": workspace, "ownerId": creator })).await;
        assert_eq!(transferred["ownerId"], creator.as_str());

        let owned = app.ok("workspaces/list", json!({ "ownerId": creator })).await;
        assert_eq!(ids(&owned), vec![workspace.clone()]);
        let owned = app.ok("workspaces/list", json!({ "ownerId": heir })).await;
        assert_eq!(ids(&owned), Vec::<String>::new());
    }

    async fn a_single_user_workspace_admits_one_member(app: TestApp) {
        let made = app.ok("workspaces/create",
            json!({ "name": "Solo", "workspaceType": "single_user" })).await;
        assert_eq!(made["workspaceType"], "single_user");
        let workspace = id(&made, "workspaceId");
        let first = user(&app, "first@ferry.test").await;
        let second = user(&app, "second@ferry.test").await;
        let granted = grant(&app, &first, "workspace_admin", "workspaceId", &workspace).await;
        assert!(granted["permissionId"].is_string(), "{granted}");
        let refused = app.post("permissions/create", json!({
            "userId": second, "permissionType": "workspace_reader", "workspaceId": workspace
        })).await;
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert_eq!(refused.body["error"], "CONFLICT");
        assert!(refused.body["message"].as_str().unwrap_or_default().contains("single_user"), "{}", refused.body);
        // Made multi_user, it admits the second; then it cannot go back to single_user.
        app.ok("workspaces/update", json!({ "workspaceId": workspace, "workspaceType": "multi_user" })).await;
        grant(&app, &second, "workspace_reader", "workspaceId", &workspace).await;
        let back = app.post("workspaces/update",
            json!({ "workspaceId": workspace, "workspaceType": "single_user" })).await;
        assert_eq!(back.status, 409, "{}", back.body);
        // A single_user copy of a workspace with two members is refused too.
        let copy = app.post("workspaces/duplicate", json!({
            "workspaceId": workspace, "name": "Solo copy", "workspaceType": "single_user"
        })).await;
        assert_eq!(copy.status, 409, "{}", copy.body);
        let multi = app.ok("workspaces/list", json!({ "workspaceType": "multi_user" })).await;
        assert!(ids(&multi).contains(&workspace));
        let single = app.ok("workspaces/list", json!({ "workspaceType": "single_user" })).await;
        assert!(!ids(&single).contains(&workspace));
        let bad = app.post("workspaces/list", json!({ "workspaceType": "solo" })).await;
        assert_invalid(&bad, "workspaceType");
    }
}

mod without_auth {
    use super::*;

    on_both_backends! {
        async fn domain_names_are_host_names(app: TestApp) {
            let made = app.ok("workspaces/create",
                json!({ "name": "Reached", "domainName": "Data.Example.COM" })).await;
            assert_eq!(made["domainName"], "data.example.com");
            let workspace = id(&made, "workspaceId");
            for bad in ["-bad.example.com", "two..dots", "under_score.com", "a b"] {
                let reply = app.post("workspaces/update",
                    json!({ "workspaceId": workspace, "domainName": bad })).await;
                assert_invalid(&reply, "domainName");
                let reply = app.post("workspaces/create", json!({ "name": "x", "domainName": bad })).await;
                assert_invalid(&reply, "domainName");
            }
            let long = vec!["a".repeat(63); 4].join(".");
            assert_invalid(&app.post("workspaces/create", json!({ "name": "x", "domainName": long })).await, "domainName");
            let changed = app.ok("workspaces/update",
                json!({ "workspaceId": workspace, "domainName": "other.example.org" })).await;
            assert_eq!(changed["domainName"], "other.example.org");
            assert_eq!(changed["version"], 2);
            // A duplicate keeps its type and domain unless told otherwise.
            let copy = app.ok("workspaces/duplicate", json!({ "workspaceId": workspace, "name": "Copy" })).await;
            assert_eq!(copy["domainName"], "other.example.org");
            assert_eq!(copy["workspaceType"], "multi_user");
        }

        async fn web_backend_list_counts_what_each_workspace_holds(app: TestApp) {
            let (workspace, source, destination) = fixtures::pair(&app, "Busy").await;
            let active = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
            let inactive = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
            app.ok("connections/update", json!({ "connectionId": inactive, "syncSchema": fixtures::schema(), "status": "inactive" })).await;
            let deleted = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
            assert_eq!(app.post("connections/delete", json!({ "connectionId": deleted })).await.status, 204);
            let job = app.ok("connections/sync", json!({ "connectionId": active })).await;
            let job_id = job["job"]["id"].as_i64().unwrap();
            let empty = fixtures::workspace(&app, "Empty").await;

            let listed = app.ok("web_backend/workspaces/list", json!({ "sortBy": "name" })).await;
            assert_eq!(listed["total"], 3, "{listed}");
            let find = |id: &str| listed["workspaces"].as_array().unwrap().iter()
                .find(|w| w["workspaceId"] == id).cloned().unwrap_or_else(|| panic!("{id} not in {listed}"));
            let busy = find(&workspace);
            assert_eq!(busy["name"], "Busy");
            assert_eq!(busy["workspaceType"], "multi_user");
            assert_eq!((busy["sourceCount"].as_i64(), busy["destinationCount"].as_i64()), (Some(1), Some(1)));
            assert_eq!(busy["activeConnectionCount"], 1, "{busy}");
            assert_eq!(busy["inactiveConnectionCount"], 1, "{busy}");
            let latest = &busy["latestSyncJob"];
            assert_eq!(latest["jobId"], job_id);
            assert_eq!(latest["connectionId"], active.as_str());
            assert_eq!(latest["status"], "pending");
            assert!(latest["createdAt"].is_i64());
            assert!(latest.get("endedAt").is_none(), "{latest}");
            let quiet = find(&empty);
            assert_eq!(quiet["sourceCount"], 0);
            assert_eq!(quiet["activeConnectionCount"], 0);
            assert!(quiet.get("latestSyncJob").is_none(), "{quiet}");

            // A cancelled job has ended.
            app.ok("jobs/cancel", json!({ "id": job_id })).await;
            let listed = app.ok("web_backend/workspaces/list", json!({ "nameContains": "busy" })).await;
            assert_eq!(listed["total"], 1);
            let latest = &listed["workspaces"][0]["latestSyncJob"];
            assert_eq!(latest["status"], "cancelled");
            assert!(latest["endedAt"].is_i64(), "{latest}");

            // The counts follow every change (they are kept as rows change, not counted per
            // read): a connection made active, then the source deleted with its connections.
            let counts = |listed: &serde_json::Value| {
                let busy = &listed["workspaces"][0];
                [&busy["sourceCount"], &busy["destinationCount"], &busy["activeConnectionCount"], &busy["inactiveConnectionCount"]]
                    .map(|n| n.as_i64().unwrap())
            };
            app.ok("connections/update", json!({ "connectionId": inactive, "syncSchema": fixtures::schema(), "status": "active" })).await;
            let listed = app.ok("web_backend/workspaces/list", json!({ "nameContains": "busy" })).await;
            assert_eq!(counts(&listed), [1, 1, 2, 0], "{listed}");
            assert_eq!(app.post("sources/delete", json!({ "sourceId": source })).await.status, 204);
            let listed = app.ok("web_backend/workspaces/list", json!({ "nameContains": "busy" })).await;
            assert_eq!(counts(&listed), [0, 1, 0, 0], "{listed}");

            // The same keyset pages as workspaces/list.
            let first = app.ok("web_backend/workspaces/list", json!({ "pageSize": 2, "sortBy": "name" })).await;
            let plain = app.ok("workspaces/list", json!({ "pageSize": 2, "sortBy": "name" })).await;
            assert_eq!(ids(&first), ids(&plain));
            assert_eq!(first["hasMore"], true);
            let cursor = first["nextCursor"].as_str().unwrap();
            let second = app.ok("web_backend/workspaces/list",
                json!({ "pageSize": 2, "sortBy": "name", "cursor": cursor })).await;
            assert_eq!(second["workspaces"].as_array().unwrap().len(), 1);
            assert!(second.get("nextCursor").is_none());
            let wrong = app.post("web_backend/workspaces/list",
                json!({ "pageSize": 2, "sortBy": "createdAt", "cursor": cursor })).await;
            assert_invalid(&wrong, "cursor");
            assert_invalid(&app.post("web_backend/workspaces/list", json!({ "pageSize": 0 })).await, "pageSize");
            assert_invalid(&app.post("web_backend/workspaces/list", json!({ "sortBy": "size" })).await, "sortBy");
            // No body at all is the whole list.
            let all = app.post_raw("web_backend/workspaces/list", None, Vec::new()).await;
            assert_eq!(all.status, 200, "{}", all.body);
            assert_eq!(all.body["total"], 3);
        }
    }
}
