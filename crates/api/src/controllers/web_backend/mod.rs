//! `web_backend/*`: reads shaped for web front ends.

pub mod connections;
