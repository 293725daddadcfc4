//! Connections: a source, a destination, the streams to sync, and when.

use crate::actor::{DestinationRead, SourceRead};
use crate::ids::{ConnectionId, DestinationId, SourceId, UserId, WorkspaceId};

use crate::schedule::{self, ConnectionScheduleData, ConnectionScheduleType, Schedule};
use crate::values::Name;
use crate::version::ExpectedVersion;
use crate::wire_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

wire_enum!(
    /// `deprecated` is what deleting a connection, or its source or destination, leaves.
    ConnectionStatus { Active => "active", Inactive => "inactive", Deprecated => "deprecated" }
);
wire_enum!(SyncMode { FullRefresh => "full_refresh", Incremental => "incremental" });
wire_enum!(DataType {
    String => "string",
    Number => "number",
    Boolean => "boolean",
    Object => "object",
    Array => "array",
});
wire_enum!(TimeUnit {
    Minutes => "minutes",
    Hours => "hours",
    Days => "days",
    Weeks => "weeks",
    Months => "months",
});

impl TimeUnit {
    /// The most units a schedule may have in this unit: about a year. A longer period means
    /// nothing for a sync schedule, and bounding it keeps the scheduler's arithmetic finite.
    pub fn max_units(self) -> i64 {
        match self {
            TimeUnit::Minutes => 525_600,
            TimeUnit::Hours => 8_784,
            TimeUnit::Days => 366,
            TimeUnit::Weeks => 53,
            TimeUnit::Months => 12,
        }
    }

    /// `units` of this unit as a duration to add to a time; None when it does not fit.
    /// Months are calendar months, so they are added with [`Self::after`] instead.
    pub fn after(self, start: DateTime<Utc>, units: i64) -> Option<DateTime<Utc>> {
        let delta = match self {
            TimeUnit::Minutes => chrono::TimeDelta::try_minutes(units),
            TimeUnit::Hours => chrono::TimeDelta::try_hours(units),
            TimeUnit::Days => chrono::TimeDelta::try_days(units),
            TimeUnit::Weeks => chrono::TimeDelta::try_weeks(units),
            TimeUnit::Months => {
                let months = u32::try_from(units).ok()?;
                return start.checked_add_months(chrono::Months::new(months));
            }
        };
        start.checked_add_signed(delta?)
    }
}

/// Every `units` `timeUnit`; absent means the connection only syncs when asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
#[validate(schema(function = "units_within_a_year"))]
pub struct ConnectionSchedule {
    /// At least 1; at most about a year in the chosen unit: 525600 minutes, 8784 hours,
    /// 366 days, 53 weeks or 12 months.
    #[validate(range(min = 1, message = "must be at least 1"))]
    #[schema(format = Int64, minimum = 1, maximum = 525600)]
    pub units: i64,
    pub time_unit: TimeUnit,
}

