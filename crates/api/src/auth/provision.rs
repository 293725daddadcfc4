//! Creating users and applications: shared by the API and by `ferry users create` and
//! `ferry applications create`, which mint the first credentials of an instance.

use super::secrets;
use ferry_domain::application::ApplicationRead;
use ferry_domain::ids::UserId;
use ferry_domain::permission::{PermissionCreate, PermissionType};
use ferry_domain::user::{User, UserCreate};
use ferry_domain::Result;
use ferry_persistence::store::{applications, permissions, users};
use ferry_persistence::AnyConnection;

/// Creates a user, an instance administrator when asked (in the caller's transaction).
pub fn create_user(
    conn: &mut AnyConnection,
    request: &UserCreate,
    instance_admin: bool,
) -> Result<User> {
    let user = users::create(conn, request)?;
    if instance_admin {
        permissions::create(
            conn,
            &PermissionCreate {
                permission_type: PermissionType::InstanceAdmin,
                user_id: user.id,
                workspace_id: None,
                organization_id: None,
            },
        )?;
    }
    Ok(user)
}

/// Creates an application for a user. The answer carries the client secret, which is
/// stored only as a hash and never shown again.
pub fn create_application(
    conn: &mut AnyConnection,
    user: UserId,
    name: &str,
) -> Result<ApplicationRead> {
    let (client_id, client_secret) = secrets::new_credentials()?;
    let application = applications::create(
        conn,
        user,
        name,
        &client_id,
        &secrets::hash_secret(&client_secret),
    )?;
    Ok(ApplicationRead {
        client_secret: Some(client_secret),
        ..ApplicationRead::from(application)
    })
}
