//! `users/*`: who may call. Creating and deleting users is for instance administrators; a
//! user reads and changes itself.

use crate::auth::guard::{
    visible_to, Admin, Authenticated, CurrentCaller, Guard, InstanceAdmin, Reader,
};
use crate::auth::provision;
use crate::error::{ApiResult, BodyErrors, CommonErrors, Conflict, NotFound};
use crate::extract::Body;
use crate::AppState;
use actix_web::{post, web, HttpResponse};
use ferry_domain::user::*;
use ferry_domain::workspace::WorkspaceIdRequestBody;
use ferry_persistence::store::{permissions, users};

/// Creates a user (instance administrators only). Emails are unique ignoring case (409).
#[utoipa::path(
    tag = "user",
    operation_id = "createUser",
    request_body = UserCreate,
    responses(
        (status = 200, description = "Successful operation", body = UserRead),
        Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/create")]
pub async fn create_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserCreate, InstanceAdmin>,
) -> ApiResult<web::Json<UserRead>> {
    let user = state
        .db
        .write(move |conn| provision::create_user(conn, &request, false))
        .await?;
    tracing::info!(id = %user.id, "user created");
    Ok(web::Json(user.into()))
}

/// Gets a user by id (the caller itself, or anyone for an instance administrator).
#[utoipa::path(
    tag = "user",
    operation_id = "getUser",
    request_body = UserIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = UserRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/get")]
pub async fn get_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserIdRequestBody, Reader>,
) -> ApiResult<web::Json<UserRead>> {
    let user = state
        .db
        .run(move |conn| users::get(conn, request.user_id))
        .await?;
    Ok(web::Json(user.into()))
}

/// Gets a user by email, ignoring case.
#[utoipa::path(
    tag = "user",
    operation_id = "getUserByEmail",
    request_body = UserEmailRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = UserRead),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/get_by_email")]
pub async fn get_user_by_email(
    state: web::Data<AppState>,
    Body(request, _): Body<UserEmailRequestBody, Reader>,
) -> ApiResult<web::Json<UserRead>> {
    let user = state
        .db
        .run(move |conn| users::get_by_email(conn, &request.email))
        .await?;
    Ok(web::Json(user.into()))
}

/// Lists the users the caller may see: every user for an instance administrator, the
/// caller itself otherwise.
#[utoipa::path(
    tag = "user",
    operation_id = "listUsers",
    responses(
        (status = 200, description = "Successful operation", body = UserReadList),
        CommonErrors
    )
)]
#[post("/v1/users/list")]
pub async fn list_users(
    _guard: Guard<Authenticated>,
    CurrentCaller(caller): CurrentCaller,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<UserReadList>> {
    let only = visible_to(&caller)?;
    let users = state.db.run(move |conn| users::list(conn, only)).await?;
    Ok(web::Json(UserReadList {
        users: users.into_iter().map(UserRead::from).collect(),
    }))
}

/// Changes a user's name or email (the caller itself, or an instance administrator).
#[utoipa::path(
    tag = "user",
    operation_id = "updateUser",
    request_body = UserUpdate,
    responses(
        (status = 200, description = "Successful operation", body = UserRead),
        NotFound, Conflict, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/update")]
pub async fn update_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserUpdate, Admin>,
) -> ApiResult<web::Json<UserRead>> {
    let user = state
        .db
        .write(move |conn| users::update(conn, &request))
        .await?;
    Ok(web::Json(user.into()))
}

/// Deletes a user (instance administrators only): its permissions go, its applications are
/// deleted, and its tokens stop working at once.
#[utoipa::path(
    tag = "user",
    operation_id = "deleteUser",
    request_body = UserIdRequestBody,
    responses(
        (status = 204, description = "The resource was deleted successfully."),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/delete")]
pub async fn delete_user(
    state: web::Data<AppState>,
    Body(request, _): Body<UserIdRequestBody, InstanceAdmin>,
) -> ApiResult<HttpResponse> {
    let id = request.user_id;
    state.db.write(move |conn| users::delete(conn, id)).await?;
    tracing::info!(%id, "user deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Every user with access to a workspace, and the workspace or organization permission
/// that gives it.
#[utoipa::path(
    tag = "user",
    operation_id = "listAccessInfoByWorkspaceId",
    request_body = WorkspaceIdRequestBody,
    responses(
        (status = 200, description = "Successful operation", body = WorkspaceUserAccessInfoReadList),
        NotFound, BodyErrors, CommonErrors
    )
)]
#[post("/v1/users/list_access_info_by_workspace_id")]
pub async fn list_access_info_by_workspace_id(
    state: web::Data<AppState>,
    Body(request, _): Body<WorkspaceIdRequestBody, Reader>,
) -> ApiResult<web::Json<WorkspaceUserAccessInfoReadList>> {
    let workspace = request.workspace_id;
    let access = state
        .db
        .run(move |conn| permissions::access_to_workspace(conn, workspace))
        .await?;
    Ok(web::Json(WorkspaceUserAccessInfoReadList {
        users_with_access: access
            .into_iter()
            .map(|access| WorkspaceUserAccessInfoRead {
                user_id: access.user.id,
                user_email: access.user.email,
                user_name: access.user.name,
                workspace_id: workspace,
                workspace_permission: access.workspace_permission.map(Into::into),
                organization_permission: access.organization_permission.map(Into::into),
            })
            .collect(),
    }))
}
