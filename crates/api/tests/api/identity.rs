//! Users and permissions: unique emails, permission rules, checks through organizations, and
//! permissions carried over by `workspaces/duplicate`.

use crate::fixtures::{self, id};
use crate::support::{assert_invalid, TestApp};
use serde_json::json;

async fn user(app: &TestApp, email: &str) -> String {
    id(
        &app.ok("users/create", json!({ "name": "someone", "email": email }))
            .await,
        "userId",
    )
}

async fn grant(app: &TestApp, user: &str, permission_type: &str, scope: (&str, &str)) -> String {
    let body = json!({ "userId": user, "permissionType": permission_type, scope.0: scope.1 });
    id(&app.ok("permissions/create", body).await, "permissionId")
}

on_both_backends! {
    async fn emails_are_unique_ignoring_case(app: TestApp) {
        let first = user(&app, "Ana@Ferry.test").await;
        let again = app.post("users/create", json!({ "name": "x", "email": "ana@ferry.TEST" })).await;
        assert_eq!(again.status, 409, "{}", again.body);
        assert_eq!(again.body["error"], "CONFLICT");
        let found = app.ok("users/get_by_email", json!({ "email": "ANA@ferry.test" })).await;
        assert_eq!(found["userId"], first.as_str());
        assert_eq!(found["email"], "Ana@Ferry.test");
        let other = user(&app, "bo@ferry.test").await;
        let clash = app.post("users/update", json!({ "userId": other, "email": "ana@FERRY.test" })).await;
        assert_eq!(clash.status, 409, "{}", clash.body);
        // A deleted user's email is free again.
        assert_eq!(app.post("users/delete", json!({ "userId": first })).await.status, 204);
        user(&app, "ana@ferry.test").await;
        let gone = app.post("users/get", json!({ "userId": first })).await;
        assert_eq!(gone.status, 404);
    }

    async fn permissions_name_their_scope_and_stay_in_it(app: TestApp) {
        let someone = user(&app, "cat@ferry.test").await;
        let workspace = fixtures::workspace(&app, "scoped").await;
        let wrong = app.post("permissions/create", json!({
            "userId": someone, "permissionType": "workspace_reader",
            "organizationId": "00000000-0000-0000-0000-000000000000"
        })).await;
        assert_invalid(&wrong, "workspaceId");
        assert_invalid(&wrong, "organizationId");
        let permission = grant(&app, &someone, "workspace_reader", ("workspaceId", &workspace)).await;
        let twice = app.post("permissions/create", json!({
            "userId": someone, "permissionType": "workspace_admin", "workspaceId": workspace
        })).await;
        assert_eq!(twice.status, 409, "{}", twice.body);
        let across = app.post("permissions/update", json!({
            "permissionId": permission, "permissionType": "organization_admin"
        })).await;
        assert_invalid(&across, "permissionType");
        let updated = app.ok("permissions/update", json!({
            "permissionId": permission, "permissionType": "workspace_editor"
        })).await;
        assert_eq!(updated["permissionType"], "workspace_editor");
        let unknown_user = app.post("permissions/create", json!({
            "userId": fixtures::UNKNOWN_ID, "permissionType": "workspace_reader", "workspaceId": workspace
        })).await;
        assert_eq!(unknown_user.status, 404, "{}", unknown_user.body);
        let listed = app.ok("permissions/list_by_user", json!({ "userId": someone })).await;
        assert_eq!(listed["permissions"].as_array().unwrap().len(), 1);
        assert_eq!(app.post("permissions/delete", json!({ "permissionId": permission })).await.status, 204);
        let gone = app.post("permissions/get", json!({ "permissionId": permission })).await;
        assert_eq!(gone.status, 404);
    }

    async fn checks_follow_the_role_lines_and_organizations(app: TestApp) {
        let organization = id(&app.ok("organizations/create", json!({ "organizationName": "Org" })).await,
            "organizationId");
        let workspace = id(&app.ok("workspaces/create",
            json!({ "name": "w", "organizationId": organization })).await, "workspaceId");
        let runner = user(&app, "run@ferry.test").await;
        grant(&app, &runner, "workspace_runner", ("workspaceId", &workspace)).await;
        let org_editor = user(&app, "ed@ferry.test").await;
        grant(&app, &org_editor, "organization_editor", ("organizationId", &organization)).await;
        let member = user(&app, "mem@ferry.test").await;
        grant(&app, &member, "organization_member", ("organizationId", &organization)).await;
        let check = |user: &str, permission_type: &str, field: &str, scope: &str| {
            json!({ "userId": user, "permissionType": permission_type, field: scope })
        };
        let cases = [
            (check(&runner, "workspace_reader", "workspaceId", &workspace), "succeeded"),
            (check(&runner, "workspace_runner", "workspaceId", &workspace), "succeeded"),
            (check(&runner, "workspace_editor", "workspaceId", &workspace), "failed"),
            (check(&org_editor, "workspace_editor", "workspaceId", &workspace), "succeeded"),
            (check(&org_editor, "workspace_admin", "workspaceId", &workspace), "failed"),
            (check(&org_editor, "organization_reader", "organizationId", &organization), "succeeded"),
            (check(&member, "workspace_reader", "workspaceId", &workspace), "failed"),
            (check(&member, "organization_member", "organizationId", &organization), "succeeded"),
            (json!({ "userId": runner, "permissionType": "instance_admin" }), "failed"),
        ];
        for (body, expected) in cases {
            let answer = app.ok("permissions/check", body.clone()).await;
            assert_eq!(answer["status"], expected, "{body}");
        }
    }

    async fn jobs_are_listed_by_connection_id(app: TestApp) {
        let reply = app.post("jobs/list", json!({ "configType": "sync", "configId": "nope" })).await;
        assert_invalid(&reply, "configId");
    }

    async fn duplicating_a_workspace_copies_its_permissions(app: TestApp) {
        let workspace = fixtures::workspace(&app, "original").await;
        let someone = user(&app, "dup@ferry.test").await;
        grant(&app, &someone, "workspace_editor", ("workspaceId", &workspace)).await;
        let copy = app.ok("workspaces/duplicate",
            json!({ "workspaceId": workspace, "name": "copy" })).await;
        let copy = id(&copy, "workspaceId");
        let access = app.ok("users/list_access_info_by_workspace_id", json!({ "workspaceId": copy })).await;
        let users = access["usersWithAccess"].as_array().unwrap();
        assert_eq!(users.len(), 1, "{access}");
        assert_eq!(users[0]["userId"], someone.as_str());
        assert_eq!(users[0]["workspacePermission"]["permissionType"], "workspace_editor");
        assert_eq!(users[0]["workspacePermission"]["workspaceId"], copy.as_str());
        // Into another organization, members stay behind: its admins decide who enters.
        let elsewhere = id(&app.ok("organizations/create", json!({ "organizationName": "B" })).await,
            "organizationId");
        let moved = app.ok("workspaces/duplicate",
            json!({ "workspaceId": workspace, "name": "moved", "organizationId": elsewhere })).await;
        let access = app.ok("users/list_access_info_by_workspace_id",
            json!({ "workspaceId": id(&moved, "workspaceId") })).await;
        assert_eq!(access["usersWithAccess"], json!([]));
    }
}

