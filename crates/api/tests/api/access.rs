//! The access walk: every operation of the served OpenAPI document, with auth on, called
//! without credentials (401), by a user with no access to its target (404, or 403 for
//! instance-wide operations), by a workspace reader when it writes (403), and by a user with
//! the role it needs (success). An operation without a case here fails the walk, and one
//! whose handler declares no permission fails it too (it answers the outsider).

use crate::fixtures::{self, id, schema};
use crate::support::{TestApp, FIXTURE_DESTINATION, FIXTURE_SOURCE};
use ferry_api::auth::provision;
use ferry_domain::ids::UserId;
use serde_json::{json, Value};

/// A user with a token.
#[derive(Clone)]
struct Member {
    user_id: String,
    email: String,
    header: String,
}

struct World {
    organization: String,
    workspace: String,
    slug: String,
    source_definition: String,
    destination_definition: String,
    source: String,
    destination: String,
    connection: String,
    job: i64,
    webhook: String,
    reader_permission: String,
    outsider: Member,
    reader: Member,
    runner: Member,
    editor: Member,
    workspace_admin: Member,
    organization_member: Member,
    organization_editor: Member,
    organization_admin: Member,
}

/// What an operation needs, as the walk expects it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Need {
    /// No credentials.
    Public,
    /// Any authenticated user (lists narrow themselves).
    Anyone,
    /// The instance administrator; nothing to hide, so others get 403.
    Instance,
    /// The instance administrator, on an organization the reader can see as a member.
    InstanceOnOrganization,
    /// At least this role on the workspace (organization roles count).
    Workspace(Level),
    /// At least this role on the organization.
    Organization(Level),
    /// The user itself (or the administrator).
    Own,
    /// The administrator only, on a user: the user itself gets 403, others 404.
    InstanceOnUser,
}

#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
enum Level {
    Member,
    Reader,
    Runner,
    Editor,
    Admin,
}

/// Who makes a call: nobody, the Basic administrator, or a user.
#[derive(Clone, Copy)]
enum Who<'a> {
    Nobody,
    Admin,
    User(&'a Member),
}

impl Who<'_> {
    fn header(&self) -> Option<String> {
        match self {
            Who::Nobody => None,
            Who::Admin => Some(crate::support::basic_admin()),
            Who::User(member) => Some(member.header.clone()),
        }
    }
}

async fn user(app: &TestApp, name: &str, grant: Option<(&str, &str)>) -> Member {
    let email = format!("{name}@ferry.test");
    let created = app
        .ok("users/create", json!({ "name": name, "email": email }))
        .await;
    let user_id = id(&created, "userId");
    if let Some((permission_type, scope)) = grant {
        let field = if permission_type.starts_with("workspace") {
            "workspaceId"
        } else {
            "organizationId"
        };
        app.ok(
            "permissions/create",
            json!({ "userId": user_id, "permissionType": permission_type, field: scope }),
        )
        .await;
    }
    let token = token_for(app, &user_id).await;
    Member {
        user_id,
        email,
        header: format!("Bearer {token}"),
    }
}

/// Client credentials for a user, minted as `ferry applications create` does.
pub async fn credentials_for(app: &TestApp, user_id: &str) -> (String, String, String) {
    let user = UserId(user_id.parse().expect("a user id"));
    let mut conn = app.database.db.connection().expect("a connection");
    let application =
        provision::create_application(&mut conn, user, "walk").expect("an application");
    (
        application.id.to_string(),
        application.client_id,
        application.client_secret.expect("a secret at creation"),
    )
}

