//! The endpoints that run connectors: specs, checks, discover, and the web_backend creates
//! that keep an object only when its check succeeds. One macro writes both families.

macro_rules! connector_endpoints {
    (
        module: $module:ident,
        actor_type: $actor_type:expr,
        definition_id_field: $def_id_field:ident,
        id_field: $id_field:ident,
        spec: $spec:ident, $spec_path:tt, $spec_op:tt, $spec_tag:tt, $DefIdBody:ty, $SpecRead:ty,
        check: $check:ident, $check_path:tt, $check_op:tt, $tag:tt, $IdBody:ty,
        wb_create: $wb_create:ident, $wb_create_path:tt, $wb_create_op:tt, $Create:ty,
        wb_recreate: $wb_recreate:ident, $wb_recreate_path:tt, $wb_recreate_op:tt, $Recreate:ty,
        read: $Read:ty $(,)?
    ) => {
        pub mod $module {
            use crate::error::{ApiResult, BodyErrors, CheckFailed, CommonErrors, ConnectorErrors, NotFound};
            use crate::extract::Body;
            use crate::auth::guard::{Authenticated, CurrentCaller, Editor, Runner};
            use crate::AppState;
            use actix_web::{post, web};
            use ferry_domain::actor::*;
            use ferry_domain::actor_definition::*;
            use ferry_domain::Error;
            use ferry_persistence::store::{actor_definitions, actors};

            const ACTOR_TYPE: ActorType = $actor_type;

            /// Get the specification of a definition's connector (cached per image).
            #[utoipa::path(
                tag = $spec_tag,
                operation_id = $spec_op,
                request_body = $DefIdBody,
                responses(
                    (status = 200, description = "Successful operation", body = $SpecRead),
                    NotFound, BodyErrors, ConnectorErrors, CommonErrors
                )
            )]
            #[post($spec_path)]
            pub async fn $spec(
                state: web::Data<AppState>,
                Body(request, _): Body<$DefIdBody, Authenticated>,
            ) -> ApiResult<web::Json<$SpecRead>> {
                let id = request.$def_id_field;
                let definition = state
                    .db
                    .run(move |conn| actor_definitions::get(conn, ACTOR_TYPE, id.0))
                    .await?;
                let spec = crate::runtime::spec(&state, &definition).await?;
                Ok(web::Json(<$SpecRead>::new(id, spec.documentation_url, spec.specification)))
            }

            /// Check the connection: what the connector's check says of the stored configuration.
            #[utoipa::path(
                tag = $tag,
                operation_id = $check_op,
                request_body = $IdBody,
                responses(
                    (status = 200, description = "Successful operation", body = CheckConnectionRead),
                    NotFound, BodyErrors, ConnectorErrors, CommonErrors
                )
            )]
            #[post($check_path)]
            pub async fn $check(
                state: web::Data<AppState>,
                Body(request, _): Body<$IdBody, Runner>,
            ) -> ApiResult<web::Json<CheckConnectionRead>> {
                let id = request.$id_field.0;
                let actor = state.db.run(move |conn| actors::get(conn, ACTOR_TYPE, id)).await?;
                let outcome = crate::runtime::check(&state, &actor).await?;
                Ok(web::Json(CheckConnectionRead {
                    status: if outcome.succeeded { CheckStatus::Succeeded } else { CheckStatus::Failed },
                    message: outcome.message,
                }))
            }

            /// Create, then check; a failed check removes what was created and answers 400
            /// with the connector's message.
            #[utoipa::path(
                tag = "web_backend",
                operation_id = $wb_create_op,
                request_body = $Create,
                responses(
                    (status = 200, description = "Successful operation", body = $Read),
                    NotFound, CheckFailed, BodyErrors, ConnectorErrors, CommonErrors
                )
            )]
            #[post($wb_create_path)]
            pub async fn $wb_create(
                state: web::Data<AppState>,
                CurrentCaller(caller): CurrentCaller,
                Body(request, _): Body<$Create, Editor>,
            ) -> ApiResult<web::Json<$Read>> {
                let new = NewActor { by: caller.user_id, ..NewActor::from(request) };
                let created = create_checked(&state, new, None).await?;
                Ok(web::Json(created.into()))
            }

            /// Create a replacement, check it, and only then delete the one it replaces
            /// (whose connections become deprecated); a failed check keeps the old one.
            #[utoipa::path(
                tag = "web_backend",
                operation_id = $wb_recreate_op,
                request_body = $Recreate,
                responses(
                    (status = 200, description = "Successful operation", body = $Read),
                    NotFound, CheckFailed, BodyErrors, ConnectorErrors, CommonErrors
                )
            )]
            #[post($wb_recreate_path)]
            pub async fn $wb_recreate(
                state: web::Data<AppState>,
                CurrentCaller(caller): CurrentCaller,
                Body(request, _): Body<$Recreate, Editor>,
            ) -> ApiResult<web::Json<$Read>> {
                let (new, replaced) = request.into_parts();
                let new = NewActor { by: caller.user_id, ..new };
                let stored = state.db.run(move |conn| actors::get(conn, ACTOR_TYPE, replaced)).await?;
                let created = create_checked(&state, new, Some(&stored)).await?;
                state
                    .db
                    .write(move |conn| actors::delete(conn, ACTOR_TYPE, replaced))
                    .await?;
                tracing::info!(new = %created.id, replaced = %replaced, "recreated");
                Ok(web::Json(created.into()))
            }

            async fn create_checked(
                state: &AppState,
                new: NewActor,
                replacing: Option<&Actor>,
            ) -> ApiResult<Actor> {
                let new = crate::runtime::prepare_new(state, ACTOR_TYPE, new, replacing).await?;
                let actor = state.db.write(move |conn| actors::create(conn, ACTOR_TYPE, &new)).await?;
                let outcome = match crate::runtime::check(state, &actor).await {
                    Ok(outcome) => outcome,
                    Err(error) => {
                        discard(state, actor.id).await?;
                        return Err(error);
                    }
                };
                if outcome.succeeded {
                    return Ok(actor);
                }
                discard(state, actor.id).await?;
                Err(Error::CheckFailed {
                    message: outcome.message.unwrap_or_else(|| "the connector's check failed".into()),
                }
                .into())
            }

            async fn discard(state: &AppState, id: uuid::Uuid) -> ApiResult<()> {
                state.db.write(move |conn| actors::delete(conn, ACTOR_TYPE, id)).await?;
                Ok(())
            }
        }
    };
}

