//! Schedules in both forms: the 2020 `schedule` and Airbyte's later `scheduleType` +
//! `scheduleData` (`basic` or `cron`), on create, update and every read.

use crate::fixtures::{self, id, schema};
use crate::support::{assert_invalid, TestApp};
use serde_json::{json, Value};

fn create_body(source: &str, destination: &str, extra: Value) -> Value {
    let mut body = json!({ "sourceId": source, "destinationId": destination,
                           "syncMode": "full_refresh", "status": "active" });
    for (key, value) in extra.as_object().expect("object") {
        body[key] = value.clone();
    }
    body
}

fn nightly() -> Value {
    json!({ "cronExpression": "0 30 2 * * ?", "cronTimeZone": "Europe/Berlin" })
}

/// The same connection through connections/get, connections/list and both web_backend reads.
async fn every_read(app: &TestApp, workspace: &str, connection: &str) -> Vec<Value> {
    let pick = |list: Value| {
        list["connections"]
            .as_array()
            .expect("array")
            .iter()
            .find(|c| c["connectionId"] == connection)
            .cloned()
            .expect("listed")
    };
    vec![
        app.ok("connections/get", json!({ "connectionId": connection }))
            .await,
        pick(
            app.ok("connections/list", json!({ "workspaceId": workspace }))
                .await,
        ),
        app.ok(
            "web_backend/connections/get",
            json!({ "connectionId": connection }),
        )
        .await,
        pick(
            app.ok(
                "web_backend/connections/list",
                json!({ "workspaceId": workspace }),
            )
            .await,
        ),
    ]
}

/// Every read shows the schedule as `expected` says: (schedule, scheduleType, scheduleData).
async fn assert_reads(
    app: &TestApp,
    workspace: &str,
    connection: &str,
    expected: (Value, &str, Value),
) {
    let (schedule, schedule_type, data) = expected;
    for read in every_read(app, workspace, connection).await {
        assert_eq!(
            read.get("schedule").cloned().unwrap_or(Value::Null),
            schedule,
            "{read}"
        );
        assert_eq!(read["scheduleType"], schedule_type, "{read}");
        assert_eq!(
            read.get("scheduleData").cloned().unwrap_or(Value::Null),
            data,
            "{read}"
        );
    }
}

