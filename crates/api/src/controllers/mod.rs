//! Handlers. The operation `/v1/<resource>/<verb>` is served from `<resource>/<verb>.rs`
//! (`web_backend/<resource>/<verb>.rs` for `/v1/web_backend/...`), one endpoint per file;
//! `/v1/health` and `/v1/debug`, which have no verb, from `health.rs` and `debug.rs`.
//! A handler translates HTTP: its extractor checks the body and the caller's permission, it
//! calls a rule (`crate::app`) or, when there is nothing to decide, a store, and shapes
//! the answer. Its doc comment is the operation's summary (first line) and description.
//!
//! [`register`] is the only list of endpoints: it adds each route and its OpenAPI entry in
//! the same call, so the two cannot drift.

pub mod applications;
pub mod connections;
pub mod console;
pub mod debug;
pub mod destination_definition_specifications;
pub mod destination_definitions;
pub mod destinations;
pub mod health;
pub mod jobs;
pub mod metrics;
pub mod notification_deliveries;
pub mod notification_webhooks;
pub mod notifications;
pub mod organizations;
pub mod permissions;
pub mod source_definition_specifications;
pub mod source_definitions;
pub mod sources;
pub mod users;
pub mod web_backend;
pub mod workspaces;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::liveness::liveness)
        .service(debug::debug)
        .service(metrics::metrics)
        .service(workspaces::create::create_workspace)
        .service(workspaces::get::get_workspace)
        .service(workspaces::get_by_slug::get_workspace_by_slug)
        .service(workspaces::list::list_workspaces)
        .service(workspaces::update::update_workspace)
        .service(workspaces::delete::delete_workspace)
        .service(workspaces::stats::workspace_stats)
        .service(workspaces::duplicate::duplicate_workspace)
        .service(web_backend::workspaces::list::web_backend_list_workspaces)
        .service(workspaces::export::export_workspace)
        .service(workspaces::import::import_workspace)
        .service(workspaces::sync_from_remote::sync_workspaces_from_remote)
        .service(organizations::create::create_organization)
        .service(organizations::get::get_organization)
        .service(organizations::list::list_organizations)
        .service(organizations::update::update_organization)
        .service(organizations::delete::delete_organization);
    register_definitions(cfg);
    register_actors(cfg);
    register_connections(cfg);
    register_connectors(cfg);
    register_jobs(cfg);
    register_identity(cfg);
    register_notifications(cfg);
}

fn register_notifications(cfg: &mut ServiceConfig) {
    use notification_webhooks as w;
    cfg.service(w::create::create_notification_webhook)
        .service(w::get::get_notification_webhook)
        .service(w::list::list_notification_webhooks)
        .service(w::update::update_notification_webhook)
        .service(w::delete::delete_notification_webhook)
        .service(notifications::try_webhook::try_notification_webhook)
        .service(notification_deliveries::list::list_notification_deliveries);
}

fn register_identity(cfg: &mut ServiceConfig) {
    cfg.service(users::create::create_user)
        .service(users::get::get_user)
        .service(users::get_by_email::get_user_by_email)
        .service(users::list::list_users)
        .service(users::update::update_user)
        .service(users::delete::delete_user)
        .service(users::list_access_info_by_workspace_id::list_access_info_by_workspace_id)
        .service(permissions::create::create_permission)
        .service(permissions::get::get_permission)
        .service(permissions::update::update_permission)
        .service(permissions::delete::delete_permission)
        .service(permissions::list_by_user::list_permissions_by_user)
        .service(permissions::check::check_permissions)
        .service(applications::create::create_application)
        .service(applications::list::list_applications)
        .service(applications::delete::delete_application)
        .service(applications::token::application_token_request);
}

fn register_definitions(cfg: &mut ServiceConfig) {
    use destination_definitions as d;
    use source_definitions as s;
    cfg.service(s::create::create_source_definition)
        .service(s::get::get_source_definition)
        .service(s::list::list_source_definitions)
        .service(s::update::update_source_definition)
        .service(s::delete::delete_source_definition)
        .service(d::create::create_destination_definition)
        .service(d::get::get_destination_definition)
        .service(d::list::list_destination_definitions)
        .service(d::update::update_destination_definition)
        .service(d::delete::delete_destination_definition);
}

fn register_actors(cfg: &mut ServiceConfig) {
    cfg.service(sources::create::create_source)
        .service(sources::get::get_source)
        .service(sources::list::list_sources)
        .service(sources::update::update_source)
        .service(sources::delete::delete_source)
        .service(destinations::create::create_destination)
        .service(destinations::get::get_destination)
        .service(destinations::list::list_destinations)
        .service(destinations::update::update_destination)
        .service(destinations::delete::delete_destination);
}

/// The endpoints that run a connector.
fn register_connectors(cfg: &mut ServiceConfig) {
    use web_backend::{destinations as wb_d, sources as wb_s};
    cfg.service(source_definition_specifications::get::get_source_definition_specification)
        .service(
            destination_definition_specifications::get::get_destination_definition_specification,
        )
        .service(sources::check_connection::check_connection_to_source)
        .service(destinations::check_connection::check_connection_to_destination)
        .service(sources::discover_schema::discover_schema_for_source)
        .service(wb_s::create::web_backend_create_source)
        .service(wb_s::recreate::web_backend_recreate_source)
        .service(wb_d::create::web_backend_create_destination)
        .service(wb_d::recreate::web_backend_recreate_destination)
        .service(web_backend::workspaces::create::web_backend_create_workspace);
}

fn register_connections(cfg: &mut ServiceConfig) {
    cfg.service(connections::create::create_connection)
        .service(connections::get::get_connection)
        .service(connections::list::list_connections)
        .service(connections::update::update_connection)
        .service(connections::delete::delete_connection)
        .service(web_backend::connections::get::web_backend_get_connection)
        .service(web_backend::connections::list::web_backend_list_connections);
}

fn register_jobs(cfg: &mut ServiceConfig) {
    cfg.service(connections::sync::sync_connection)
        .service(connections::reset::reset_connection)
        .service(jobs::get::get_job)
        .service(jobs::list::list_jobs)
        .service(jobs::cancel::cancel_job);
}
