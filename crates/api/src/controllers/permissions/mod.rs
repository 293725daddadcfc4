//! `permissions/*`: one file per endpoint. Granting, changing and revoking need admin over
//! the scope (instance admin for `instance_admin`); a user reads its own.

pub mod check;
pub mod create;
pub mod delete;
pub mod get;
pub mod list_by_user;
pub mod update;
