//! Unpaged lists (the 2020 form: every row) are written as they are read, a chunk at a time:
//! however long, they answer every row once, in order, with their total, and never bind
//! more ids in one query than a database allows (SQLite's limit is 32,766).

use crate::fixtures::{self, id};
use crate::support::TestApp;
use diesel::RunQueryDsl;
use serde_json::json;

/// Jobs of one connection, more than SQLite's variable limit and many chunks.
const JOBS: usize = 33_000;

/// Copies the connection's one job until it has `JOBS` (one statement: the copies differ
/// only in their ids, which count up).
fn multiply_the_job(app: &TestApp) {
    let mut conn = app.database.db.connection().unwrap();
    let conn: &mut ferry_persistence::AnyConnection = &mut conn;
    let copies = JOBS - 1;
    diesel::sql_query(format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {copies}) \
         INSERT INTO jobs (config_type, config_id, status, not_before, created_at, updated_at, \
                           cancel_reason, workspace_id, priority) \
         SELECT config_type, config_id, status, not_before, created_at, updated_at, \
                cancel_reason, workspace_id, priority FROM jobs, n"
    ))
    .execute(conn)
    .unwrap();
}

on_both_backends! {
    async fn an_unpaged_list_answers_every_row_once_in_order_however_long(app: TestApp) {
        let (_, source, destination) = fixtures::pair(&app, "unpaged").await;
        let connection = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let job = app.ok("connections/sync", json!({ "connectionId": connection })).await;
        app.ok("jobs/cancel", json!({ "id": job["job"]["id"] })).await;
        multiply_the_job(&app);

        let reply = app.post("jobs/list", json!({ "configType": "sync", "configId": connection })).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        // Sent as it was read: no length was known when the answer began.
        assert!(reply.headers.get("content-length").is_none(), "{:?}", reply.headers);
        assert_eq!(reply.headers.get("content-type").unwrap(), "application/json");
        let jobs = reply.body["jobs"].as_array().unwrap();
        assert_eq!(jobs.len(), JOBS);
        assert_eq!(reply.body["total"], JOBS);
        assert_eq!(reply.body["hasMore"], false);
        assert!(reply.body.get("nextCursor").is_none());
        // Newest first: the copies share the original's time, so their ids decide, descending.
        let ids: Vec<i64> = jobs.iter().map(|j| j["job"]["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] > pair[1]), "not newest first, or a row twice");
        assert!(jobs.iter().all(|j| j["job"]["status"] == "cancelled"));

        // A page of the same list still has a length, and the next page's cursor.
        let page = app.post("jobs/list", json!({ "configType": "sync", "configId": connection, "pageSize": 3 })).await;
        assert_eq!(page.status, 200);
        assert!(page.headers.get("content-length").is_some());
        assert_eq!(page.body["jobs"].as_array().unwrap().len(), 3);
        assert!(page.body["nextCursor"].is_string());
    }

    async fn an_unpaged_list_of_nothing_is_whole(app: TestApp) {
        let (_, source, destination) = fixtures::pair(&app, "nothing").await;
        let connection = id(&fixtures::connection(&app, &source, &destination).await, "connectionId");
        let listed = app.ok("jobs/list", json!({ "configType": "sync", "configId": connection })).await;
        assert_eq!(listed, json!({ "jobs": [], "total": 0, "hasMore": false }));
    }
}
