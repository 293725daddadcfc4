//! Notification delivery: claims due deliveries from the outbox (`FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, so many workers never take the same one; each claim leases its delivery
//! and counts an attempt), posts them concurrently outside any transaction, and records
//! each outcome: delivered, retried after a doubling backoff, or failed once the retry
//! window has passed. A worker that dies mid-attempt leaves its deliveries to whoever finds
//! their lease expired, so every event is delivered at least once. Its own loop: a slow
//! receiver delays no sync.

use super::{BackgroundTask, Report, RunOnce};
use crate::notify::Outgoing;
use crate::runner::Worker;
use ferry_domain::notification::NotificationDeliveryStatus;
use ferry_persistence::store::notifications::{self, Attempted, Claimed};
use std::time::Duration;
use tokio::sync::watch;

/// Deliveries claimed (and posted concurrently) per run.
const BATCH: i64 = 16;

pub struct NotificationDelivery(pub Worker);

impl BackgroundTask for NotificationDelivery {
    fn name(&self) -> &'static str {
        "notification_delivery"
    }

    fn period(&self) -> Duration {
        self.0.settings().notifications.poll_interval
    }

    fn run_once<'a>(&'a self, _: &'a watch::Receiver<bool>) -> RunOnce<'a> {
        Box::pin(async move {
            let worker = &self.0;
            let policy = worker.settings().notifications.policy;
            let claimed = worker
                .db()
                .write(move |conn| {
                    notifications::claim(conn, chrono::Utc::now(), policy.lease(), BATCH)
                })
                .await
                .map_err(|e| format!("could not claim notification deliveries: {e}"))?;
            if claimed.is_empty() {
                return Ok(Report::done("no delivery was due"));
            }
            let full = claimed.len() as i64 == BATCH;
            let mut posts = tokio::task::JoinSet::new();
            for delivery in claimed {
                let sender = worker.webhooks().clone();
                posts.spawn(async move {
                    let outgoing = Outgoing {
                        event_id: delivery.event_id,
                        event_type: delivery.event_type,
                        body: &delivery.body,
                    };
                    let outcome = sender
                        .post(&delivery.url, &delivery.signing_secret, outgoing)
                        .await;
                    (delivery, outcome)
                });
            }
            let mut done: Vec<(Claimed, Attempted)> = Vec::new();
            while let Some(posted) = posts.join_next().await {
                match posted {
                    Ok(posted) => done.push(posted),
                    // Its delivery stays leased, and is taken again when the lease ends.
                    Err(error) => tracing::error!(%error, "a webhook delivery panicked"),
                }
            }
            let recorded = worker
                .db()
                .write(move |conn| {
                    let now = chrono::Utc::now();
                    done.iter()
                        .map(|(claimed, outcome)| {
                            let status =
                                notifications::record(conn, claimed, outcome, &policy, now)?;
                            Ok((
                                claimed.event_id,
                                claimed.delivery_id,
                                claimed.attempt,
                                outcome.clone(),
                                status,
                            ))
                        })
                        .collect::<ferry_domain::Result<Vec<_>>>()
                })
                .await
                .map_err(|e| format!("could not record notification deliveries: {e}"))?;
            let (mut delivered, mut retrying, mut failed) = (0, 0, 0);
            for (event_id, delivery_id, attempt, outcome, status) in recorded {
                let (status_code, error) = match &outcome {
                    Attempted::Delivered { status_code } => (Some(*status_code), None),
                    Attempted::Failed { status_code, error } => {
                        (*status_code, Some(error.as_str()))
                    }
                };
                match status {
                    Some(NotificationDeliveryStatus::Delivered) => {
                        delivered += 1;
                        tracing::info!(%event_id, %delivery_id, attempt, status_code, "notification delivered");
                    }
                    Some(NotificationDeliveryStatus::Pending) => {
                        retrying += 1;
                        tracing::warn!(%event_id, %delivery_id, attempt, status_code, error, "notification delivery failed; it will be retried");
                    }
                    Some(NotificationDeliveryStatus::Failed) => {
                        failed += 1;
                        tracing::warn!(%event_id, %delivery_id, attempt, status_code, error, "notification delivery failed for good: its retries ran out");
                    }
                    None => tracing::info!(%event_id, %delivery_id, attempt,
                        "a delivery attempt ended after its lease: another attempt owns the delivery now"),
                }
            }
            Ok(Report {
                summary: format!("{delivered} delivered, {retrying} to retry, {failed} failed"),
                more: full,
            })
        })
    }
}
