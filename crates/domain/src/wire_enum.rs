//! Enums whose wire spelling is also their stored spelling.
//!
//! The OpenAPI schema is written by hand from the same list of wire names that serde uses,
//! rather than derived: utoipa's derive does not see a `#[serde(rename = $text)]` whose value
//! comes from a macro argument, and documented the Rust variant names instead (issue 12).

/// Declares an enum with its snake_case wire names, `as_str` for storage and `parse` back,
/// and an OpenAPI schema listing exactly those names.
#[macro_export]
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::actor::CheckStatus;
    use crate::connection::{ConnectionStatus, DataType, SyncMode, TimeUnit};
    use crate::job::{AttemptStatus, JobConfigType, JobStatus};
    use crate::list::SortOrder;
    use crate::permission::{PermissionCheckStatus, PermissionType};
    use crate::workspace::{WorkspaceSortBy, WorkspaceStatus};
    use serde_json::Value;
    use utoipa::PartialSchema;

    /// The values the document lists are exactly what serde writes for each variant, and
    /// serde reads each of them back.
    fn documented_as_serialised<T>(all: &[T])
    where
        T: serde::Serialize
            + serde::de::DeserializeOwned
            + PartialSchema
            + PartialEq
            + std::fmt::Debug,
    {
        let schema = serde_json::to_value(T::schema()).unwrap();
        let listed: Vec<Value> = schema["enum"].as_array().cloned().unwrap_or_default();
        let written: Vec<Value> = all
            .iter()
            .map(|v| serde_json::to_value(v).unwrap())
            .collect();
        assert_eq!(listed, written, "{}", std::any::type_name::<T>());
        for (value, text) in all.iter().zip(&written) {
            assert_eq!(&serde_json::from_value::<T>(text.clone()).unwrap(), value);
        }
    }

    #[test]
    fn every_wire_enum_is_documented_as_it_is_serialised() {
        documented_as_serialised(CheckStatus::ALL);
        documented_as_serialised(ConnectionStatus::ALL);
        documented_as_serialised(DataType::ALL);
        documented_as_serialised(SyncMode::ALL);
        documented_as_serialised(TimeUnit::ALL);
        documented_as_serialised(AttemptStatus::ALL);
        documented_as_serialised(JobConfigType::ALL);
        documented_as_serialised(JobStatus::ALL);
        documented_as_serialised(SortOrder::ALL);
        documented_as_serialised(PermissionCheckStatus::ALL);
        documented_as_serialised(PermissionType::ALL);
        documented_as_serialised(WorkspaceSortBy::ALL);
        documented_as_serialised(WorkspaceStatus::ALL);
        documented_as_serialised(crate::schedule::ConnectionScheduleType::ALL);
        documented_as_serialised(crate::notification::NotificationTrigger::ALL);
        documented_as_serialised(crate::notification::NotificationDeliveryStatus::ALL);
        documented_as_serialised(crate::notification::NotificationReadStatus::ALL);
    }

    /// The check itself catches a drift: a schema listing the Rust name, as the derive did.
    #[test]
    #[should_panic(expected = "Drifted")]
    fn a_drifted_enum_fails_the_check() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug, Clone, Copy)]
        enum Drifted {
            #[serde(rename = "plain_text")]
            Plain,
        }
        impl utoipa::PartialSchema for Drifted {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .enum_values(Some(["Plain"]))
                    .into()
            }
        }
        documented_as_serialised(&[Drifted::Plain]);
    }
}