fn units_within_a_year(schedule: &ConnectionSchedule) -> Result<(), ValidationError> {
    let max = schedule.time_unit.max_units();
    if schedule.units <= max {
        return Ok(());
    }
    let mut error = ValidationError::new("range");
    error.message = Some(format!("must be at most {max} {}", schedule.time_unit).into());
    error.add_param("value".into(), &schedule.units);
    error.add_param("field".into(), &"units");
    Err(error)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct SourceSchemaField {
    #[validate(length(min = 1, message = "must not be empty"))]
    #[schema(min_length = 1)]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleaned_name: Option<String>,
    pub data_type: DataType,
    pub selected: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct SourceSchemaStream {
    #[validate(length(min = 1, message = "must not be empty"))]
    #[schema(min_length = 1)]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleaned_name: Option<String>,
    #[validate(nested)]
    pub fields: Vec<SourceSchemaField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_sync_modes: Option<Vec<SyncMode>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_defined_cursor: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_cursor_field: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_mode: Option<SyncMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor_field: Option<Vec<String>>,
}

/// The streams of a source and which of them (and which fields) a connection syncs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
#[validate(schema(function = "unique_stream_names"))]
pub struct SourceSchema {
    #[validate(nested)]
    pub streams: Vec<SourceSchemaStream>,
}

fn unique_stream_names(schema: &SourceSchema) -> Result<(), ValidationError> {
    let mut seen = std::collections::HashSet::new();
    match schema
        .streams
        .iter()
        .find(|s| !seen.insert(s.name.as_str()))
    {
        None => Ok(()),
        Some(duplicate) => {
            let mut error = ValidationError::new("unique");
            error.message =
                Some(format!("stream names must be unique; {:?} repeats", duplicate.name).into());
            Err(error)
        }
    }
}

/// A stored connection.
#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    pub id: ConnectionId,
    pub workspace_id: WorkspaceId,
    pub source_id: SourceId,
    pub destination_id: DestinationId,
    pub name: String,
    pub sync_mode: SyncMode,
    pub sync_schema: SourceSchema,
    pub schedule: Schedule,
    pub status: ConnectionStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_by: Option<UserId>,
    pub version: i64,
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
#[validate(schema(function = "create_schedule_agrees"))]
pub struct ConnectionCreate {
    /// Defaults to "<source name> <> <destination name>".
    #[schema(value_type = Option<Name>)]
    pub name: Option<Name>,
    pub source_id: SourceId,
    pub destination_id: DestinationId,
    pub sync_mode: SyncMode,
    #[validate(nested)]
    pub sync_schema: Option<SourceSchema>,
    /// The 2020 contract's interval schedule; the same as `scheduleType: basic` with
    /// `scheduleData.basicSchedule`.
    #[validate(nested)]
    pub schedule: Option<ConnectionSchedule>,
    /// Without it, `scheduleData` decides (its `cron` or its `basicSchedule`), else
    /// `schedule` (basic), else manual. Forms that disagree are a 422.
    pub schedule_type: Option<ConnectionScheduleType>,
    #[validate(nested)]
    pub schedule_data: Option<ConnectionScheduleData>,
    /// `active` or `inactive`: a connection cannot be created `deprecated`.
    pub status: ConnectionStatus,
}

fn create_schedule_agrees(request: &ConnectionCreate) -> Result<(), ValidationError> {
    schedule::forms_agree(
        request.schedule,
        request.schedule_type,
        request.schedule_data.as_ref(),
    )
}

impl ConnectionCreate {
    /// The schedule the request asks for, from either form.
    pub fn decided_schedule(&self) -> crate::Result<Schedule> {
        schedule::decide(
            self.schedule,
            self.schedule_type,
            self.schedule_data.as_ref(),
        )
    }
}

/// The 2020 contract's update: the schema and status are required; the schedule is
/// replaced by what the body gives, in either form (none at all makes the connection manual).
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
#[validate(schema(function = "update_schedule_agrees"))]
pub struct ConnectionUpdate {
    pub connection_id: ConnectionId,
    #[validate(nested)]
    pub sync_schema: SourceSchema,
    /// The 2020 contract's interval schedule; the same as `scheduleType: basic` with
    /// `scheduleData.basicSchedule`.
    #[validate(nested)]
    pub schedule: Option<ConnectionSchedule>,
    /// Without it, `scheduleData` decides (its `cron` or its `basicSchedule`), else
    /// `schedule` (basic), else manual. Forms that disagree are a 422.
    pub schedule_type: Option<ConnectionScheduleType>,
    #[validate(nested)]
    pub schedule_data: Option<ConnectionScheduleData>,
    pub status: ConnectionStatus,
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

fn update_schedule_agrees(request: &ConnectionUpdate) -> Result<(), ValidationError> {
    schedule::forms_agree(
        request.schedule,
        request.schedule_type,
        request.schedule_data.as_ref(),
    )
}

impl ConnectionUpdate {
    /// The schedule the request asks for, from either form.
    pub fn decided_schedule(&self) -> crate::Result<Schedule> {
        schedule::decide(
            self.schedule,
            self.schedule_type,
            self.schedule_data.as_ref(),
        )
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionIdRequestBody {
    pub connection_id: ConnectionId,
    /// Read by `delete` only: deletes only this version of the object.
    #[schema(value_type = Option<ExpectedVersion>)]
    pub expected_version: Option<ExpectedVersion>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionRead {
    pub connection_id: ConnectionId,
    pub name: String,
    pub source_id: SourceId,
    pub destination_id: DestinationId,
    pub sync_mode: SyncMode,
    pub sync_schema: SourceSchema,
    /// The basic schedule in the 2020 contract's form; absent for a manual or cron
    /// connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ConnectionSchedule>,
    pub schedule_type: ConnectionScheduleType,
    /// `basicSchedule` for a basic schedule, `cron` for a cron one; absent when manual.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_data: Option<ConnectionScheduleData>,
    pub status: ConnectionStatus,
    /// The user who created it (absent when auth was off or for the Basic administrator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserId>,
    /// The user who changed it last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<UserId>,
    /// 1 when created; every change adds one. Send it back as `expectedVersion` (or
    /// `If-Match`) to change only this version.
    #[schema(minimum = 1)]
    pub version: i64,
}

crate::versioned!(ConnectionRead);

impl From<Connection> for ConnectionRead {
    fn from(c: Connection) -> Self {
        ConnectionRead {
            connection_id: c.id,
            name: c.name,
            source_id: c.source_id,
            destination_id: c.destination_id,
            sync_mode: c.sync_mode,
            sync_schema: c.sync_schema,
            schedule: c.schedule.basic(),
            schedule_type: c.schedule.schedule_type(),
            schedule_data: c.schedule.data(),
            status: c.status,
            created_by: c.created_by,
            updated_by: c.updated_by,
            version: c.version,
        }
    }
}

wire_enum!(ConnectionSortBy { Name => "name", CreatedAt => "createdAt", UpdatedAt => "updatedAt" });

crate::list_request! {
    /// `connections/list` and `web_backend/connections/list`: the 2020 contract's body
    /// (`workspaceId`) plus the list convention's filters, sort and pages, all optional;
    /// without them every listed connection of the workspace, oldest first, unpaged.
    pub struct ConnectionListRequestBody {
        pub workspace_id: WorkspaceId,
        /// Only connections in this status; `deprecated` lists deleted ones (never listed
        /// otherwise).
        pub status: Option<ConnectionStatus>,
        pub source_id: Option<SourceId>,
        pub destination_id: Option<DestinationId>,
        /// Case-insensitive substring of the name (Unicode-aware, the same on every backend).
        #[validate(length(min = 1, max = 256, message = "must be 1 to 256 characters"))]
        #[schema(min_length = 1, max_length = 256)]
        pub name_contains: Option<String>,
    }
    sort_by: ConnectionSortBy => "Default `createdAt`; the id always breaks ties.",
    sort_order => "Default `asc`.",
}

crate::list_response! {
    pub struct ConnectionReadList {
        pub connections: Vec<ConnectionRead>,
    }
}

/// A connection with its source and destination inlined, for web front ends.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WbConnectionRead {
    pub connection_id: ConnectionId,
    pub name: String,
    pub source_id: SourceId,
    pub destination_id: DestinationId,
    pub sync_mode: SyncMode,
    pub sync_schema: SourceSchema,
    /// The basic schedule in the 2020 contract's form; absent for a manual or cron
    /// connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ConnectionSchedule>,
    pub schedule_type: ConnectionScheduleType,
    /// `basicSchedule` for a basic schedule, `cron` for a cron one; absent when manual.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_data: Option<ConnectionScheduleData>,
    pub status: ConnectionStatus,
    pub source: SourceRead,
    pub destination: DestinationRead,
    /// Epoch seconds of the last sync; absent if none has run.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Int64)]
    pub last_sync: Option<i64>,
    pub is_syncing: bool,
    /// The connection's version, as `connections/get` answers it.
    #[schema(minimum = 1)]
    pub version: i64,
}

crate::versioned!(WbConnectionRead);

impl WbConnectionRead {
    pub fn new(connection: Connection, source: SourceRead, destination: DestinationRead) -> Self {
        let read = ConnectionRead::from(connection);
        WbConnectionRead {
            connection_id: read.connection_id,
            name: read.name,
            source_id: read.source_id,
            destination_id: read.destination_id,
            sync_mode: read.sync_mode,
            sync_schema: read.sync_schema,
            schedule: read.schedule,
            schedule_type: read.schedule_type,
            schedule_data: read.schedule_data,
            status: read.status,
            source,
            destination,
            last_sync: None,
            is_syncing: false,
            version: read.version,
        }
    }
}

crate::list_response! {
    pub struct WbConnectionReadList {
        pub connections: Vec<WbConnectionRead>,
    }
}
