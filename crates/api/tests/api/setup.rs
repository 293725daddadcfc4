//! One-call workspace setup (issue 19): `web_backend/workspaces/create` makes a workspace,
//! a source, a destination and a connection (and queues the first sync when asked), or,
//! whatever fails, nothing at all.

use crate::fixtures;
use crate::support::{assert_invalid, TestApp};
use serde_json::{json, Value};

async fn body(app: &TestApp, name: &str) -> Value {
    json!({
        "name": name,
        "description": "set up in one call",
        "source": {
            "sourceDefinitionId": fixtures::source_definition(app, &format!("{name} S")).await,
            "name": "db",
            "connectionConfiguration": {
                "password": "hunter2",
                "tunnel": { "method": "key", "ssh_key": "-----BEGIN KEY-----" }
            }
        },
        "destination": {
            "destinationDefinitionId": fixtures::destination_definition(app, &format!("{name} D")).await,
            "name": "lake",
            "connectionConfiguration": { "destination_path": "lake" }
        },
        "connection": { "syncMode": "full_refresh", "schedule": { "units": 6, "timeUnit": "hours" } }
    })
}

/// How many workspaces, sources and destinations exist (deleted ones too).
async fn counts(app: &TestApp) -> (Value, usize) {
    let total = app
        .ok("workspaces/list", json!({ "includeDeleted": true }))
        .await["total"]
        .clone();
    let mut conn = app.database.db.connection().unwrap();
    let actors: i64 = {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let conn: &mut ferry_persistence::AnyConnection = &mut conn;
        let rows: Vec<N> = diesel::sql_query("SELECT count(*) AS n FROM actors")
            .load(conn)
            .unwrap();
        rows[0].n
    };
    (total, usize::try_from(actors).unwrap())
}

on_both_backends! {
    async fn one_call_sets_up_a_workspace(app: TestApp) {
        let made = app.ok("web_backend/workspaces/create", body(&app, "Setup").await).await;
        let workspace = made["workspace"]["workspaceId"].as_str().unwrap().to_string();
        assert_eq!(made["workspace"]["name"], "Setup");
        assert_eq!(made["source"]["workspaceId"], workspace.as_str());
        assert_eq!(made["destination"]["workspaceId"], workspace.as_str());
        // Secrets, nested ones included, are masked as in every read.
        assert_eq!(made["source"]["connectionConfiguration"]["password"], "**********");
        assert_eq!(made["source"]["connectionConfiguration"]["tunnel"]["ssh_key"], "**********");
        let connection = &made["connection"];
        assert_eq!(connection["sourceId"], made["source"]["sourceId"]);
        assert_eq!(connection["status"], "active");
        assert_eq!(connection["syncSchema"]["streams"][0]["name"], "accounts", "every stream discovered");
        assert!(made.get("job").is_none(), "no first sync unless asked: {made}");
        // The stored source keeps the real secret: its check says so.
        let check = app.ok("sources/check_connection", json!({ "sourceId": made["source"]["sourceId"] })).await;
        assert_eq!(check["message"], "the stored password is hunter2");
        let listed = app.ok("connections/list", json!({ "workspaceId": workspace })).await;
        assert_eq!(listed["connections"].as_array().map(Vec::len), Some(1));

        let mut with_sync = body(&app, "With sync").await;
        with_sync["runFirstSync"] = json!(true);
        with_sync["connection"]["streams"] = json!(["accounts"]);
        let made = app.ok("web_backend/workspaces/create", with_sync).await;
        assert_eq!(made["job"]["job"]["status"], "pending", "{made}");
        assert_eq!(made["job"]["job"]["configId"], made["connection"]["connectionId"]);
    }

    async fn a_failed_setup_leaves_nothing_behind(app: TestApp) {
        let before = counts(&app).await;
        let mut failing_source = body(&app, "Bad source").await;
        failing_source["source"]["connectionConfiguration"] = json!({ "fail_check": true });
        let reply = app.post("web_backend/workspaces/create", failing_source).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(reply.body["error"], "CONNECTION_CHECK_FAILED");
        assert_eq!(reply.body["message"], "the source's check failed: the fixture was told to fail");

        let mut failing_destination = body(&app, "Bad destination").await;
        failing_destination["destination"]["connectionConfiguration"] = json!({ "fail_check": true });
        let reply = app.post("web_backend/workspaces/create", failing_destination).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert!(reply.body["message"].as_str().unwrap().starts_with("the destination's check failed"));

        let mut unknown_stream = body(&app, "Unknown stream").await;
        unknown_stream["connection"]["streams"] = json!(["accounts", "nope"]);
        let reply = app.post("web_backend/workspaces/create", unknown_stream).await;
        assert_invalid(&reply, "connection.streams[1]");

        let mut crashing = body(&app, "Crash").await;
        crashing["source"]["connectionConfiguration"] = json!({ "password": "hunter2", "crash_discover": true });
        let reply = app.post("web_backend/workspaces/create", crashing).await;
        assert_eq!(reply.status, 502, "{}", reply.body);
        assert_eq!(reply.body["error"], "CONNECTOR_FAILED");

        // A failure inside the transaction, after the workspace and the actors were written
        // (the database refuses the connection row), leaves nothing either.
        let late = body(&app, "Fails late").await;
        crate::workspace_management::refuse_connection_inserts(&app, true);
        let reply = app.post("web_backend/workspaces/create", late).await;
        crate::workspace_management::refuse_connection_inserts(&app, false);
        assert_eq!(reply.status, 500, "{}", reply.body);

        assert_eq!(counts(&app).await, before, "no workspace, source or destination left behind");
    }
}
