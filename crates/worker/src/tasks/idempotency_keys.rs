//! Idempotency key expiry: removes the stored first answers whose keys have expired (24
//! hours after their first use), so the table holds one day of keys at most. Idempotent and
//! safe on many workers: each run is one `DELETE` of rows already past their expiry.

use super::{BackgroundTask, Report, RunOnce};
use crate::runner::Worker;
use ferry_persistence::store::idempotency_keys;
use std::time::Duration;
use tokio::sync::watch;

pub struct IdempotencyKeyExpiry(pub Worker);

impl BackgroundTask for IdempotencyKeyExpiry {
    fn name(&self) -> &'static str {
        "idempotency_key_expiry"
    }

    /// Expired keys are already refused as keys (a request takes an expired key over), so
    /// removing them is only housekeeping.
    fn period(&self) -> Duration {
        Duration::from_secs(300)
    }

    fn run_once<'a>(&'a self, _: &'a watch::Receiver<bool>) -> RunOnce<'a> {
        Box::pin(async move {
            let now = chrono::Utc::now();
            let removed = self
                .0
                .db()
                .write(move |conn| idempotency_keys::delete_expired(conn, now))
                .await
                .map_err(|e| format!("could not remove expired idempotency keys: {e}"))?;
            if removed > 0 {
                tracing::info!(removed, "expired idempotency keys removed");
            }
            Ok(Report::done(format!(
                "{removed} expired idempotency keys removed"
            )))
        })
    }
}
