//! `notification_webhooks/*`: one file per endpoint. A webhook is a URL a workspace's
//! events (`sync_success`, `sync_failure`, `connection_disabled`) are posted to, signed with
//! a secret shown once, at creation. Workspace administrators manage them.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod update;