pub async fn token_for(app: &TestApp, user_id: &str) -> String {
    let (_, client_id, client_secret) = credentials_for(app, user_id).await;
    let reply = app
        .post_as(
            "applications/token",
            json!({ "client_id": client_id, "client_secret": client_secret }),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["access_token"]
        .as_str()
        .expect("a token")
        .to_string()
}

async fn world(app: &TestApp) -> World {
    let organization = id(
        &app.ok(
            "organizations/create",
            json!({ "organizationName": "Walk" }),
        )
        .await,
        "organizationId",
    );
    let created = app
        .ok(
            "workspaces/create",
            json!({ "name": "Walked", "organizationId": organization }),
        )
        .await;
    let (workspace, slug) = (id(&created, "workspaceId"), id(&created, "slug"));
    let source_definition = fixtures::source_definition(app, "Fixture").await;
    let destination_definition = fixtures::destination_definition(app, "Fixture").await;
    let source = id(
        &fixtures::source(app, &workspace, &source_definition, "s").await,
        "sourceId",
    );
    let destination = id(
        &fixtures::destination(app, &workspace, &destination_definition, "d").await,
        "destinationId",
    );
    let connection = id(
        &fixtures::connection(app, &source, &destination).await,
        "connectionId",
    );
    let job = fresh_job(app, &source, &destination).await;
    let webhook = fresh_webhook(app, &workspace).await;
    let reader = user(app, "reader", Some(("workspace_reader", &workspace))).await;
    let reader_permission = app
        .ok(
            "permissions/list_by_user",
            json!({ "userId": reader.user_id }),
        )
        .await["permissions"][0]["permissionId"]
        .as_str()
        .expect("the reader's permission")
        .to_string();
    World {
        outsider: user(app, "outsider", None).await,
        runner: user(app, "runner", Some(("workspace_runner", &workspace))).await,
        editor: user(app, "editor", Some(("workspace_editor", &workspace))).await,
        workspace_admin: user(app, "wsadmin", Some(("workspace_admin", &workspace))).await,
        organization_member: user(app, "member", Some(("organization_member", &organization)))
            .await,
        organization_editor: user(
            app,
            "orgeditor",
            Some(("organization_editor", &organization)),
        )
        .await,
        organization_admin: user(app, "orgadmin", Some(("organization_admin", &organization)))
            .await,
        reader,
        reader_permission,
        organization,
        workspace,
        slug,
        source_definition,
        destination_definition,
        source,
        destination,
        connection,
        job,
        webhook,
    }
}

/// A webhook posting to a closed port (so a test event fails at once, without traffic).
async fn fresh_webhook(app: &TestApp, workspace: &str) -> String {
    id(
        &app.ok(
            "notification_webhooks/create",
            json!({ "workspaceId": workspace, "url": "http://127.0.0.1:9/walk",
                    "notificationTriggers": ["sync_failure"] }),
        )
        .await,
        "webhookId",
    )
}

async fn fresh_connection(app: &TestApp, source: &str, destination: &str) -> String {
    id(
        &fixtures::connection(app, source, destination).await,
        "connectionId",
    )
}

async fn fresh_job(app: &TestApp, source: &str, destination: &str) -> i64 {
    let connection = fresh_connection(app, source, destination).await;
    app.ok("connections/sync", json!({ "connectionId": connection }))
        .await["job"]["id"]
        .as_i64()
        .expect("a job id")
}

fn source_body(w: &World) -> Value {
    json!({
        "workspaceId": w.workspace, "sourceDefinitionId": w.source_definition, "name": "new",
        "connectionConfiguration": { "count": 1 }
    })
}

fn destination_body(w: &World) -> Value {
    json!({
        "workspaceId": w.workspace, "destinationDefinitionId": w.destination_definition,
        "name": "new", "connectionConfiguration": { "destination_path": "walk" }
    })
}

fn definition_body(repository: &str, name: &str) -> Value {
    json!({
        "name": name, "dockerRepository": repository, "dockerImageTag": "0.1.0",
        "documentationUrl": "https://example.com/docs"
    })
}

/// A fresh user the administrator may act on.
async fn fresh_user(app: &TestApp) -> String {
    let email = format!("{}@ferry.test", uuid::Uuid::new_v4());
    id(
        &app.ok("users/create", json!({ "name": "fresh", "email": email }))
            .await,
        "userId",
    )
}

/// A fresh permission on the walk's workspace.
async fn fresh_permission(app: &TestApp, w: &World) -> String {
    let user = fresh_user(app).await;
    id(
        &app.ok(
            "permissions/create",
            json!({ "userId": user, "permissionType": "workspace_reader", "workspaceId": w.workspace }),
        )
        .await,
        "permissionId",
    )
}

/// The requirement of an operation and a request body for it. `me` is the user an
/// operation on a user's own objects targets. None: the walk has no case for it.
async fn case(app: &TestApp, w: &World, operation: &str, me: &Member) -> Option<(Need, Value)> {
    use Level::*;
    use Need::*;
    let c = |need: Need, body: Value| Some((need, body));
    match operation {
        "getHealthCheck" | "getLiveness" => c(Public, Value::Null),
        "getDebuggingInfo" | "getMetrics" => c(Instance, Value::Null),

        "applicationTokenRequest" => {
            let (_, client_id, client_secret) = credentials_for(app, &w.reader.user_id).await;
            c(
                Public,
                json!({ "client_id": client_id, "client_secret": client_secret }),
            )
        }
        "createApplication" => c(Anyone, json!({ "name": "mine" })),
        "listApplications" => c(Anyone, json!({})),
        "deleteApplication" => {
            let (application, ..) = credentials_for(app, &me.user_id).await;
            c(Own, json!({ "applicationId": application }))
        }

        "createUser" => {
            let email = format!("{}@ferry.test", uuid::Uuid::new_v4());
            c(Instance, json!({ "name": "new", "email": email }))
        }
        "getUser" => c(Own, json!({ "userId": me.user_id })),
        "getUserByEmail" => c(Own, json!({ "email": me.email.to_uppercase() })),
        "updateUser" => c(Own, json!({ "userId": me.user_id, "name": "renamed" })),
        "listUsers" => c(Anyone, json!({})),
        "deleteUser" => c(InstanceOnUser, json!({ "userId": me.user_id })),
        "listAccessInfoByWorkspaceId" => {
            c(Workspace(Reader), json!({ "workspaceId": w.workspace }))
        }

        "createPermission" => {
            let user = fresh_user(app).await;
            c(
                Workspace(Admin),
                json!({ "userId": user, "permissionType": "workspace_reader", "workspaceId": w.workspace }),
            )
        }
        "getPermission" => c(
            Workspace(Admin),
            json!({ "permissionId": w.reader_permission }),
        ),
        "updatePermission" => {
            let permission = fresh_permission(app, w).await;
            c(
                Workspace(Admin),
                json!({ "permissionId": permission, "permissionType": "workspace_runner" }),
            )
        }
        "deletePermission" => {
            let permission = fresh_permission(app, w).await;
            c(Workspace(Admin), json!({ "permissionId": permission }))
        }
        "listPermissionsByUser" => c(Own, json!({ "userId": me.user_id })),
        "checkPermissions" => c(
            Own,
            json!({ "userId": me.user_id, "permissionType": "workspace_reader", "workspaceId": w.workspace }),
        ),

        "createOrganization" => c(Instance, json!({ "organizationName": "another" })),
        "getOrganization" => c(
            Organization(Member),
            json!({ "organizationId": w.organization }),
        ),
        "listOrganizations" => c(Anyone, json!({})),
        "updateOrganization" => c(
            Organization(Admin),
            json!({ "organizationId": w.organization, "organizationName": "Walk" }),
        ),
        "deleteOrganization" => {
            let organization = id(
                &app.ok(
                    "organizations/create",
                    json!({ "organizationName": "doomed" }),
                )
                .await,
                "organizationId",
            );
            // The reader sees it (as a member), so it is refused rather than hidden.
            app.ok(
                "permissions/create",
                json!({ "userId": w.reader.user_id, "permissionType": "organization_member",
                        "organizationId": organization }),
            )
            .await;
            c(
                InstanceOnOrganization,
                json!({ "organizationId": organization }),
            )
        }

        "createWorkspace" => c(
            Organization(Editor),
            json!({ "name": "made", "organizationId": w.organization }),
        ),
        "webBackendCreateWorkspace" => c(
            Organization(Editor),
            json!({ "name": "set up", "organizationId": w.organization,
                    "source": { "sourceDefinitionId": w.source_definition, "name": "s",
                                "connectionConfiguration": { "count": 1 } },
                    "destination": { "destinationDefinitionId": w.destination_definition, "name": "d",
                                     "connectionConfiguration": { "destination_path": "walk" } },
                    "connection": { "syncMode": "full_refresh" } }),
        ),
        "getWorkspace" => c(Workspace(Reader), json!({ "workspaceId": w.workspace })),
        "getWorkspaceBySlug" => c(Workspace(Reader), json!({ "slug": w.slug })),
        "listWorkspaces" => c(Anyone, json!({})),
        "updateWorkspace" => c(
            Workspace(Admin),
            json!({ "workspaceId": w.workspace, "name": "Walked" }),
        ),
        "deleteWorkspace" => {
            let doomed = id(
                &app.ok(
                    "workspaces/create",
                    json!({ "name": "doomed", "organizationId": w.organization }),
                )
                .await,
                "workspaceId",
            );
            for (user, role) in [
                (&w.reader, "workspace_reader"),
                (&w.workspace_admin, "workspace_admin"),
            ] {
                app.ok(
                    "permissions/create",
                    json!({ "userId": user.user_id, "permissionType": role, "workspaceId": doomed }),
                )
                .await;
            }
            c(Workspace(Admin), json!({ "workspaceId": doomed }))
        }
        // Copies the workspace, secrets and members included: admin over it and its organization.
        "duplicateWorkspace" => c(
            Organization(Admin),
            json!({ "workspaceId": w.workspace, "name": "copy" }),
        ),
        "webBackendListWorkspaces" => c(Anyone, json!({})),
        // Without secrets a reader's export; includeSecrets needs admin (workspace_transfer.rs).
        "exportWorkspace" => c(Workspace(Reader), json!({ "workspaceId": w.workspace })),
        // What workspaces/create needs, in the organization it goes to.
        "importWorkspace" => {
            let document = app
                .ok("workspaces/export", json!({ "workspaceId": w.workspace }))
                .await;
            c(
                Organization(Editor),
                json!({ "document": document, "organizationId": w.organization, "name": "imported" }),
            )
        }
        // The app itself as the other server: everything it lists is known, nothing is made.
        "syncWorkspacesFromRemote" => c(
            Instance,
            json!({ "url": app.server.url("/api"), "organizationId": w.organization,
                    "authorization": { "type": "basic", "username": crate::support::BASIC_USER,
                                       "password": crate::support::BASIC_PASSWORD } }),
        ),
        "getWorkspaceStats" => c(
            Organization(Reader),
            json!({ "organizationId": w.organization }),
        ),

        "createSourceDefinition" => c(Instance, definition_body(FIXTURE_SOURCE, "another")),
        "getSourceDefinition" => c(Anyone, json!({ "sourceDefinitionId": w.source_definition })),
        "listSourceDefinitions" => c(Anyone, json!({})),
        "updateSourceDefinition" => c(
            Instance,
            json!({ "sourceDefinitionId": w.source_definition, "dockerImageTag": "0.1.0" }),
        ),
        "deleteSourceDefinition" => {
            let doomed = fixtures::source_definition(app, "doomed").await;
            c(Instance, json!({ "sourceDefinitionId": doomed }))
        }
        "getSourceDefinitionSpecification" => {
            c(Anyone, json!({ "sourceDefinitionId": w.source_definition }))
        }
        "createDestinationDefinition" => {
            c(Instance, definition_body(FIXTURE_DESTINATION, "another"))
        }
        "getDestinationDefinition" => c(
            Anyone,
            json!({ "destinationDefinitionId": w.destination_definition }),
        ),
        "listDestinationDefinitions" => c(Anyone, json!({})),
        "updateDestinationDefinition" => c(
            Instance,
            json!({ "destinationDefinitionId": w.destination_definition, "dockerImageTag": "0.1.0" }),
        ),
        "deleteDestinationDefinition" => {
            let doomed = fixtures::destination_definition(app, "doomed").await;
            c(Instance, json!({ "destinationDefinitionId": doomed }))
        }
        "getDestinationDefinitionSpecification" => c(
            Anyone,
            json!({ "destinationDefinitionId": w.destination_definition }),
        ),

        "createSource" | "webBackendCreateSource" => c(Workspace(Editor), source_body(w)),
        "getSource" => c(Workspace(Reader), json!({ "sourceId": w.source })),
        "listSourcesForWorkspace" => c(Workspace(Reader), json!({ "workspaceId": w.workspace })),
        "updateSource" => c(
            Workspace(Editor),
            json!({ "sourceId": w.source, "name": "s", "connectionConfiguration": { "count": 100, "seed": 7 } }),
        ),
        "deleteSource" => {
            let doomed = fixtures::source(app, &w.workspace, &w.source_definition, "doomed").await;
            c(
                Workspace(Editor),
                json!({ "sourceId": id(&doomed, "sourceId") }),
            )
        }
        "checkConnectionToSource" | "discoverSchemaForSource" => {
            c(Workspace(Runner), json!({ "sourceId": w.source }))
        }
        "webBackendRecreateSource" => {
            let doomed = fixtures::source(app, &w.workspace, &w.source_definition, "old").await;
            let mut body = source_body(w);
            body["sourceId"] = doomed["sourceId"].clone();
            c(Workspace(Editor), body)
        }

        "createDestination" | "webBackendCreateDestination" => {
            c(Workspace(Editor), destination_body(w))
        }
        "getDestination" => c(Workspace(Reader), json!({ "destinationId": w.destination })),
        "listDestinationsForWorkspace" => {
            c(Workspace(Reader), json!({ "workspaceId": w.workspace }))
        }
        "updateDestination" => c(
            Workspace(Editor),
            json!({ "destinationId": w.destination, "name": "d",
                    "connectionConfiguration": { "destination_path": "out" } }),
        ),
        "deleteDestination" => {
            let doomed =
                fixtures::destination(app, &w.workspace, &w.destination_definition, "doomed").await;
            c(
                Workspace(Editor),
                json!({ "destinationId": id(&doomed, "destinationId") }),
            )
        }
        "checkConnectionToDestination" => {
            c(Workspace(Runner), json!({ "destinationId": w.destination }))
        }
        "webBackendRecreateDestination" => {
            let doomed =
                fixtures::destination(app, &w.workspace, &w.destination_definition, "old").await;
            let mut body = destination_body(w);
            body["destinationId"] = doomed["destinationId"].clone();
            c(Workspace(Editor), body)
        }

        "createConnection" => c(
            Workspace(Editor),
            json!({ "sourceId": w.source, "destinationId": w.destination, "syncMode": "full_refresh",
                    "syncSchema": schema(), "status": "inactive" }),
        ),
        "getConnection" | "webBackendGetConnection" => {
            c(Workspace(Reader), json!({ "connectionId": w.connection }))
        }
        "listConnectionsForWorkspace" | "webBackendListConnectionsForWorkspace" => {
            c(Workspace(Reader), json!({ "workspaceId": w.workspace }))
        }
        "updateConnection" => c(
            Workspace(Editor),
            json!({ "connectionId": w.connection, "syncSchema": schema(), "status": "active" }),
        ),
        "deleteConnection" => {
            let doomed = fresh_connection(app, &w.source, &w.destination).await;
            c(Workspace(Editor), json!({ "connectionId": doomed }))
        }
        "syncConnection" | "resetConnection" => {
            let connection = fresh_connection(app, &w.source, &w.destination).await;
            c(Workspace(Runner), json!({ "connectionId": connection }))
        }

        "getJobInfo" => c(Workspace(Reader), json!({ "id": w.job })),
        "listJobsFor" => c(
            Workspace(Reader),
            json!({ "configType": "sync", "configId": w.connection }),
        ),
        "createNotificationWebhook" => c(
            Workspace(Admin),
            json!({ "workspaceId": w.workspace, "url": "http://127.0.0.1:9/new",
                    "notificationTriggers": ["sync_success"] }),
        ),
        "getNotificationWebhook" | "tryNotificationWebhookConfig" => {
            c(Workspace(Admin), json!({ "webhookId": w.webhook }))
        }
        "listNotificationWebhooks" => c(Workspace(Admin), json!({ "workspaceId": w.workspace })),
        "updateNotificationWebhook" => c(
            Workspace(Admin),
            json!({ "webhookId": w.webhook, "name": "walked" }),
        ),
        "deleteNotificationWebhook" => {
            let doomed = fresh_webhook(app, &w.workspace).await;
            c(Workspace(Admin), json!({ "webhookId": doomed }))
        }
        // The log holds no secret: whoever reads the workspace reads it.
        "listNotificationDeliveries" => c(Workspace(Reader), json!({ "workspaceId": w.workspace })),
        "cancelJob" => {
            let job = fresh_job(app, &w.source, &w.destination).await;
            c(Workspace(Runner), json!({ "id": job }))
        }
        _ => None,
    }
}

/// Calls an operation as someone.
async fn call(app: &TestApp, method: &str, path: &str, body: &Value, who: Who<'_>) -> (u16, Value) {
    let header = who.header();
    let reply = if method == "get" {
        app.get_as(&format!("/api{path}"), header.as_deref()).await
    } else {
        let path = path.trim_start_matches("/v1/");
        app.post_as(path, body.clone(), header.as_deref()).await
    };
    (reply.status, reply.body)
}

fn assert_status(operation: &str, who: &str, expected: u16, (status, body): &(u16, Value)) {
    assert_eq!(
        *status, expected,
        "{operation} as {who}: expected {expected}, got {status}: {body}"
    );
    let code = match expected {
        401 => "AUTHENTICATION_FAILED",
        403 => "FORBIDDEN",
        404 => "RESOURCE_NOT_FOUND",
        _ => return,
    };
    assert_eq!(body["error"], code, "{operation} as {who}: {body}");
    assert_eq!(body["statusCode"], expected, "{operation} as {who}: {body}");
    if expected == 403 {
        assert!(
            body["details"]["requiredPermission"].is_string(),
            "{operation}: a 403 names the permission required: {body}"
        );
    }
}

fn assert_success(operation: &str, who: &str, (status, body): &(u16, Value)) {
    assert!(
        (200..300).contains(status),
        "{operation} as {who}: expected success, got {status}: {body}"
    );
}

/// The user that holds exactly what `need` asks for.
fn holder(w: &World, need: Need) -> Who<'_> {
    use Level::*;
    match need {
        Need::Public => Who::Nobody,
        Need::Anyone => Who::User(&w.outsider),
        Need::Instance | Need::InstanceOnOrganization | Need::InstanceOnUser => Who::Admin,
        Need::Own => Who::User(&w.reader),
        Need::Workspace(Reader) | Need::Workspace(Member) => Who::User(&w.reader),
        Need::Workspace(Runner) => Who::User(&w.runner),
        Need::Workspace(Editor) => Who::User(&w.editor),
        Need::Workspace(Admin) => Who::User(&w.workspace_admin),
        Need::Organization(Member) => Who::User(&w.organization_member),
        Need::Organization(Reader | Runner | Editor) => Who::User(&w.organization_editor),
        Need::Organization(Admin) => Who::User(&w.organization_admin),
    }
}

