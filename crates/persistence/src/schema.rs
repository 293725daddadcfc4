//! Table definitions, written by hand against the shared SQL types: `diesel print-schema`
//! cannot produce one schema for both backends.

diesel::table! {
    use diesel::sql_types::{Bool, Nullable, Text};
    use crate::sql_types::{SqlTimestamp, SqlUuid};

    workspaces (id) {
        id -> SqlUuid,
        customer_id -> SqlUuid,
        name -> Text,
        slug -> Text,
        email -> Nullable<Text>,
        initial_setup_complete -> Bool,
        onboarding_complete -> Bool,
        anonymous_data_collection -> Bool,
        news -> Bool,
        security_updates -> Bool,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        deleted_at -> Nullable<SqlTimestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::{Nullable, Text};
    use crate::sql_types::{SqlTimestamp, SqlUuid};

    actor_definitions (id) {
        id -> SqlUuid,
        actor_type -> Text,
        name -> Text,
        docker_repository -> Text,
        docker_image_tag -> Text,
        documentation_url -> Text,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        deleted_at -> Nullable<SqlTimestamp>,
    }
}
