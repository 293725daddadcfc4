//! The OpenAPI document: its fixed parts here, its paths and schemas collected from the
//! handlers as they are registered.

use crate::error::{ErrorResponse, InvalidInputProperty};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Paths, Server};
use utoipa::OpenApi;

/// The prefix every route is served under, so that a client generated from Airbyte's spec
/// works unchanged at `http://localhost:8001/api/v1/...`.
pub const BASE_PATH: &str = "/api";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ferry Configuration API",
        description = "Ferry is a wire-compatible implementation of the Airbyte Configuration API.\n\n\
            Conventions: every operation is `POST /api/v1/<resource>/<verb>` with a JSON body \
            (except `GET` health and debug); errors share one envelope (`ErrorResponse`); ids \
            are UUIDs; timestamps are RFC 3339 UTC; deletes are soft. See docs/API-DESIGN.md.",
        license(name = "MIT", url = "https://opensource.org/licenses/MIT"),
    ),
    components(schemas(ErrorResponse, InvalidInputProperty)),
    tags(
        (name = "organization", description = "Organizations, which hold workspaces."),
        (name = "workspace", description = "Workspace related resources."),
        (name = "source_definition", description = "SourceDefinition related resources."),
        (name = "destination_definition", description = "DestinationDefinition related resources."),
        (name = "source_definition_specification", description = "SourceDefinition specification related resources."),
        (name = "destination_definition_specification", description = "DestinationDefinitionSpecification related resources."),
        (name = "source", description = "Source related resources."),
        (name = "destination", description = "Destination related resources."),
        (name = "connection", description = "Connection between sources and destinations."),
        (name = "web_backend", description = "Reads shaped for web front ends."),
        (name = "jobs", description = "Jobs: syncs and resets, their attempts and logs."),
        (name = "user", description = "Users: who may call."),
        (name = "permission", description = "Permissions: a user's role over the instance, an organization or a workspace."),
        (name = "applications", description = "Applications: client credentials, exchanged for access tokens."),
        (name = "health", description = "Healthchecks"),
        (name = "debugging", description = "Debugging information"),
    )
)]
struct Base;

pub fn base() -> Document {
    Base::openapi()
}

/// Moves the `/api` prefix from every path into `servers`, so that paths read exactly as in
/// the contract (`/v1/workspaces/get`) and a generated client's base URL is `.../api`.
pub fn finish(mut document: Document) -> Document {
    let mut paths = Paths::new();
    for (path, item) in std::mem::take(&mut document.paths.paths) {
        let path = path
            .strip_prefix(BASE_PATH)
            .map(str::to_string)
            .unwrap_or(path);
        paths.paths.insert(path, item);
    }
    document.paths = paths;
    document.servers = Some(vec![Server::new(BASE_PATH)]);
    document.info.version = env!("CARGO_PKG_VERSION").to_string();
    add_security(&mut document);
    document
}

/// Bearer tokens (from `applications/token`) and HTTP Basic (the configured instance
/// administrator), required by every operation that does not say otherwise (`security: [{}]`
/// on `health` and `applications/token`).
fn add_security(document: &mut Document) {
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearerAuth",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("An access token from applications/token."))
                .build(),
        ),
    );
    components.add_security_scheme(
        "basicAuth",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some(
                    "The instance administrator set in configuration (auth.basic_username).",
                ))
                .build(),
        ),
    );
    document.security = Some(vec![
        SecurityRequirement::new("bearerAuth", Vec::<String>::new()),
        SecurityRequirement::new("basicAuth", Vec::<String>::new()),
    ]);
}