on_both_backends! {
    async fn cron_connections_are_created_updated_and_read(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "Cron").await;
        let created = app
            .ok(
                "connections/create",
                create_body(&source, &destination,
                            json!({ "scheduleType": "cron", "scheduleData": { "cron": nightly() } })),
            )
            .await;
        let connection = id(&created, "connectionId");
        assert!(created.get("schedule").is_none(), "a cron connection has no interval: {created}");
        assert_eq!(created["scheduleType"], "cron");
        assert_eq!(created["scheduleData"], json!({ "cron": nightly() }));
        assert_reads(&app, &workspace, &connection, (Value::Null, "cron", json!({ "cron": nightly() }))).await;

        // scheduleData alone decides the type.
        let inferred = app
            .ok("connections/create",
                create_body(&source, &destination, json!({ "scheduleData": { "cron": nightly() } })))
            .await;
        assert_eq!(inferred["scheduleType"], "cron");

        // Update to a basic schedule in the later form: both forms show it.
        let six_hours = json!({ "units": 6, "timeUnit": "hours" });
        let update = json!({ "connectionId": connection, "syncSchema": schema(), "status": "active",
                             "scheduleType": "basic", "scheduleData": { "basicSchedule": six_hours } });
        let updated = app.ok("connections/update", update).await;
        assert_eq!(updated["schedule"], six_hours);
        assert_eq!(updated["scheduleType"], "basic");
        assert_reads(&app, &workspace, &connection,
                     (six_hours.clone(), "basic", json!({ "basicSchedule": six_hours }))).await;

        // Back to cron, in another zone, expression trimmed.
        let weekdays = json!({ "cronExpression": " 0 0 12 ? * MON-FRI ", "cronTimeZone": "America/New_York" });
        let update = json!({ "connectionId": connection, "syncSchema": schema(), "status": "inactive",
                             "scheduleType": "cron", "scheduleData": { "cron": weekdays } });
        let updated = app.ok("connections/update", update).await;
        let stored = json!({ "cron": { "cronExpression": "0 0 12 ? * MON-FRI", "cronTimeZone": "America/New_York" } });
        assert_eq!(updated["scheduleData"], stored);
        assert_reads(&app, &workspace, &connection, (Value::Null, "cron", stored)).await;

        // Manual in the later form: neither schedule nor scheduleData.
        let update = json!({ "connectionId": connection, "syncSchema": schema(), "status": "active",
                             "scheduleType": "manual" });
        app.ok("connections/update", update).await;
        assert_reads(&app, &workspace, &connection, (Value::Null, "manual", Value::Null)).await;
    }

    async fn the_2020_form_reads_in_both(app: TestApp) {
        let (workspace, source, destination) = fixtures::pair(&app, "Basic").await;
        // A 2020 client: `schedule` only, and reads keep it.
        let created = fixtures::connection(&app, &source, &destination).await;
        let connection = id(&created, "connectionId");
        let six_hours = json!({ "units": 6, "timeUnit": "hours" });
        assert_reads(&app, &workspace, &connection,
                     (six_hours.clone(), "basic", json!({ "basicSchedule": six_hours }))).await;
        // Both forms, agreeing, are fine.
        let both = create_body(&source, &destination, json!({
            "schedule": six_hours, "scheduleType": "basic", "scheduleData": { "basicSchedule": six_hours }
        }));
        assert_eq!(app.ok("connections/create", both).await["schedule"], six_hours);
        // A 2020 update without a schedule makes a cron connection manual, as it always did.
        let cron = app
            .ok("connections/create",
                create_body(&source, &destination,
                            json!({ "scheduleType": "cron", "scheduleData": { "cron": nightly() } })))
            .await;
        let cron = id(&cron, "connectionId");
        let update = json!({ "connectionId": cron, "syncSchema": schema(), "status": "active" });
        let updated = app.ok("connections/update", update).await;
        assert_eq!(updated["scheduleType"], "manual");
        assert!(updated.get("scheduleData").is_none() && updated.get("schedule").is_none());
        // And a 2020 update with one makes it basic.
        let update = json!({ "connectionId": cron, "syncSchema": schema(), "status": "active",
                             "schedule": { "units": 1, "timeUnit": "days" } });
        let updated = app.ok("connections/update", update).await;
        assert_eq!(updated["scheduleType"], "basic");
        assert_eq!(updated["scheduleData"], json!({ "basicSchedule": { "units": 1, "timeUnit": "days" } }));
    }

    async fn invalid_cron_schedules_are_422s(app: TestApp) {
        let (_, source, destination) = fixtures::pair(&app, "Invalid").await;
        let cron = |expression: &str, zone: &str| json!({
            "scheduleType": "cron",
            "scheduleData": { "cron": { "cronExpression": expression, "cronTimeZone": zone } }
        });
        let expression = "scheduleData.cron.cronExpression";
        let zone = "scheduleData.cron.cronTimeZone";
        let six_hours = json!({ "units": 6, "timeUnit": "hours" });
        let cases = [
            (cron("not a cron", "UTC"), expression, "6 or 7 fields"),
            (cron("0 12 * * *", "UTC"), expression, "6 or 7 fields"),
            (cron("0 0 25 * * ?", "UTC"), expression, "not a valid cron expression"),
            (cron("0 0 12 ? * 9", "UTC"), expression, "not a valid cron expression"),
            (cron("* * * * * ?", "UTC"), expression, "more than once a minute"),
            (cron("*/10 * * * * ?", "UTC"), expression, "more than once a minute"),
            (cron("0 0 12 1 * MON", "UTC"), expression, "day-of-week"),
            (cron("0 0 0 30 2 ?", "UTC"), expression, "never fires"),
            (cron("0 0 12 * * ?", "Mars/Olympus"), zone, "IANA"),
            (cron("0 0 12 * * ?", "europe/berlin"), zone, "IANA"),
            (cron("0 0 12 * * ?", ""), zone, "IANA"),
            (json!({ "scheduleType": "cron" }), "scheduleData.cron", "required"),
            (json!({ "scheduleType": "cron", "scheduleData": { "cron": { "cronTimeZone": "UTC" } } }),
             expression, ""),
            (json!({ "scheduleType": "cron", "scheduleData": { "cron": { "cronExpression": "0 0 12 * * ?" } } }),
             zone, ""),
            (json!({ "scheduleType": "hourly" }), "scheduleType", ""),
            (json!({ "scheduleType": "basic" }), "scheduleData.basicSchedule", "required"),
            (json!({ "scheduleType": "basic", "scheduleData": { "basicSchedule": { "units": 0, "timeUnit": "hours" } } }),
             "scheduleData.basicSchedule.units", ""),
            // Forms that disagree.
            (json!({ "scheduleType": "cron", "schedule": six_hours, "scheduleData": { "cron": nightly() } }),
             "schedule", "absent"),
            (json!({ "schedule": six_hours, "scheduleData": { "cron": nightly() } }), "schedule", "absent"),
            (json!({ "scheduleType": "manual", "schedule": six_hours }), "schedule", "absent"),
            (json!({ "scheduleType": "manual", "scheduleData": { "cron": nightly() } }),
             "scheduleData.cron", "absent"),
            (json!({ "scheduleType": "basic", "scheduleData": { "cron": nightly() } }),
             "scheduleData.cron", "absent"),
            (json!({ "scheduleType": "cron", "scheduleData": { "basicSchedule": six_hours, "cron": nightly() } }),
             "scheduleData.basicSchedule", "absent"),
            (json!({ "scheduleData": { "basicSchedule": six_hours, "cron": nightly() } }), "scheduleData", "both"),
            (json!({ "schedule": { "units": 1, "timeUnit": "hours" }, "scheduleType": "basic",
                     "scheduleData": { "basicSchedule": six_hours } }), "schedule", "disagrees"),
        ];
        for (extra, path, says) in cases {
            let reply = app.post("connections/create", create_body(&source, &destination, extra.clone())).await;
            assert_invalid(&reply, path);
            assert!(reply.body["message"].as_str().unwrap_or_default().contains(says), "{extra}: {}", reply.body);
        }
        // The same rules on update, and a refused update changes nothing.
        let created = app
            .ok("connections/create",
                create_body(&source, &destination,
                            json!({ "scheduleType": "cron", "scheduleData": { "cron": nightly() } })))
            .await;
        let connection = id(&created, "connectionId");
        let update = |extra: Value| {
            let mut body = json!({ "connectionId": connection, "syncSchema": { "streams": [] }, "status": "active" });
            for (key, value) in extra.as_object().expect("object") {
                body[key] = value.clone();
            }
            body
        };
        let reply = app.post("connections/update", update(cron("0 0 12 * * ?", "Nowhere/Land"))).await;
        assert_invalid(&reply, zone);
        let reply = app.post("connections/update", update(cron("0/5 * * * * ?", "UTC"))).await;
        assert_invalid(&reply, expression);
        let reply = app
            .post("connections/update", update(json!({ "scheduleType": "cron", "schedule": six_hours,
                                                        "scheduleData": { "cron": nightly() } })))
            .await;
        assert_invalid(&reply, "schedule");
        let read = app.ok("connections/get", json!({ "connectionId": connection })).await;
        assert_eq!(read, created);
    }
}