connector_endpoints!(
    module: source,
    actor_type: ActorType::Source,
    definition_id_field: source_definition_id,
    id_field: source_id,
    spec: get_source_definition_specification, "/v1/source_definition_specifications/get",
        "getSourceDefinitionSpecification", "source_definition_specification",
        SourceDefinitionIdRequestBody, SourceDefinitionSpecificationRead,
    check: check_connection_to_source, "/v1/sources/check_connection", "checkConnectionToSource",
        "source", SourceIdRequestBody,
    wb_create: web_backend_create_source, "/v1/web_backend/sources/create", "webBackendCreateSource", SourceCreate,
    wb_recreate: web_backend_recreate_source, "/v1/web_backend/sources/recreate", "webBackendRecreateSource", SourceRecreate,
    read: SourceRead,
);

connector_endpoints!(
    module: destination,
    actor_type: ActorType::Destination,
    definition_id_field: destination_definition_id,
    id_field: destination_id,
    spec: get_destination_definition_specification, "/v1/destination_definition_specifications/get",
        "getDestinationDefinitionSpecification", "destination_definition_specification",
        DestinationDefinitionIdRequestBody, DestinationDefinitionSpecificationRead,
    check: check_connection_to_destination, "/v1/destinations/check_connection", "checkConnectionToDestination",
        "destination", DestinationIdRequestBody,
    wb_create: web_backend_create_destination, "/v1/web_backend/destinations/create", "webBackendCreateDestination", DestinationCreate,
    wb_recreate: web_backend_recreate_destination, "/v1/web_backend/destinations/recreate", "webBackendRecreateDestination", DestinationRecreate,
    read: DestinationRead,
);

pub mod discover {
    use crate::auth::guard::Runner;
    use crate::error::{ApiResult, BodyErrors, CommonErrors, ConnectorErrors, NotFound};
    use crate::extract::Body;
    use crate::AppState;
    use actix_web::{post, web};
    use ferry_domain::actor::{SourceDiscoverSchemaRead, SourceIdRequestBody};
    use ferry_domain::actor_definition::ActorType;
    use ferry_persistence::store::actors;

    /// Discover the source's streams (every stream and field selected)
    #[utoipa::path(
        tag = "source",
        operation_id = "discoverSchemaForSource",
        request_body = SourceIdRequestBody,
        responses(
            (status = 200, description = "Successful operation", body = SourceDiscoverSchemaRead),
            NotFound, BodyErrors, ConnectorErrors, CommonErrors
        )
    )]
    #[post("/v1/sources/discover_schema")]
    pub async fn discover_schema_for_source(
        state: web::Data<AppState>,
        Body(request, _): Body<SourceIdRequestBody, Runner>,
    ) -> ApiResult<web::Json<SourceDiscoverSchemaRead>> {
        let id = request.source_id.0;
        let source = state
            .db
            .run(move |conn| actors::get(conn, ActorType::Source, id))
            .await?;
        let catalog = crate::runtime::discover(&state, &source).await?;
        Ok(web::Json(SourceDiscoverSchemaRead {
            schema: ferry_worker::catalog::to_source_schema(&catalog),
        }))
    }
}
