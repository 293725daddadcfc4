//! Handlers, one module per resource. [`register`] is the only list of endpoints: it adds
//! each route and its OpenAPI entry in the same call, so the two cannot drift.

pub mod actors;
pub mod applications;
pub mod connections;
pub mod connectors;
pub mod definitions;
pub mod jobs;
pub mod organizations;
pub mod permissions;
pub mod system;
pub mod users;
pub mod web_backend;
pub mod workspaces;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(system::health)
        .service(system::liveness)
        .service(system::debug)
        .service(workspaces::create::create_workspace)
        .service(workspaces::get::get_workspace)
        .service(workspaces::get_by_slug::get_workspace_by_slug)
        .service(workspaces::list::list_workspaces)
        .service(workspaces::update::update_workspace)
        .service(workspaces::delete::delete_workspace)
        .service(workspaces::stats::workspace_stats)
        .service(workspaces::duplicate::duplicate_workspace)
        .service(organizations::create_organization)
        .service(organizations::get_organization)
        .service(organizations::list_organizations)
        .service(organizations::update_organization)
        .service(organizations::delete_organization);
    register_definitions(cfg);
    register_actors(cfg);
    register_connections(cfg);
    register_connectors(cfg);
    register_jobs(cfg);
    register_identity(cfg);
}

fn register_identity(cfg: &mut ServiceConfig) {
    cfg.service(users::create_user)
        .service(users::get_user)
        .service(users::get_user_by_email)
        .service(users::list_users)
        .service(users::update_user)
        .service(users::delete_user)
        .service(users::list_access_info_by_workspace_id)
        .service(permissions::create_permission)
        .service(permissions::get_permission)
        .service(permissions::update_permission)
        .service(permissions::delete_permission)
        .service(permissions::list_permissions_by_user)
        .service(permissions::check_permissions)
        .service(applications::create_application)
        .service(applications::list_applications)
        .service(applications::delete_application)
        .service(applications::application_token_request);
}

fn register_definitions(cfg: &mut ServiceConfig) {
    use definitions::{destination as d, source as s};
    cfg.service(s::create_source_definition)
        .service(s::get_source_definition)
        .service(s::list_source_definitions)
        .service(s::update_source_definition)
        .service(s::delete_source_definition)
        .service(d::create_destination_definition)
        .service(d::get_destination_definition)
        .service(d::list_destination_definitions)
        .service(d::update_destination_definition)
        .service(d::delete_destination_definition);
}

fn register_actors(cfg: &mut ServiceConfig) {
    use actors::{destination as d, source as s};
    cfg.service(s::create_source)
        .service(s::get_source)
        .service(s::list_sources)
        .service(s::update_source)
        .service(s::delete_source)
        .service(d::create_destination)
        .service(d::get_destination)
        .service(d::list_destinations)
        .service(d::update_destination)
        .service(d::delete_destination);
}

fn register_connectors(cfg: &mut ServiceConfig) {
    use connectors::{destination as d, discover, source as s};
    cfg.service(s::get_source_definition_specification)
        .service(d::get_destination_definition_specification)
        .service(s::check_connection_to_source)
        .service(d::check_connection_to_destination)
        .service(discover::discover_schema_for_source)
        .service(s::web_backend_create_source)
        .service(s::web_backend_recreate_source)
        .service(d::web_backend_create_destination)
        .service(d::web_backend_recreate_destination);
}

fn register_connections(cfg: &mut ServiceConfig) {
    cfg.service(connections::create::create_connection)
        .service(connections::get::get_connection)
        .service(connections::list::list_connections)
        .service(connections::update::update_connection)
        .service(connections::delete::delete_connection)
        .service(web_backend::connections::web_backend_get_connection)
        .service(web_backend::connections::web_backend_list_connections);
}

fn register_jobs(cfg: &mut ServiceConfig) {
    cfg.service(jobs::sync_connection)
        .service(jobs::reset_connection)
        .service(jobs::get_job)
        .service(jobs::list_jobs)
        .service(jobs::cancel_job);
}
