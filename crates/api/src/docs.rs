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
            are UUIDs; timestamps are RFC 3339 UTC; deletes are soft. See docs/API-DESIGN.md.\n\n\
            Rules every request follows that the schemas cannot state (each refusal is a 422 \
            naming the property):\n\
            - No string or object key, anywhere in a body (unknown fields included), may hold \
            the NUL character (`\\u0000`).\n\
            - Integers are written as integers: `1.0` or `1e2` is not an integer here.\n\
            - Date ranges are not inverted (`createdAtTo` is not before `createdAtFrom`; \
            likewise `updatedAt*`).\n\
            - A `cursor` needs a `pageSize`.\n\
            - Stream names in a `syncSchema` are unique.\n\
            - `schedule.units` is at most about a year in its `timeUnit` (525600 minutes, 8784 \
            hours, 366 days, 53 weeks, 12 months).\n\
            - A connection's schedule is given as `schedule` or as `scheduleType` with \
            `scheduleData`; both forms, when given, agree (`scheduleData` holds \
            `basicSchedule` or `cron` as `scheduleType` says, and a `cron` or `manual` \
            connection has no `schedule`).\n\
            - A `cronExpression` is Quartz's syntax, fires at most once a minute (its seconds \
            field names one second), restricts at most one of day-of-month and day-of-week, \
            and fires at least once from now on; a `cronTimeZone` is an IANA zone name.\n\
            - A permission names the scope its type is for: `workspaceId` for `workspace_*`, \
            `organizationId` for `organization_*`, neither for `instance_admin`.\n\
            - URLs are parsed as the WHATWG URL standard does (a valid host and port); emails \
            are checked as HTML's email inputs are (at most 64 characters before the `@`, \
            labels of at most 63).\n\
            - Rules that need stored state: a referenced id must name a live object; names \
            that must be unique are; a region is one the server is configured with; a \
            connector configuration matches its connector's spec.",
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
        (name = "notifications", description = "Notifications: webhooks a workspace's events are posted to, signed; test events; the delivery log."),
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
    plain_optional_bodies(&mut document);
    link_creates(&mut document);
    etag_headers(&mut document);
    idempotency_key_headers(&mut document);
    free_form_objects(&mut document);
    document.servers = Some(vec![Server::new(BASE_PATH)]);
    document.info.version = env!("CARGO_PKG_VERSION").to_string();
    add_security(&mut document);
    document
}

/// An optional body (`request_body(content = Option<T>)`) is written by utoipa as
/// `oneOf: [null, T]`, which generated clients cannot send when the body is left out; the
/// plain form says the same: schema `T`, `required: false`.
fn plain_optional_bodies(document: &mut Document) {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::{RefOr, Required};
    for item in document.paths.paths.values_mut() {
        let Some(body) = item.post.as_mut().and_then(|op| op.request_body.as_mut()) else {
            continue;
        };
        let mut made_plain = false;
        for content in body.content.values_mut() {
            let plain = match &content.schema {
                Some(RefOr::T(Schema::OneOf(one_of))) if one_of.items.len() == 2 => one_of
                    .items
                    .iter()
                    .find(|option| matches!(option, RefOr::Ref(_)))
                    .cloned(),
                _ => None,
            };
            if let Some(plain) = plain {
                content.schema = Some(plain);
                made_plain = true;
            }
        }
        if made_plain {
            body.required = Some(Required::False);
        }
    }
}

/// The component a schema refers to (`#/components/schemas/X` -> X's schema), if any.
fn referenced<'d>(
    document: &'d Document,
    schema: Option<&utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
) -> Option<&'d utoipa::openapi::schema::Object> {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    let RefOr::Ref(reference) = schema? else {
        return None;
    };
    let name = reference.ref_location.rsplit('/').next()?;
    match document.components.as_ref()?.schemas.get(name)? {
        RefOr::T(Schema::Object(object)) => Some(object),
        _ => None,
    }
}

/// OpenAPI links from each `<resource>/create` answer to the `get`, `update` and `delete` of
/// the same resource, passing the new object's id: stateful testers and generators can chain
/// the calls. A link is made only where the id the other operation requires is in the answer.
fn link_creates(document: &mut Document) {
    use utoipa::openapi::link::LinkBuilder;
    let mut links = Vec::new();
    for (path, item) in &document.paths.paths {
        let Some(resource) = path.strip_suffix("/create") else {
            continue;
        };
        let Some(created) = item
            .post
            .as_ref()
            .and_then(|op| op.responses.responses.get("200"))
        else {
            continue;
        };
        let utoipa::openapi::RefOr::T(created) = created else {
            continue;
        };
        let Some(answer) = created
            .content
            .get("application/json")
            .and_then(|c| referenced(document, c.schema.as_ref()))
        else {
            continue;
        };
        for verb in ["get", "update", "delete"] {
            let Some(target) = document
                .paths
                .paths
                .get(&format!("{resource}/{verb}"))
                .and_then(|item| item.post.as_ref())
            else {
                continue;
            };
            let Some(operation_id) = target.operation_id.clone() else {
                continue;
            };
            let Some(body) = target
                .request_body
                .as_ref()
                .and_then(|b| b.content.get("application/json"))
                .and_then(|c| referenced(document, c.schema.as_ref()))
            else {
                continue;
            };
            let ids: Vec<&String> = body.required.iter().filter(|f| f.ends_with("Id")).collect();
            if ids.is_empty() || !ids.iter().all(|id| answer.properties.contains_key(*id)) {
                continue;
            }
            let request_body: serde_json::Map<String, serde_json::Value> = ids
                .iter()
                .map(|id| ((*id).clone(), format!("$response.body#/{id}").into()))
                .collect();
            // utoipa 5.5 writes Link's fields in snake_case (`operation_id`), which no
            // OpenAPI tool reads; the two fields go in as extensions, spelled as the
            // specification spells them.
            let fields: utoipa::openapi::extensions::Extensions = [
                ("operationId", serde_json::Value::from(operation_id)),
                ("requestBody", serde_json::Value::Object(request_body)),
            ]
            .into_iter()
            .collect();
            let link = LinkBuilder::new()
                .description(format!("The {verb} of the object just created"))
                .extensions(Some(fields))
                .build();
            links.push((path.clone(), verb, link));
        }
    }
    for (path, verb, link) in links {
        let response = document
            .paths
            .paths
            .get_mut(&path)
            .and_then(|item| item.post.as_mut())
            .and_then(|op| op.responses.responses.get_mut("200"));
        if let Some(utoipa::openapi::RefOr::T(response)) = response {
            response.links.insert(verb.to_string(), link.into());
        }
    }
}

