//! `notifications/*`: Airbyte's test-a-notification operation.

pub mod try_webhook;
