//! `sources/*` and `destinations/*`: the same operations on one table under different
//! names, written once by a macro so the two families cannot drift apart.

macro_rules! actor_endpoints {
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
        read: $Read:ty, read_list: $ReadList:ty, id_body: $IdBody:ty $(,)?
    ) => {
        pub mod $module {
            use crate::error::{ApiResult, BodyErrors, CommonErrors, ConnectorErrors, NotFound};
            use crate::extract::Body;
            use crate::auth::guard::{CurrentCaller, Editor, Reader};
            use crate::AppState;
            use actix_web::{post, web, HttpResponse};
            use ferry_domain::actor::*;
            use ferry_domain::actor_definition::ActorType;
            use ferry_domain::workspace::WorkspaceIdRequestBody;
            use ferry_persistence::store::actors;

            const ACTOR_TYPE: ActorType = $actor_type;

            /// Creates one in a workspace, from a live definition of the same type. Its
            /// configuration must match the definition's spec (422 naming each violation).
            #[utoipa::path(
                tag = $tag,
                operation_id = $create_op,
                request_body = $Create,
                responses(
                    (status = 200, description = "Successful operation", body = $Read),
                    NotFound, BodyErrors, ConnectorErrors, CommonErrors
                )
            )]
            #[post($create_path)]
            pub async fn $create(
                state: web::Data<AppState>,
                CurrentCaller(caller): CurrentCaller,
                Body(request, _): Body<$Create, Editor>,
            ) -> ApiResult<web::Json<$Read>> {
                let new = NewActor { by: caller.user_id, ..NewActor::from(request) };
                let new = crate::runtime::prepare_new(&state, ACTOR_TYPE, new, None).await?;
                let actor = state
                    .db
                    .write(move |conn| actors::create(conn, ACTOR_TYPE, &new))
                    .await?;
                tracing::info!(id = %actor.id, actor_type = ACTOR_TYPE.as_str(), workspace_id = %actor.workspace_id, "created");
                Ok(web::Json(actor.into()))
            }

            /// Gets one by id; a deleted one is still found.
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
                Body(request, _): Body<$IdBody, Reader>,
            ) -> ApiResult<web::Json<$Read>> {
                let id = request.$id_field.0;
                let actor = state.db.run(move |conn| actors::get(conn, ACTOR_TYPE, id)).await?;
                Ok(web::Json(actor.into()))
            }

            /// Lists a workspace's; does not return deleted ones. An unknown or deleted
            /// workspace is a 404.
            #[utoipa::path(
                tag = $tag,
                operation_id = $list_op,
                request_body = WorkspaceIdRequestBody,
                responses(
                    (status = 200, description = "Successful operation", body = $ReadList),
                    NotFound, BodyErrors, CommonErrors
                )
            )]
            #[post($list_path)]
            pub async fn $list(
                state: web::Data<AppState>,
                Body(request, _): Body<WorkspaceIdRequestBody, Reader>,
            ) -> ApiResult<web::Json<$ReadList>> {
                let workspace = request.workspace_id;
                let actors = state
                    .db
                    .run(move |conn| actors::list(conn, ACTOR_TYPE, workspace))
                    .await?;
                Ok(web::Json(<$ReadList>::from(actors)))
            }

            /// Replaces the name and configuration. A secret sent back as `**********` (as reads
            /// show it) keeps its stored value.
            #[utoipa::path(
                tag = $tag,
                operation_id = $update_op,
                request_body = $Update,
                responses(
                    (status = 200, description = "Successful operation", body = $Read),
                    NotFound, BodyErrors, ConnectorErrors, CommonErrors
                )
            )]
            #[post($update_path)]
            pub async fn $update(
                state: web::Data<AppState>,
                CurrentCaller(caller): CurrentCaller,
                Body(request, _): Body<$Update, Editor>,
            ) -> ApiResult<web::Json<$Read>> {
                let id = request.$id_field.0;
                let changes =
                    crate::runtime::prepare_changes(&state, ACTOR_TYPE, id, ActorChanges { by: caller.user_id, ..ActorChanges::from(request) }).await?;
                let actor = state
                    .db
                    .write(move |conn| actors::update(conn, ACTOR_TYPE, id, &changes))
                    .await?;
                tracing::info!(%id, actor_type = ACTOR_TYPE.as_str(), "updated");
                Ok(web::Json(actor.into()))
            }

            /// Deletes one (a soft delete) and deprecates every connection that uses it.
            #[utoipa::path(
                tag = $tag,
                operation_id = $delete_op,
                request_body = $IdBody,
                responses(
                    (status = 204, description = "The resource was deleted successfully."),
                    NotFound, BodyErrors, CommonErrors
                )
            )]
            #[post($delete_path)]
            pub async fn $delete(
                state: web::Data<AppState>,
                Body(request, _): Body<$IdBody, Editor>,
            ) -> ApiResult<HttpResponse> {
                let id = request.$id_field.0;
                state
                    .db
                    .write(move |conn| actors::delete(conn, ACTOR_TYPE, id))
                    .await?;
                tracing::info!(%id, actor_type = ACTOR_TYPE.as_str(), "deleted");
                Ok(HttpResponse::NoContent().finish())
            }
        }
    };
}

actor_endpoints!(
    module: source,
    actor_type: ActorType::Source,
    tag: "source",
    id_field: source_id,
    create: create_source, "/v1/sources/create", "createSource", SourceCreate,
    get: get_source, "/v1/sources/get", "getSource",
    list: list_sources, "/v1/sources/list", "listSourcesForWorkspace",
    update: update_source, "/v1/sources/update", "updateSource", SourceUpdate,
    delete: delete_source, "/v1/sources/delete", "deleteSource",
    read: SourceRead, read_list: SourceReadList, id_body: SourceIdRequestBody,
);

actor_endpoints!(
    module: destination,
    actor_type: ActorType::Destination,
    tag: "destination",
    id_field: destination_id,
    create: create_destination, "/v1/destinations/create", "createDestination", DestinationCreate,
    get: get_destination, "/v1/destinations/get", "getDestination",
    list: list_destinations, "/v1/destinations/list", "listDestinationsForWorkspace",
    update: update_destination, "/v1/destinations/update", "updateDestination", DestinationUpdate,
    delete: delete_destination, "/v1/destinations/delete", "deleteDestination",
    read: DestinationRead, read_list: DestinationReadList, id_body: DestinationIdRequestBody,
);
