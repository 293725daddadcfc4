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
    /// Why it was cancelled, when it was.
    pub cancel_reason: Option<String>,
}

impl Job {
    /// The connection a sync or reset works on; None for a job of another kind (or a
    /// `config_id` that is not a connection id).
    pub fn connection_id(&self) -> Option<crate::ids::ConnectionId> {
        match self.config_type {
            JobConfigType::Sync | JobConfigType::ResetConnection => {
                self.config_id.parse().ok().map(crate::ids::ConnectionId)
            }
            _ => None,
        }
    }
}

/// Who asked for a job, which decides its place in the queue: a person's request (a sync or
/// reset through the API) goes before the schedule's. Stored as the job's priority, lower
/// first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobOrigin {
    Manual,
    Scheduled,
}

impl JobOrigin {
    pub fn priority(self) -> i32 {
        match self {
            JobOrigin::Manual => 0,
            JobOrigin::Scheduled => 1,
        }
    }

    /// The origin a stored priority means (anything else counts as scheduled: it waits).
    pub fn from_priority(priority: i32) -> Self {
        match priority {
            0 => JobOrigin::Manual,
            _ => JobOrigin::Scheduled,
        }
    }
}

/// The head of one line of the queue: the oldest due pending job of one workspace (None for
/// jobs of no workspace) and origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueHead {
    pub workspace: Option<crate::ids::WorkspaceId>,
    pub origin: JobOrigin,
    pub oldest_job: i64,
}

/// The queue's policy: which line a free slot takes its next job from. Manual jobs go before
/// scheduled ones; among those, the workspace running the fewest attempts now (on every
/// worker) goes first, so that a workspace with ten thousand due connections delays another
/// workspace's job by at most one free slot; among equals, the oldest job. `running` gives
/// the attempts running per workspace.
pub fn next_in_queue(
    heads: &[QueueHead],
    running: impl Fn(Option<crate::ids::WorkspaceId>) -> i64,
) -> Option<QueueHead> {
    heads
        .iter()
        .min_by_key(|head| (head.origin, running(head.workspace), head.oldest_job))
        .copied()
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    Cancelled,
    /// Its worker shut down before it finished: the attempt fails and the job is handed
    /// back at once (no backoff), for another worker or the next start to run again.
    Interrupted,
}

impl Outcome {
    /// The status the ended attempt keeps.
    pub fn attempt_status(self) -> AttemptStatus {
        match self {
            Outcome::Succeeded => AttemptStatus::Succeeded,
            Outcome::Failed | Outcome::Cancelled | Outcome::Interrupted => AttemptStatus::Failed,
        }
    }
}

/// Retry policy for failed attempts.
#[derive(Clone, Copy, Debug)]
pub struct Retries {
    pub max_attempts: i32,
    /// The first retry waits this long; each next one twice as long.
    pub backoff: std::time::Duration,
}