/// `createdBy` and `updatedBy` come from the caller.
mod audited {
    use super::*;
    use crate::access::token_for;

    async fn bearer(app: &TestApp, email: &str) -> (String, String) {
        let user = user(app, email).await;
        (
            user.clone(),
            format!("Bearer {}", token_for(app, &user).await),
        )
    }

    on_both_backends_with_auth! {
        async fn writes_record_who_made_them(app: TestApp) {
            let (ann, as_ann) = bearer(&app, "ann@ferry.test").await;
            let ann_in_organization = grant(&app, &ann, "organization_editor",
                ("organizationId", "00000000-0000-0000-0000-000000000000")).await;
            let (bob, as_bob) = bearer(&app, "bob@ferry.test").await;
            let made = app.post_as("workspaces/create", json!({ "name": "Ann's" }), Some(&as_ann)).await;
            assert_eq!(made.status, 200, "{}", made.body);
            assert_eq!(made.body["createdBy"], ann.as_str());
            assert_eq!(made.body["updatedBy"], ann.as_str());
            let workspace = id(&made.body, "workspaceId");
            grant(&app, &bob, "workspace_admin", ("workspaceId", &workspace)).await;
            let changed = app.post_as("workspaces/update",
                json!({ "workspaceId": workspace, "name": "Renamed" }), Some(&as_bob)).await;
            assert_eq!(changed.status, 200, "{}", changed.body);
            assert_eq!(changed.body["createdBy"], ann.as_str());
            assert_eq!(changed.body["updatedBy"], bob.as_str());
            // The administrator's own workspaces carry no user; the filter finds Ann's only.
            fixtures::workspace(&app, "admin's").await;
            let listed = app.ok("workspaces/list", json!({ "createdBy": ann })).await;
            let ids: Vec<&str> = listed["workspaces"].as_array().unwrap().iter()
                .map(|w| w["workspaceId"].as_str().unwrap()).collect();
            assert_eq!(ids, vec![workspace.as_str()]);

            let definition = fixtures::source_definition(&app, "Fixture").await;
            let source = app.post_as("sources/create", json!({
                "workspaceId": workspace, "sourceDefinitionId": definition, "name": "s",
                "connectionConfiguration": { "count": 1 }
            }), Some(&as_bob)).await;
            assert_eq!(source.status, 200, "{}", source.body);
            assert_eq!(source.body["createdBy"], bob.as_str());
            let destination_definition = fixtures::destination_definition(&app, "Fixture").await;
            let destination = fixtures::destination(&app, &workspace, &destination_definition, "d").await;
            assert!(destination.get("createdBy").is_none(), "Basic has no user: {destination}");
            let connection = app.post_as("connections/create", json!({
                "sourceId": source.body["sourceId"], "destinationId": destination["destinationId"],
                "syncMode": "full_refresh", "status": "inactive"
            }), Some(&as_ann)).await;
            assert_eq!(connection.status, 200, "{}", connection.body);
            assert_eq!(connection.body["createdBy"], ann.as_str());
            let got = app.post_as("connections/get",
                json!({ "connectionId": connection.body["connectionId"] }), Some(&as_bob)).await;
            assert_eq!(got.body["createdBy"], ann.as_str());

            // A duplicate, and every copy in it, is made by whoever duplicates.
            app.ok("permissions/update", json!({
                "permissionId": ann_in_organization, "permissionType": "organization_admin"
            })).await;
            let copy = app.post_as("workspaces/duplicate",
                json!({ "workspaceId": workspace, "name": "Ann's copy" }), Some(&as_ann)).await;
            assert_eq!(copy.status, 200, "{}", copy.body);
            assert_eq!(copy.body["createdBy"], ann.as_str());
            let sources = app.post_as("sources/list",
                json!({ "workspaceId": copy.body["workspaceId"] }), Some(&as_ann)).await;
            assert_eq!(sources.body["sources"][0]["createdBy"], ann.as_str(), "{}", sources.body);
            // A user may ask about itself, but not learn about a workspace it cannot see.
            let hidden = fixtures::workspace(&app, "hidden").await;
            let asked = app.post_as("permissions/check", json!({
                "userId": bob, "permissionType": "workspace_reader", "workspaceId": hidden
            }), Some(&as_bob)).await;
            assert_eq!(asked.status, 404, "{}", asked.body);
            let asked = app.post_as("permissions/check", json!({
                "userId": bob, "permissionType": "workspace_editor", "workspaceId": workspace
            }), Some(&as_bob)).await;
            assert_eq!(asked.body["status"], "succeeded", "{}", asked.body);
        }
    }
}
