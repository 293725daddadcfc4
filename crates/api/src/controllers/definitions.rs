//! `source_definitions/*` and `destination_definitions/*`.
//!
//! The two families are the same operations on one table under different names, so one
//! macro writes both: each handler is a thin adapter from its contract types to the shared
//! store functions, and the two cannot drift apart.

macro_rules! definition_endpoints {
    (
        module: $module:ident,
        actor_type: $actor_type:expr,
        tag: $tag:tt,
        id_field: $id_field:ident,
        create: $create:ident, $create_path:tt, $create_op:tt, $Create:ty,
        get: $get:ident, $get_path:tt, $get_op:tt,
        list: $list:ident, $list_path:tt, $list_op:tt,
        update: $update:ident, $update_path:tt, $update_op:tt, $Update:ty,
        delete: $delete:ident, $delete_path:tt, $delete_op:tt,
        read: $Read:ty, read_list: $ReadList:ty,
        id_body: $IdBody:ty $(,)?
    ) => {
        pub mod $module {
            use crate::error::{ApiResult, BodyErrors, Conflict, NotFound, CommonErrors};
            use crate::extract::Body;
            use crate::auth::guard::{Authenticated, Guard, InstanceAdmin};
            use crate::AppState;
            use actix_web::{post, web, HttpResponse};
            use ferry_domain::actor_definition::*;
            use ferry_persistence::store::actor_definitions;

            const ACTOR_TYPE: ActorType = $actor_type;

            /// Creates a connector definition.
            #[utoipa::path(
                tag = $tag,
                operation_id = $create_op,
                request_body = $Create,
                responses(
                    (status = 200, description = "Successful operation", body = $Read),
                    BodyErrors, CommonErrors
                )
            )]
            #[post($create_path)]
            pub async fn $create(
                state: web::Data<AppState>,
                Body(request, _): Body<$Create, InstanceAdmin>,
            ) -> ApiResult<web::Json<$Read>> {
                let new = NewActorDefinition::from(request);
                let definition = state
                    .db
                    .write(move |conn| actor_definitions::create(conn, ACTOR_TYPE, &new))
                    .await?;
                tracing::info!(definition_id = %definition.id, actor_type = ACTOR_TYPE.as_str(), "definition created");
                Ok(web::Json(definition.into()))
            }

            /// Gets a connector definition; a deleted one is still found.
            #[utoipa::path(
                tag = $tag,
                operation_id = $get_op,
                request_body = $IdBody,
                responses(
                    (status = 200, description = "Successful operation", body = $Read),
                    NotFound, BodyErrors, CommonErrors
                )
            )]
            #[post($get_path)]
            pub async fn $get(
                state: web::Data<AppState>,
                Body(request, _): Body<$IdBody, Authenticated>,
            ) -> ApiResult<web::Json<$Read>> {
                let id = request.$id_field.0;
                let definition = state
                    .db
                    .run(move |conn| actor_definitions::get(conn, ACTOR_TYPE, id))
                    .await?;
                Ok(web::Json(definition.into()))
            }

            /// Lists the live connector definitions, oldest first.
            #[utoipa::path(
                tag = $tag,
                operation_id = $list_op,
                responses(
                    (status = 200, description = "Successful operation", body = $ReadList),
                    CommonErrors
                )
            )]
            #[post($list_path)]
            pub async fn $list(_guard: Guard<Authenticated>, state: web::Data<AppState>) -> ApiResult<web::Json<$ReadList>> {
                let definitions = state
                    .db
                    .run(|conn| actor_definitions::list(conn, ACTOR_TYPE))
                    .await?;
                Ok(web::Json(<$ReadList>::from(definitions)))
            }

            /// Changes a definition's default docker image tag (the only field that can change).
            #[utoipa::path(
                tag = $tag,
                operation_id = $update_op,
                request_body = $Update,
                responses(
                    (status = 200, description = "Successful operation", body = $Read),
                    NotFound, BodyErrors, CommonErrors
                )
            )]
            #[post($update_path)]
            pub async fn $update(
                state: web::Data<AppState>,
                Body(request, _): Body<$Update, InstanceAdmin>,
            ) -> ApiResult<web::Json<$Read>> {
                let id = request.$id_field.0;
                let definition = state
                    .db
                    .write(move |conn| {
                        actor_definitions::update_image_tag(conn, ACTOR_TYPE, id, &request.docker_image_tag)
                    })
                    .await?;
                tracing::info!(definition_id = %id, tag = %definition.docker_image_tag, "definition updated");
                Ok(web::Json(definition.into()))
            }

            /// Deletes a connector definition (a soft delete: later lists skip it). A definition
            /// that live sources or destinations use is not deleted (409).
            #[utoipa::path(
                tag = $tag,
                operation_id = $delete_op,
                request_body = $IdBody,
                responses(
                    (status = 204, description = "The definition was deleted"),
                    NotFound, Conflict, BodyErrors, CommonErrors
                )
            )]
            #[post($delete_path)]
            pub async fn $delete(
                state: web::Data<AppState>,
                Body(request, _): Body<$IdBody, InstanceAdmin>,
            ) -> ApiResult<HttpResponse> {
                let id = request.$id_field.0;
                state
                    .db
                    .write(move |conn| actor_definitions::delete(conn, ACTOR_TYPE, id))
                    .await?;
                tracing::info!(definition_id = %id, "definition deleted");
                Ok(HttpResponse::NoContent().finish())
            }
        }
    };
}

definition_endpoints!(
    module: source,
    actor_type: ActorType::Source,
    tag: "source_definition",
    id_field: source_definition_id,
    create: create_source_definition, "/v1/source_definitions/create", "createSourceDefinition", SourceDefinitionCreate,
    get: get_source_definition, "/v1/source_definitions/get", "getSourceDefinition",
    list: list_source_definitions, "/v1/source_definitions/list", "listSourceDefinitions",
    update: update_source_definition, "/v1/source_definitions/update", "updateSourceDefinition", SourceDefinitionUpdate,
    delete: delete_source_definition, "/v1/source_definitions/delete", "deleteSourceDefinition",
    read: SourceDefinitionRead, read_list: SourceDefinitionReadList,
    id_body: SourceDefinitionIdRequestBody,
);

definition_endpoints!(
    module: destination,
    actor_type: ActorType::Destination,
    tag: "destination_definition",
    id_field: destination_definition_id,
    create: create_destination_definition, "/v1/destination_definitions/create", "createDestinationDefinition", DestinationDefinitionCreate,
    get: get_destination_definition, "/v1/destination_definitions/get", "getDestinationDefinition",
    list: list_destination_definitions, "/v1/destination_definitions/list", "listDestinationDefinitions",
    update: update_destination_definition, "/v1/destination_definitions/update", "updateDestinationDefinition", DestinationDefinitionUpdate,
    delete: delete_destination_definition, "/v1/destination_definitions/delete", "deleteDestinationDefinition",
    read: DestinationDefinitionRead, read_list: DestinationDefinitionReadList,
    id_body: DestinationDefinitionIdRequestBody,
);
