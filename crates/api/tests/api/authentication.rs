//! Authentication: tokens (expiry, tampering, foreign keys, revocation), HTTP Basic, the
//! token rate limit, secrets shown once, and the guard backstop.

use crate::access::{credentials_for, token_for};
use crate::fixtures::id;
use crate::support::{basic_admin, TestApp, TEST_MAX_TOKEN_FAILURES};
use ferry_api::auth::token::SigningKey;
use ferry_domain::ids::{ApplicationId, UserId};
use serde_json::{json, Value};

async fn new_user(app: &TestApp, email: &str) -> String {
    id(
        &app.ok("users/create", json!({ "name": email, "email": email }))
            .await,
        "userId",
    )
}

fn assert_unauthenticated(reply: &crate::support::Reply, mentions: &str) {
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(reply.body["error"], "AUTHENTICATION_FAILED");
    assert_eq!(reply.body["statusCode"], 401);
    assert!(reply.headers.contains_key("www-authenticate"));
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(mentions),
        "{message} should mention {mentions}"
    );
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

on_both_backends_with_auth! {
    async fn expired_tampered_and_foreign_tokens_are_refused(app: TestApp) {
        let user = new_user(&app, "ann@ferry.test").await;
        let (application, ..) = credentials_for(&app, &user).await;
        let user_id = UserId(user.parse().unwrap());
        let application_id = ApplicationId(application.parse().unwrap());
        let me = |token: &str| format!("Bearer {token}");
        let good = app.auth.key.issue(user_id, application_id, now(), 60);
        let ok = app.post_as("users/get", json!({ "userId": user }), Some(&me(&good))).await;
        assert_eq!(ok.status, 200, "{}", ok.body);

        let expired = app.auth.key.issue(user_id, application_id, now() - 7200, 3600);
        let reply = app.post_as("users/get", json!({ "userId": user }), Some(&me(&expired))).await;
        assert_unauthenticated(&reply, "expired");

        let foreign = SigningKey::new(vec![9; 32]).issue(user_id, application_id, now(), 60);
        let reply = app.post_as("users/get", json!({ "userId": user }), Some(&me(&foreign))).await;
        assert_unauthenticated(&reply, "signature");

        // Another user's claims under this token's signature.
        let other = app.auth.key.issue(UserId::random(), application_id, now(), 60);
        let parts: Vec<&str> = good.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], other.split('.').nth(1).unwrap(), parts[2]);
        let reply = app.post_as("users/get", json!({ "userId": user }), Some(&me(&tampered))).await;
        assert_unauthenticated(&reply, "signature");

        let reply = app.post_as("users/get", json!({ "userId": user }), Some("Bearer nonsense")).await;
        assert_unauthenticated(&reply, "malformed");
        let reply = app.post_as("users/get", json!({ "userId": user }), Some("Token abc")).await;
        assert_unauthenticated(&reply, "scheme");
        let reply = app.post_as("users/get", json!({ "userId": user }), None).await;
        assert_unauthenticated(&reply, "authentication required");
        // The open parts stay open without credentials.
        assert_eq!(app.get_as("/api/v1/health", None).await.status, 200);
        assert_eq!(app.get_as("/api/openapi.json", None).await.status, 200);
        assert_eq!(app.get_as("/api/docs/", None).await.status, 200);
    }

    async fn deleted_applications_and_users_lose_their_tokens(app: TestApp) {
        let user = new_user(&app, "bob@ferry.test").await;
        let header = format!("Bearer {}", token_for(&app, &user).await);
        let created = app.post_as("applications/create", json!({ "name": "second" }), Some(&header)).await;
        assert_eq!(created.status, 200, "{}", created.body);
        let application = id(&created.body, "id");
        let token = app.post_as("applications/token", json!({
            "client_id": created.body["clientId"], "client_secret": created.body["clientSecret"]
        }), None).await;
        let second = format!("Bearer {}", token.body["access_token"].as_str().unwrap());
        assert_eq!(app.post_as("users/get", json!({ "userId": user }), Some(&second)).await.status, 200);

        let deleted = app.post_as("applications/delete", json!({ "applicationId": application }),
            Some(&header)).await;
        assert_eq!(deleted.status, 204, "{}", deleted.body);
        let reply = app.post_as("users/get", json!({ "userId": user }), Some(&second)).await;
        assert_unauthenticated(&reply, "no longer exists");
        // The first application still works, until the user goes.
        assert_eq!(app.post_as("users/get", json!({ "userId": user }), Some(&header)).await.status, 200);
        assert_eq!(app.post("users/delete", json!({ "userId": user })).await.status, 204);
        let reply = app.post_as("users/get", json!({ "userId": user }), Some(&header)).await;
        assert_unauthenticated(&reply, "no longer exists");
    }

    async fn client_secrets_are_shown_once_and_stored_hashed(app: TestApp) {
        let user = new_user(&app, "cy@ferry.test").await;
        let header = format!("Bearer {}", token_for(&app, &user).await);
        let created = app.post_as("applications/create", json!({ "name": "ci" }), Some(&header)).await;
        let secret = created.body["clientSecret"].as_str().expect("the secret, once").to_string();
        assert!(secret.len() >= 32);
        let listed = app.post_as("applications/list", json!({}), Some(&header)).await;
        assert_eq!(listed.status, 200);
        let text = listed.body.to_string();
        assert!(!text.contains(&secret), "{text}");
        assert!(listed.body["applications"].as_array().unwrap().iter()
            .all(|a| a.get("clientSecret").is_none() && a["clientId"].is_string()));
        // Another user does not see them.
        let other = new_user(&app, "dee@ferry.test").await;
        let other = format!("Bearer {}", token_for(&app, &other).await);
        let theirs = app.post_as("applications/list", json!({}), Some(&other)).await;
        assert_eq!(theirs.body["applications"].as_array().unwrap().len(), 1, "only their own");
        // Nothing in the database holds the secret itself.
        let mut conn = app.database.db.connection().unwrap();
        let stored = ferry_persistence::store::applications::credentials(
            &mut conn, created.body["clientId"].as_str().unwrap()).unwrap().unwrap().1;
        assert_ne!(stored, secret);
        assert!(!stored.contains(&secret));
    }

    async fn repeated_failed_token_requests_are_limited(app: TestApp) {
        let user = new_user(&app, "eve@ferry.test").await;
        let (_, client_id, client_secret) = credentials_for(&app, &user).await;
        let wrong = json!({ "client_id": client_id, "client_secret": "guess" });
        for _ in 0..TEST_MAX_TOKEN_FAILURES {
            let reply = app.post_as("applications/token", wrong.clone(), None).await;
            assert_unauthenticated(&reply, "client");
        }
        let right = json!({ "client_id": client_id, "client_secret": client_secret });
        let limited = app.post_as("applications/token", right, None).await;
        assert_eq!(limited.status, 429, "{}", limited.body);
        assert_eq!(limited.body["error"], "RATE_LIMITED");
        let retry_after: u64 = limited.headers.get("retry-after").expect("Retry-After")
            .to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        // Another client id is not limited.
        let other = new_user(&app, "fay@ferry.test").await;
        token_for(&app, &other).await;
    }

    async fn basic_authenticates_the_configured_administrator_only(app: TestApp) {
        let reply = app.post_as("users/list", json!({}), Some(&basic_admin())).await;
        assert_eq!(reply.status, 200);
        use base64::Engine;
        let wrong = format!("Basic {}",
            base64::engine::general_purpose::STANDARD.encode("root:not the password"));
        assert_unauthenticated(&app.post_as("users/list", json!({}), Some(&wrong)).await, "wrong");
        assert_unauthenticated(&app.post_as("users/list", json!({}), Some("Basic !!")).await, "malformed");
        // Guessing is limited per peer address, like token requests per client id.
        for _ in 1..TEST_MAX_TOKEN_FAILURES {
            let reply = app.post_as("users/list", json!({}), Some(&wrong)).await;
            assert_eq!(reply.status, 401);
        }
        let limited = app.post_as("users/list", json!({}), Some(&basic_admin())).await;
        assert_eq!(limited.status, 429, "{}", limited.body);
        assert!(limited.headers.contains_key("retry-after"));
    }

    async fn token_requests_with_a_foreign_client_id_shape_are_refused_uncounted(app: TestApp) {
        let user = new_user(&app, "gil@ferry.test").await;
        let (_, client_id, client_secret) = credentials_for(&app, &user).await;
        // The fields swapped: the secret is no client id; refused, and not held against it.
        for _ in 0..TEST_MAX_TOKEN_FAILURES + 1 {
            let swapped = json!({ "client_id": client_secret, "client_secret": client_id });
            assert_unauthenticated(&app.post_as("applications/token", swapped, None).await, "client");
        }
        let right = json!({ "client_id": client_id, "client_secret": client_secret });
        assert_eq!(app.post_as("applications/token", right, None).await.status, 200);
    }
}

/// An endpoint registered without a guard serves nothing: its response is replaced by a
/// 500 and the data never leaves.
#[actix_web::test]
async fn an_endpoint_without_a_declared_permission_is_refused() {
    use actix_web::{web, App};
    let database = crate::support::TestDatabase::new(crate::support::TestBackend::Sqlite);
    let state = ferry_api::AppState::new(database.db.clone());
    let server = actix_test::start(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .wrap(actix_web::middleware::from_fn(
                ferry_api::auth::authenticate,
            ))
            .route(
                "/api/v1/unguarded",
                web::post().to(|| async { "the crown jewels" }),
            )
    });
    let mut response = server.post("/api/v1/unguarded").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "INTERNAL_SERVER_ERROR");
    assert!(!body.to_string().contains("crown jewels"));
}
