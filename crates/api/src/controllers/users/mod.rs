//! `users/*`: one file per endpoint. Creating and deleting users is for instance
//! administrators; a user reads and changes itself.

pub mod create;
pub mod delete;
pub mod get;
pub mod get_by_email;
pub mod list;
pub mod list_access_info_by_workspace_id;
pub mod update;
