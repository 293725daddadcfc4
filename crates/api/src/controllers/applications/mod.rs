//! `applications/*`: one file per endpoint. An application is a user's client credentials;
//! `applications/token` exchanges them for a signed, expiring access token.

pub mod create;
pub mod delete;
pub mod list;
pub mod token;