/// The longest wait before a retry, whatever the backoff doubles to.
const MAX_RETRY_WAIT: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// What a job becomes when attempt `number` (from 0) ends with `outcome` at `now`: its
/// status, and for a retry the time before which it must not run. A job cancelled while
/// its attempt ran stays cancelled; a failure is retried after a doubling backoff until the
/// attempts run out; an interrupted attempt is handed back at once.
pub fn after_attempt(
    current: JobStatus,
    outcome: Outcome,
    number: i32,
    retries: Retries,
    now: DateTime<Utc>,
) -> (JobStatus, Option<DateTime<Utc>>) {
    match (current, outcome) {
        (JobStatus::Cancelled, _) | (_, Outcome::Cancelled) => (JobStatus::Cancelled, None),
        (_, Outcome::Succeeded) => (JobStatus::Succeeded, None),
        (_, Outcome::Interrupted) => (JobStatus::Pending, None),
        (_, Outcome::Failed) if number + 1 < retries.max_attempts => {
            let wait = retries
                .backoff
                .saturating_mul(2u32.saturating_pow(number.try_into().unwrap_or(0)))
                .min(MAX_RETRY_WAIT);
            let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
            (
                JobStatus::Pending,
                Some(now.checked_add_signed(wait).unwrap_or(now)),
            )
        }
        (_, Outcome::Failed) => (JobStatus::Failed, None),
    }
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

wire_enum!(JobSortBy { CreatedAt => "createdAt", UpdatedAt => "updatedAt" });

crate::list_request! {
    /// `jobs/list`: the 2020 contract's `configType` and `configId`, then the list
    /// convention's optional filters, sort and pages (docs/API-DESIGN.md, "Lists").
    pub struct JobListRequestBody {
        pub config_type: JobConfigType,
        /// The connection whose syncs or resets to list.
        #[validate(custom(function = "crate::job::check_connection_id"))]
        #[schema(format = Uuid)]
        pub config_id: String,
        /// Only jobs in this status.
        pub status: Option<JobStatus>,
        /// Only jobs created at or after this time.
        pub created_at_from: Option<DateTime<Utc>>,
        /// Only jobs created at or before this time.
        pub created_at_to: Option<DateTime<Utc>>,
    }
    sort_by: JobSortBy => "Default `createdAt`; the job id always breaks ties.",
    sort_order => "Default `desc`: newest first, as the 2020 contract lists jobs.",
}

impl JobListRequestBody {
    /// Checks what `validator` cannot: the date range must not be inverted.
    pub fn check_ranges(&self) -> Result<(), crate::Error> {
        crate::list::check_range("createdAtTo", self.created_at_from, self.created_at_to)
    }
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
    /// Why a cancelled job was cancelled: `cancelled through jobs/cancel`, or the delete that
    /// orphaned it (`workspace deleted`, `connection deleted`, `source deleted`,
    /// `destination deleted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
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
            cancel_reason: job.cancel_reason.clone(),
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

crate::list_response! {
    pub struct JobReadList {
        pub jobs: Vec<JobWithAttemptsRead>,
    }
}

#[cfg(test)]
mod retry_tests {
    use super::*;
    use std::time::Duration;

    const RETRIES: Retries = Retries {
        max_attempts: 3,
        backoff: Duration::from_secs(10),
    };

    #[test]
    fn failures_back_off_doubling_until_the_attempts_run_out() {
        let now = Utc::now();
        let after = |n| after_attempt(JobStatus::Running, Outcome::Failed, n, RETRIES, now);
        assert_eq!(
            after(0),
            (
                JobStatus::Pending,
                Some(now + chrono::Duration::seconds(10))
            )
        );
        assert_eq!(
            after(1),
            (
                JobStatus::Pending,
                Some(now + chrono::Duration::seconds(20))
            )
        );
        assert_eq!(after(2), (JobStatus::Failed, None));
        let huge = Retries {
            max_attempts: i32::MAX,
            backoff: Duration::MAX,
        };
        let (status, at) = after_attempt(JobStatus::Running, Outcome::Failed, 60, huge, now);
        assert_eq!(
            (status, at),
            (JobStatus::Pending, Some(now + chrono::Duration::days(7)))
        );
    }

    #[test]
    fn cancellation_wins_and_interruptions_come_back_at_once() {
        let now = Utc::now();
        for outcome in [Outcome::Succeeded, Outcome::Failed, Outcome::Interrupted] {
            assert_eq!(
                after_attempt(JobStatus::Cancelled, outcome, 0, RETRIES, now),
                (JobStatus::Cancelled, None)
            );
        }
        assert_eq!(
            after_attempt(JobStatus::Running, Outcome::Interrupted, 5, RETRIES, now),
            (JobStatus::Pending, None)
        );
    }
}

#[cfg(test)]
mod queue_tests {
    use super::{next_in_queue, JobOrigin, QueueHead};
    use crate::ids::WorkspaceId;
    use std::collections::HashMap;

    fn head(workspace: u128, origin: JobOrigin, oldest_job: i64) -> QueueHead {
        QueueHead {
            workspace: Some(WorkspaceId(uuid::Uuid::from_u128(workspace))),
            origin,
            oldest_job,
        }
    }

    fn pick(heads: &[QueueHead], running: &[(u128, i64)]) -> QueueHead {
        let running: HashMap<_, _> = running
            .iter()
            .map(|(w, n)| (Some(WorkspaceId(uuid::Uuid::from_u128(*w))), *n))
            .collect();
        next_in_queue(heads, |w| running.get(&w).copied().unwrap_or(0)).unwrap()
    }

    #[test]
    fn manual_jobs_go_before_scheduled_ones() {
        let heads = [
            head(1, JobOrigin::Scheduled, 1),
            head(2, JobOrigin::Manual, 500),
        ];
        assert_eq!(pick(&heads, &[(2, 9)]).oldest_job, 500);
    }

    #[test]
    fn the_workspace_running_least_goes_first_then_the_oldest_job() {
        let busy = head(1, JobOrigin::Scheduled, 1);
        let quiet = head(2, JobOrigin::Scheduled, 10_001);
        assert_eq!(pick(&[busy, quiet], &[(1, 1)]).oldest_job, 10_001);
        assert_eq!(
            pick(&[busy, quiet], &[]).oldest_job,
            1,
            "equals: the oldest"
        );
        assert_eq!(pick(&[busy, quiet], &[(1, 3), (2, 3)]).oldest_job, 1);
    }

    #[test]
    fn an_empty_queue_has_no_next_job() {
        assert_eq!(next_in_queue(&[], |_| 0), None);
    }
}