async fn walk(app: &TestApp) {
    let w = world(app).await;
    let document = app.get_as("/api/openapi.json", None).await;
    assert_eq!(document.status, 200, "the document is open");
    let mut walked = 0;
    for (path, item) in document.body["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("operations") {
            let operation = operation["operationId"].as_str().expect("an operationId");
            let Some((need, _)) = case(app, &w, operation, &w.reader).await else {
                panic!(
                    "{operation} ({method} {path}) has no case in the access walk: declare its \
                     permission (the requirement type of its extractor) and add it here"
                );
            };
            if need != Need::Public {
                let (_, body) = case(app, &w, operation, &w.reader).await.expect("a case");
                let reply = call(app, method, path, &body, Who::Nobody).await;
                assert_status(operation, "nobody", 401, &reply);
                let bad = format!("{}x", w.reader.header);
                let reply = call(
                    app,
                    method,
                    path,
                    &body,
                    Who::User(&Member {
                        header: bad,
                        ..w.reader.clone()
                    }),
                )
                .await;
                assert_status(operation, "a tampered token", 401, &reply);
            }
            // Someone with no access to the target: 404 (403 where there is nothing to hide).
            let outsider_expects = match need {
                Need::Public | Need::Anyone => None,
                Need::Instance => Some(403),
                _ => Some(404),
            };
            // Operations on a user's own objects target the reader's when the outsider calls.
            let (_, body) = case(app, &w, operation, &w.reader).await.expect("a case");
            let reply = call(app, method, path, &body, Who::User(&w.outsider)).await;
            match outsider_expects {
                Some(status) => assert_status(operation, "an outsider", status, &reply),
                None => assert_success(operation, "an outsider", &reply),
            }
            // A workspace reader on an operation that needs more: 403.
            let reader_refused = match need {
                Need::Workspace(level) => level > Level::Reader,
                // The reader sees the organization as a member.
                Need::Organization(level) => level > Level::Member,
                Need::Instance | Need::InstanceOnOrganization | Need::InstanceOnUser => true,
                Need::Public | Need::Anyone | Need::Own => false,
            };
            if reader_refused {
                let (_, body) = case(app, &w, operation, &w.reader).await.expect("a case");
                let reply = call(app, method, path, &body, Who::User(&w.reader)).await;
                assert_status(operation, "a workspace reader", 403, &reply);
            }
            // The role it needs: success. A fresh target for the administrator's user calls.
            let who = holder(&w, need);
            let me = match need {
                Need::InstanceOnUser => {
                    let id = fresh_user(app).await;
                    Member {
                        user_id: id,
                        email: String::new(),
                        header: String::new(),
                    }
                }
                _ => w.reader.clone(),
            };
            let (_, body) = case(app, &w, operation, &me).await.expect("a case");
            let reply = call(app, method, path, &body, who).await;
            assert_success(operation, &format!("{need:?}"), &reply);
            walked += 1;
        }
    }
    assert!(walked >= 73, "walked only {walked} operations");
}

