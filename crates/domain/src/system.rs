//! Health and debugging reads.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthCheckRead {
    /// Whether the database answered a trivial query just now.
    pub db: bool,
    /// Whether the database's storage is full: the last write met a full disk and none has
    /// succeeded since (reads still work; writes resume by themselves when space is freed).
    #[serde(rename = "storageFull")]
    pub storage_full: bool,
}

/// The answer of `health/liveness`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LivenessRead {
    /// Always true: an answer at all is the proof.
    pub live: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DebugRead {
    #[schema(value_type = Object)]
    pub info: serde_json::Value,
}