/// Every answer whose body is one versioned object (a schema with `version`) carries that
/// version as its `ETag` (`versioning::Tagged`); the document says so on each of them.
fn etag_headers(document: &mut Document) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::RefOr;
    let mut tagged = Vec::new();
    for (path, item) in &document.paths.paths {
        let Some(RefOr::T(answer)) = item
            .post
            .as_ref()
            .and_then(|op| op.responses.responses.get("200"))
        else {
            continue;
        };
        let versioned = answer
            .content
            .get("application/json")
            .and_then(|c| referenced(document, c.schema.as_ref()))
            .is_some_and(|schema| schema.properties.contains_key("version"));
        if versioned {
            tagged.push(path.clone());
        }
    }
    for path in tagged {
        let answer = document
            .paths
            .paths
            .get_mut(&path)
            .and_then(|item| item.post.as_mut())
            .and_then(|op| op.responses.responses.get_mut("200"));
        if let Some(RefOr::T(answer)) = answer {
            let header = HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some(
                    "The object's version as an entity tag (`\"3\"`): send it back as \
                     `If-Match` to change only this version.",
                ))
                .build();
            answer.headers.insert("ETag".to_string(), header);
        }
    }
}

/// The operations that take an `Idempotency-Key` (`idempotency::applies_to`, the same
/// function the middleware asks) declare the header.
fn idempotency_key_headers(document: &mut Document) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::Required;
    for (path, item) in document.paths.paths.iter_mut() {
        let Some(operation) = item.post.as_mut() else {
            continue;
        };
        if !crate::idempotency::applies_to(path) {
            continue;
        }
        let parameter = ParameterBuilder::new()
            .name(crate::idempotency::HEADER)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "1 to 255 printable ASCII characters. A repeat with the same key and body by \
                 the same caller within 24 hours answers the first call's status and body \
                 (with `Idempotent-Replayed: true`) and has no second effect; the same key \
                 with another body is a 422 naming this header; a repeat while the first call \
                 runs waits for its answer (409 after 30 seconds).",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255)),
            ))
            .build();
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(parameter);
    }
}

/// A schema that is just `type: object` (a connector configuration, a spec, `details`) is a
/// free-form object on the wire; saying `additionalProperties: true` keeps generators from
/// typing it as an empty record (openapi-typescript makes it `Record<string, never>`).
fn free_form_objects(document: &mut Document) {
    use utoipa::openapi::schema::{AdditionalProperties, Schema, SchemaType, Type};
    use utoipa::openapi::RefOr;
    fn visit(schema: &mut RefOr<Schema>) {
        match schema {
            RefOr::T(Schema::Object(object)) => {
                let is_object = match &object.schema_type {
                    SchemaType::Type(kind) => *kind == Type::Object,
                    SchemaType::Array(kinds) => kinds.contains(&Type::Object),
                    SchemaType::AnyValue => false,
                };
                if is_object
                    && object.properties.is_empty()
                    && object.additional_properties.is_none()
                {
                    object.additional_properties =
                        Some(Box::new(AdditionalProperties::FreeForm(true)));
                }
                object.properties.values_mut().for_each(visit);
            }
            RefOr::T(Schema::Array(array)) => {
                if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut array.items {
                    visit(items);
                }
            }
            RefOr::T(Schema::OneOf(one_of)) => one_of.items.iter_mut().for_each(visit),
            RefOr::T(Schema::AllOf(all_of)) => all_of.items.iter_mut().for_each(visit),
            RefOr::T(Schema::AnyOf(any_of)) => any_of.items.iter_mut().for_each(visit),
            _ => {}
        }
    }
    if let Some(components) = document.components.as_mut() {
        components.schemas.values_mut().for_each(visit);
    }
}

/// The document as JSON text, the same on every run: link fields, which utoipa keeps in a
/// hash map, are written in a fixed order.
pub fn to_json(document: &Document) -> String {
    let mut value = serde_json::to_value(document).unwrap_or_default();
    sort_link_fields(&mut value);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn sort_link_fields(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            if let Some(serde_json::Value::Object(links)) = fields.get_mut("links") {
                for link in links.values_mut() {
                    if let serde_json::Value::Object(link) = link {
                        let mut sorted: Vec<_> = std::mem::take(link).into_iter().collect();
                        sorted.sort_by(|a, b| a.0.cmp(&b.0));
                        link.extend(sorted);
                    }
                }
            }
            fields.values_mut().for_each(sort_link_fields);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(sort_link_fields),
        _ => {}
    }
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
