//! `web_backend/*`: operations shaped for web front ends, one folder per resource.

pub mod connections;
pub mod destinations;
pub mod sources;
pub mod workspaces;