on_both_backends_with_auth! {
    async fn every_operation_checks_access(app: TestApp) {
        walk(&app).await;
    }

    async fn lists_hold_only_what_the_caller_may_see(app: TestApp) {
        let w = world(&app).await;
        let elsewhere = fixtures::workspace(&app, "elsewhere").await;
        let names = |reply: Value| -> Vec<String> {
            reply["workspaces"].as_array().expect("workspaces").iter()
                .map(|ws| ws["workspaceId"].as_str().expect("id").to_string()).collect()
        };
        let as_user = |m: &Member| Some(m.header.clone());
        let listed = app.post_as("workspaces/list", json!({}), as_user(&w.outsider).as_deref()).await;
        assert_eq!(names(listed.body), Vec::<String>::new());
        let listed = app.post_as("workspaces/list", json!({}), as_user(&w.reader).as_deref()).await;
        assert_eq!(names(listed.body), vec![w.workspace.clone()]);
        // An organization role reaches every workspace of the organization, and only those.
        fixtures::id(&app.ok("workspaces/create",
            json!({ "name": "second", "organizationId": w.organization })).await, "workspaceId");
        let listed = app.post_as("workspaces/list", json!({}),
            as_user(&w.organization_editor).as_deref()).await;
        let seen = names(listed.body);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(!seen.contains(&elsewhere));
        // A member sees the organization but none of its workspaces.
        let listed = app.post_as("workspaces/list", json!({}),
            as_user(&w.organization_member).as_deref()).await;
        assert_eq!(names(listed.body), Vec::<String>::new());
        let organizations = app.post_as("organizations/list", json!({}),
            as_user(&w.organization_member).as_deref()).await;
        let ids: Vec<&str> = organizations.body["organizations"].as_array().expect("list")
            .iter().map(|o| o["organizationId"].as_str().expect("id")).collect();
        assert_eq!(ids, vec![w.organization.as_str()]);
        let organizations = app.post_as("organizations/list", json!({}),
            as_user(&w.outsider).as_deref()).await;
        assert_eq!(organizations.body["organizations"], json!([]));
        // The administrator sees everything.
        let all = names(app.ok("workspaces/list", json!({})).await);
        assert!(all.contains(&elsewhere) && all.contains(&w.workspace));
        // Members of a workspace, and through what.
        let access = app.post_as("users/list_access_info_by_workspace_id",
            json!({ "workspaceId": w.workspace }), as_user(&w.reader).as_deref()).await;
        assert_eq!(access.status, 200, "{}", access.body);
        let users = access.body["usersWithAccess"].as_array().expect("users");
        let via = |email: &str| users.iter().find(|u| u["userEmail"] == email).cloned();
        let reader = via(&w.reader.email).expect("the reader has access");
        assert_eq!(reader["workspacePermission"]["permissionType"], "workspace_reader");
        let org_admin = via(&w.organization_admin.email).expect("the organization admin too");
        assert_eq!(org_admin["organizationPermission"]["permissionType"], "organization_admin");
        assert!(via(&w.organization_member.email).is_none(), "a member has no access");
        assert!(via(&w.outsider.email).is_none());
    }
}
