//! The list convention on connection lists (`connections/list`, `web_backend/connections/
//! list`): filters, sorts, keyset pages that never repeat or skip a row however rows come and
//! go between pages, offset pages, and cursors signed with the instance key.

use crate::fixtures::{self, id};
use crate::support::{assert_invalid, TestApp};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

async fn named_connection(app: &TestApp, source: &str, destination: &str, name: &str) -> String {
    let body = json!({
        "name": name, "sourceId": source, "destinationId": destination, "syncMode": "full_refresh",
        "syncSchema": fixtures::schema(), "status": "active"
    });
    id(&app.ok("connections/create", body).await, "connectionId")
}

/// Pages through a list to its end with `between` run after each page; returns the ids seen.
async fn page_through(
    app: &TestApp,
    path: &str,
    mut body: Value,
    mut between: impl FnMut(usize) -> Vec<(&'static str, Value)>,
) -> Vec<String> {
    let mut seen = Vec::new();
    for round in 0.. {
        let page = app.ok(path, body.clone()).await;
        let items = page["connections"].as_array().unwrap();
        assert!(items.len() <= body["pageSize"].as_u64().unwrap() as usize);
        seen.extend(items.iter().map(|c| id(c, "connectionId")));
        for (operation, request) in between(round) {
            app.ok_or_no_content(operation, request).await;
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => {
                assert_eq!(page["hasMore"], true);
                body["cursor"] = json!(cursor);
            }
            None => {
                assert_eq!(page["hasMore"], false);
                break;
            }
        }
        assert!(round < 100, "the pages never ended");
    }
    seen
}

impl TestApp {
    async fn ok_or_no_content(&self, path: &str, body: Value) {
        let reply = self.post(path, body).await;
        assert!(
            reply.status == 200 || reply.status == 204,
            "{path}: {}",
            reply.body
        );
    }
}

on_both_backends! {
    async fn pages_see_every_row_live_throughout_exactly_once(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "paging").await;
        for i in 0..25 {
            named_connection(&app, &source, &destination, &format!("conn {i:02}")).await;
        }
        for (path, sort_by, order) in [
            ("connections/list", "createdAt", "asc"),
            ("connections/list", "name", "desc"),
            ("web_backend/connections/list", "updatedAt", "asc"),
        ] {
            let live: Vec<String> = app
                .ok("connections/list", json!({ "workspaceId": workspace }))
                .await["connections"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| id(c, "connectionId"))
                .collect();
            // Between pages: delete one row from the end of the list and add a new one.
            let mut doomed = live.clone();
            let (source, destination) = (source.clone(), destination.clone());
            let mut added = 0;
            let mut deleted = BTreeSet::new();
            let body = json!({ "workspaceId": workspace, "pageSize": 4, "sortBy": sort_by, "sortOrder": order });
            let seen = page_through(&app, path, body, |_| {
                let mut operations = Vec::new();
                if let Some(victim) = doomed.pop() {
                    deleted.insert(victim.clone());
                    operations.push(("connections/delete", json!({ "connectionId": victim })));
                }
                added += 1;
                operations.push(("connections/create", json!({
                    "name": format!("new {path} {added}"), "sourceId": source, "destinationId": destination,
                    "syncMode": "full_refresh", "syncSchema": fixtures::schema(), "status": "active"
                })));
                operations
            })
            .await;
            let mut counts: HashMap<&String, usize> = HashMap::new();
            for id in &seen {
                *counts.entry(id).or_default() += 1;
            }
            assert!(counts.values().all(|n| *n == 1), "{path} {sort_by}: a row came twice: {counts:?}");
            for id in live.iter().filter(|id| !deleted.contains(*id)) {
                assert!(counts.contains_key(id), "{path} {sort_by}: row {id}, live throughout, was skipped");
            }
        }
    }

    async fn filters_sorts_and_totals(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "filters").await;
        let other_definition = fixtures::destination_definition(&app, "Other").await;
        let other_destination =
            id(&fixtures::destination(&app, &workspace, &other_definition, "other").await, "destinationId");
        let a = named_connection(&app, &source, &destination, "Alpha_1").await;
        let b = named_connection(&app, &source, &other_destination, "beta%").await;
        let c = named_connection(&app, &source, &destination, "ÉCOLE").await;
        app.ok("connections/update", json!({
            "connectionId": b, "syncSchema": fixtures::schema(), "status": "inactive"
        })).await;
        let ids = |page: &Value| -> Vec<String> {
            page["connections"].as_array().unwrap().iter().map(|c| id(c, "connectionId")).collect()
        };
        let list = |body: Value| app.ok("connections/list", body);
        let all = list(json!({ "workspaceId": workspace })).await;
        assert_eq!(ids(&all), vec![a.clone(), b.clone(), c.clone()]);
        assert_eq!(all["total"], 3);
        assert_eq!(all["hasMore"], false);
        let inactive = list(json!({ "workspaceId": workspace, "status": "inactive" })).await;
        assert_eq!(ids(&inactive), vec![b.clone()]);
        let by_destination = list(json!({ "workspaceId": workspace, "destinationId": destination })).await;
        assert_eq!(ids(&by_destination), vec![a.clone(), c.clone()]);
        let by_source = list(json!({ "workspaceId": workspace, "sourceId": source })).await;
        assert_eq!(by_source["total"], 3);
        // LIKE's wildcards are plain characters; matching ignores case, Unicode too.
        let percent = list(json!({ "workspaceId": workspace, "nameContains": "%" })).await;
        assert_eq!(ids(&percent), vec![b.clone()]);
        let underscore = list(json!({ "workspaceId": workspace, "nameContains": "A_" })).await;
        assert_eq!(ids(&underscore), vec![a.clone()]);
        let accented = list(json!({ "workspaceId": workspace, "nameContains": "éc" })).await;
        assert_eq!(ids(&accented), vec![c.clone()]);
        let by_name = list(json!({ "workspaceId": workspace, "sortBy": "name", "sortOrder": "desc" })).await;
        assert_eq!(ids(&by_name), vec![c.clone(), b.clone(), a.clone()], "folded names, byte order, descending");
        // Deleted connections are listed only when asked for.
        assert_eq!(app.post("connections/delete", json!({ "connectionId": a })).await.status, 204);
        assert_eq!(list(json!({ "workspaceId": workspace })).await["total"], 2);
        let deprecated = list(json!({ "workspaceId": workspace, "status": "deprecated" })).await;
        assert_eq!(ids(&deprecated), vec![a.clone()]);
        // Airbyte's offset pages.
        let offset = list(json!({ "workspaceId": workspace, "pagination": { "pageSize": 1, "rowOffset": 1 }, "includeTotal": true })).await;
        assert_eq!(ids(&offset), vec![c.clone()]);
        assert_eq!(offset["total"], 2);
        // The web list pages the same way.
        let web = app.ok("web_backend/connections/list", json!({ "workspaceId": workspace, "pageSize": 1, "includeTotal": true })).await;
        assert_eq!(web["total"], 2);
        assert_eq!(web["hasMore"], true);
        assert_eq!(web["connections"][0]["connectionId"], b);
    }

    async fn cursors_are_signed_and_bound_to_their_query(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "cursors").await;
        for i in 0..3 {
            named_connection(&app, &source, &destination, &format!("c{i}")).await;
        }
        let first = app.ok("connections/list", json!({ "workspaceId": workspace, "pageSize": 1 })).await;
        let cursor = first["nextCursor"].as_str().unwrap().to_string();
        // Another filter with this cursor.
        let reply = app
            .post("connections/list", json!({ "workspaceId": workspace, "pageSize": 1, "cursor": cursor, "status": "active" }))
            .await;
        assert_invalid(&reply, "cursor");
        // A cursor rewritten by the client (its position moved) no longer verifies.
        let (body, tag) = cursor.split_once('.').unwrap();
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut json: Value = serde_json::from_slice(&engine.decode(body).unwrap()).unwrap();
        json["k"] = json!("0000-01-01T00:00:00.000000Z");
        let forged = format!("{}.{tag}", engine.encode(serde_json::to_vec(&json).unwrap()));
        let reply = app
            .post("connections/list", json!({ "workspaceId": workspace, "pageSize": 1, "cursor": forged }))
            .await;
        assert_invalid(&reply, "cursor");
        // Bad paging values name their field.
        let reply = app.post("connections/list", json!({ "workspaceId": workspace, "pageSize": 0 })).await;
        assert_invalid(&reply, "pageSize");
        let reply = app.post("connections/list", json!({ "workspaceId": workspace, "sortBy": "colour" })).await;
        assert_invalid(&reply, "sortBy");
    }

    async fn sources_and_destinations_follow_the_convention(app: TestApp) {
        let workspace = fixtures::workspace(&app, "actors").await;
        let faker = fixtures::source_definition(&app, "Faker").await;
        let other = fixtures::source_definition(&app, "Other").await;
        let mut made = Vec::new();
        for (definition, name) in [(&faker, "Zeta"), (&other, "alpha"), (&faker, "Ärger"), (&faker, "beta")] {
            made.push(id(&fixtures::source(&app, &workspace, definition, name).await, "sourceId"));
        }
        let ids = |page: &Value, field: &str, key: &str| -> Vec<String> {
            page[field].as_array().unwrap().iter().map(|c| id(c, key)).collect()
        };
        let all = app.ok("sources/list", json!({ "workspaceId": workspace })).await;
        assert_eq!(ids(&all, "sources", "sourceId"), made);
        assert_eq!(all["total"], 4);
        let by_definition = app
            .ok("sources/list", json!({ "workspaceId": workspace, "sourceDefinitionId": faker, "sortBy": "name" }))
            .await;
        assert_eq!(ids(&by_definition, "sources", "sourceId"), vec![made[3].clone(), made[0].clone(), made[2].clone()]);
        let named = app.ok("sources/list", json!({ "workspaceId": workspace, "nameContains": "är" })).await;
        assert_eq!(ids(&named, "sources", "sourceId"), vec![made[2].clone()]);
        // Pages of two, descending, to the end.
        let mut body = json!({ "workspaceId": workspace, "pageSize": 2, "sortOrder": "desc", "includeTotal": true });
        let mut seen = Vec::new();
        loop {
            let page = app.ok("sources/list", body.clone()).await;
            assert_eq!(page["total"], 4);
            seen.extend(ids(&page, "sources", "sourceId"));
            match page["nextCursor"].as_str() {
                Some(cursor) => body["cursor"] = json!(cursor),
                None => break,
            }
        }
        let mut expected = made.clone();
        expected.reverse();
        assert_eq!(seen, expected);
        // A source cursor is not a destination cursor.
        let first = app.ok("sources/list", json!({ "workspaceId": workspace, "pageSize": 1 })).await;
        let reply = app
            .post("destinations/list", json!({ "workspaceId": workspace, "pageSize": 1, "cursor": first["nextCursor"] }))
            .await;
        assert_invalid(&reply, "cursor");

        let local = fixtures::destination_definition(&app, "Local JSON").await;
        for name in ["one", "two", "three"] {
            fixtures::destination(&app, &workspace, &local, name).await;
        }
        let page = app
            .ok("destinations/list", json!({ "workspaceId": workspace, "destinationDefinitionId": local, "pageSize": 2, "sortBy": "name", "includeTotal": true }))
            .await;
        let names: Vec<&str> = page["destinations"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["one", "three"]);
        assert_eq!(page["total"], 3);
        assert_eq!(page["hasMore"], true);
    }
}
