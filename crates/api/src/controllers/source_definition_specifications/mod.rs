//! `source_definition_specifications/*`.

pub mod get;
