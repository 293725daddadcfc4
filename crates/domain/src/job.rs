//! Jobs and their attempts, as the contract names them. Timestamps on the wire are epoch
//! seconds (the contract's int64 `createdAt`).

use crate::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

wire_enum!(JobStatus {
    Pending => "pending",
    Running => "running",
    Incomplete => "incomplete",
    Failed => "failed",
    Succeeded => "succeeded",
    Cancelled => "cancelled",
});

impl JobStatus {
    /// Whether the job is over.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Failed | JobStatus::Succeeded | JobStatus::Cancelled
        )
    }
}

wire_enum!(AttemptStatus { Running => "running", Failed => "failed", Succeeded => "succeeded" });

wire_enum!(JobConfigType {
    CheckConnectionSource => "check_connection_source",
    CheckConnectionDestination => "check_connection_destination",
    DiscoverSchema => "discover_schema",
    GetSpec => "get_spec",
    Sync => "sync",
    ResetConnection => "reset_connection",
});

/// A stored job.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: i64,
    pub config_type: JobConfigType,
    /// The connection a sync or reset works on.
    pub config_id: String,
    pub status: JobStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored attempt and the last lines of its log.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub id: i64,
    pub job_id: i64,
    pub number: i32,
    pub status: AttemptStatus,
    pub records_synced: i64,
    pub bytes_synced: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub log_lines: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct JobIdRequestBody {
    #[schema(format = Int64)]
    pub id: i64,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct JobListRequestBody {
    pub config_type: JobConfigType,
    /// The connection whose syncs or resets to list.
    #[validate(custom(function = "crate::job::check_connection_id"))]
    pub config_id: String,
}

/// Sync and reset jobs are keyed by their connection's id.
pub fn check_connection_id(config_id: &str) -> Result<(), validator::ValidationError> {
    uuid::Uuid::parse_str(config_id).map(|_| ()).map_err(|_| {
        validator::ValidationError::new("uuid")
            .with_message("must be a connection id (a UUID)".into())
    })
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JobRead {
    #[schema(format = Int64)]
    pub id: i64,
    pub config_type: JobConfigType,
    pub config_id: String,
    #[schema(format = Int64)]
    pub created_at: i64,
    #[schema(format = Int64)]
    pub updated_at: i64,
    pub status: JobStatus,
}

impl From<&Job> for JobRead {
    fn from(job: &Job) -> Self {
        JobRead {
            id: job.id,
            config_type: job.config_type,
            config_id: job.config_id.clone(),
            created_at: job.created_at.timestamp(),
            updated_at: job.updated_at.timestamp(),
            status: job.status,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRead {
    #[schema(format = Int64)]
    pub id: i64,
    pub status: AttemptStatus,
    #[schema(format = Int64)]
    pub created_at: i64,
    #[schema(format = Int64)]
    pub updated_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Int64)]
    pub ended_at: Option<i64>,
    #[schema(format = Int64)]
    pub bytes_synced: i64,
    #[schema(format = Int64)]
    pub records_synced: i64,
}

impl From<&Attempt> for AttemptRead {
    fn from(a: &Attempt) -> Self {
        AttemptRead {
            id: a.number.into(),
            status: a.status,
            created_at: a.created_at.timestamp(),
            updated_at: a.updated_at.timestamp(),
            ended_at: a.ended_at.map(|t| t.timestamp()),
            bytes_synced: a.bytes_synced,
            records_synced: a.records_synced,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogRead {
    pub log_lines: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AttemptInfoRead {
    pub attempt: AttemptRead,
    pub logs: LogRead,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JobInfoRead {
    pub job: JobRead,
    pub attempts: Vec<AttemptInfoRead>,
}

impl JobInfoRead {
    pub fn new(job: &Job, attempts: &[Attempt]) -> Self {
        JobInfoRead {
            job: job.into(),
            attempts: attempts
                .iter()
                .map(|a| AttemptInfoRead {
                    attempt: a.into(),
                    logs: LogRead {
                        log_lines: a.log_lines.clone(),
                    },
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JobWithAttemptsRead {
    pub job: JobRead,
    pub attempts: Vec<AttemptRead>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobReadList {
    pub jobs: Vec<JobWithAttemptsRead>,
}
