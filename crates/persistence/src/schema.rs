//! Table definitions, written by hand against the shared SQL types: `diesel print-schema`
//! cannot produce one schema for both backends.

diesel::table! {
    use diesel::sql_types::{BigInt, Bool, Nullable, Text};
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
        organization_id -> SqlUuid,
        description -> Nullable<Text>,
        status -> Text,
        region -> Text,
        name_folded -> Text,
        search_folded -> Text,
        created_by -> Nullable<SqlUuid>,
        updated_by -> Nullable<SqlUuid>,
        version -> BigInt,
        owner_id -> Nullable<SqlUuid>,
        workspace_type -> Text,
        domain_name -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::Text;
    use crate::sql_types::SqlUuid;

    workspace_tags (workspace_id, tag) {
        workspace_id -> SqlUuid,
        tag -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use crate::sql_types::{SqlTimestamp, SqlUuid};

    organizations (id) {
        id -> SqlUuid,
        name -> Text,
        email -> Nullable<Text>,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        deleted_at -> Nullable<SqlTimestamp>,
        version -> BigInt,
        name_folded -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
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
        version -> BigInt,
        name_folded -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use crate::sql_types::{SqlJson, SqlTimestamp, SqlUuid};

    actors (id) {
        id -> SqlUuid,
        actor_type -> Text,
        workspace_id -> SqlUuid,
        actor_definition_id -> SqlUuid,
        name -> Text,
        configuration -> SqlJson,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        deleted_at -> Nullable<SqlTimestamp>,
        secret_paths -> SqlJson,
        created_by -> Nullable<SqlUuid>,
        updated_by -> Nullable<SqlUuid>,
        version -> BigInt,
        name_folded -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::{Nullable, Text};
    use crate::sql_types::{SqlJson, SqlTimestamp};

    connector_specs (docker_repository, docker_image_tag) {
        docker_repository -> Text,
        docker_image_tag -> Text,
        specification -> SqlJson,
        documentation_url -> Nullable<Text>,
        created_at -> SqlTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use crate::sql_types::{SqlJson, SqlTimestamp, SqlUuid};

    connections (id) {
        id -> SqlUuid,
        workspace_id -> SqlUuid,
        source_id -> SqlUuid,
        destination_id -> SqlUuid,
        name -> Text,
        sync_mode -> Text,
        sync_schema -> SqlJson,
        schedule_units -> Nullable<BigInt>,
        schedule_time_unit -> Nullable<Text>,
        status -> Text,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        created_by -> Nullable<SqlUuid>,
        updated_by -> Nullable<SqlUuid>,
        schedule_cron_expression -> Nullable<Text>,
        schedule_cron_time_zone -> Nullable<Text>,
        schedule_cron_since -> Nullable<SqlTimestamp>,
        version -> BigInt,
        name_folded -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use crate::sql_types::{SqlTimestamp, SqlUuid};

    users (id) {
        id -> SqlUuid,
        name -> Text,
        email -> Text,
        email_folded -> Text,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        deleted_at -> Nullable<SqlTimestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use crate::sql_types::{SqlTimestamp, SqlUuid};

    permissions (id) {
        id -> SqlUuid,
        user_id -> SqlUuid,
        permission_type -> Text,
        workspace_id -> Nullable<SqlUuid>,
        organization_id -> Nullable<SqlUuid>,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use crate::sql_types::{SqlTimestamp, SqlUuid};

    applications (id) {
        id -> SqlUuid,
        user_id -> SqlUuid,
        name -> Text,
        client_id -> Text,
        secret_hash -> Text,
        created_at -> SqlTimestamp,
        deleted_at -> Nullable<SqlTimestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::Text;

    instance_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::joinable!(permissions -> users (user_id));
diesel::joinable!(applications -> users (user_id));
diesel::joinable!(actors -> actor_definitions (actor_definition_id));
diesel::joinable!(actors -> workspaces (workspace_id));
diesel::joinable!(workspace_tags -> workspaces (workspace_id));
diesel::joinable!(workspaces -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    workspaces,
    workspace_tags,
    actor_definitions,
    actors,
    connections,
    connector_specs,
    users,
    permissions,
    applications
);

diesel::table! {
    use diesel::sql_types::{BigInt, Integer, Nullable, Text};
    use crate::sql_types::{SqlTimestamp, SqlUuid};

    jobs (id) {
        id -> BigInt,
        config_type -> Text,
        config_id -> Text,
        status -> Text,
        not_before -> SqlTimestamp,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        cancel_reason -> Nullable<Text>,
        workspace_id -> Nullable<SqlUuid>,
        priority -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Integer, Nullable, Text};
    use crate::sql_types::SqlTimestamp;

    attempts (id) {
        id -> BigInt,
        job_id -> BigInt,
        attempt_number -> Integer,
        status -> Text,
        records_synced -> BigInt,
        bytes_synced -> BigInt,
        heartbeat_at -> SqlTimestamp,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        ended_at -> Nullable<SqlTimestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Text};

    attempt_logs (id) {
        id -> BigInt,
        attempt_id -> BigInt,
        line -> Text,
    }
}

diesel::table! {
    use crate::sql_types::{SqlJson, SqlTimestamp, SqlUuid};

    connection_states (connection_id) {
        connection_id -> SqlUuid,
        state -> SqlJson,
        updated_at -> SqlTimestamp,
    }
}

diesel::joinable!(attempts -> jobs (job_id));
diesel::joinable!(attempt_logs -> attempts (attempt_id));
diesel::allow_tables_to_appear_in_same_query!(jobs, attempts, attempt_logs, connection_states);

diesel::table! {
    use diesel::sql_types::{Integer, Nullable, Text};
    use crate::sql_types::SqlTimestamp;

    idempotency_keys (caller, idempotency_key) {
        caller -> Text,
        idempotency_key -> Text,
        operation -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        response_headers -> Nullable<Text>,
        created_at -> SqlTimestamp,
        locked_until -> SqlTimestamp,
        expires_at -> SqlTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use crate::sql_types::{SqlJson, SqlTimestamp, SqlUuid};

    notification_webhooks (id) {
        id -> SqlUuid,
        workspace_id -> SqlUuid,
        name -> Text,
        url -> Text,
        notification_triggers -> SqlJson,
        signing_secret -> Text,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        deleted_at -> Nullable<SqlTimestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::Text;
    use crate::sql_types::{SqlTimestamp, SqlUuid};

    notification_events (id) {
        id -> SqlUuid,
        workspace_id -> SqlUuid,
        event_type -> Text,
        payload -> Text,
        created_at -> SqlTimestamp,
    }
}

diesel::table! {
    use diesel::sql_types::{Integer, Nullable, Text};
    use crate::sql_types::{SqlTimestamp, SqlUuid};

    notification_deliveries (id) {
        id -> SqlUuid,
        event_id -> SqlUuid,
        webhook_id -> SqlUuid,
        workspace_id -> SqlUuid,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> SqlTimestamp,
        last_error -> Nullable<Text>,
        last_status_code -> Nullable<Integer>,
        created_at -> SqlTimestamp,
        updated_at -> SqlTimestamp,
        delivered_at -> Nullable<SqlTimestamp>,
    }
}

diesel::joinable!(notification_deliveries -> notification_events (event_id));
diesel::joinable!(notification_deliveries -> notification_webhooks (webhook_id));
diesel::allow_tables_to_appear_in_same_query!(
    notification_webhooks,
    notification_events,
    notification_deliveries
);

diesel::table! {
    use diesel::sql_types::{BigInt, Text};
    use crate::sql_types::SqlUuid;

    /// What each workspace holds, kept by triggers as actors and connections change
    /// (migration 000017): `kind` is `source` or `destination` (live actors) or a connection
    /// status.
    workspace_counts (workspace_id, kind) {
        workspace_id -> SqlUuid,
        kind -> Text,
        n -> BigInt,
    }
}
