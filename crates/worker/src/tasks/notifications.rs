//! Notification delivery: claims due deliveries from the outbox (`FOR UPDATE SKIP LOCKED`
//! on PostgreSQL, so many workers never take the same one; each claim leases its delivery
//! and counts an attempt), posts each on its own outside any transaction, and records its
//! outcome as soon as it has one: delivered, retried after a doubling backoff, or failed once
//! the retry window has passed. A worker that dies mid-attempt leaves its deliveries to
//! whoever finds their lease expired, so every event is delivered at least once.
//!
//! A receiver that hangs delays only its own deliveries: a run does not wait for the posts it
//! started, at most [`PER_WEBHOOK`] of one webhook are in flight at once, and the claim skips
//! a webhook that has no room left, so the other webhooks' deliveries keep flowing past it.
//! Its own loop: a slow receiver delays no sync.

use super::{BackgroundTask, Drain, Report, RunOnce};
use crate::notify::Outgoing;
use crate::runner::Worker;
use ferry_domain::notification::{DeliveryPolicy, NotificationDeliveryStatus};
use ferry_persistence::store::notifications::{self, Attempted, Claimed};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use uuid::Uuid;

/// Deliveries in flight at once in one worker.
const IN_FLIGHT: usize = 16;

/// Deliveries of one webhook in flight at once in one worker: a hung receiver holds no more
/// of the worker's [`IN_FLIGHT`] than this.
const PER_WEBHOOK: usize = 4;

pub struct NotificationDelivery {
    worker: Worker,
    /// Deliveries in flight, by webhook.
    in_flight: Arc<Mutex<HashMap<Uuid, usize>>>,
    posts: Mutex<JoinSet<()>>,
}

impl NotificationDelivery {
    pub fn new(worker: Worker) -> Self {
        NotificationDelivery {
            worker,
            in_flight: Arc::default(),
            posts: Mutex::new(JoinSet::new()),
        }
    }

    fn posts(&self) -> std::sync::MutexGuard<'_, JoinSet<()>> {
        self.posts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One delivery in flight, counted against its webhook until dropped.
struct InFlight {
    counts: Arc<Mutex<HashMap<Uuid, usize>>>,
    webhook: Uuid,
}

impl InFlight {
    fn hold(in_flight: &Arc<Mutex<HashMap<Uuid, usize>>>, webhook: Uuid) -> Self {
        *counts(in_flight).entry(webhook).or_default() += 1;
        InFlight {
            counts: Arc::clone(in_flight),
            webhook,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut counts = counts(&self.counts);
        if let Some(count) = counts.get_mut(&self.webhook) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.webhook);
            }
        }
    }
}

/// The in-flight counts, poison or not (a count is never left half-updated).
fn counts(
    in_flight: &Mutex<HashMap<Uuid, usize>>,
) -> std::sync::MutexGuard<'_, HashMap<Uuid, usize>> {
    in_flight.lock().unwrap_or_else(|e| e.into_inner())
}

impl BackgroundTask for NotificationDelivery {
    fn name(&self) -> &'static str {
        "notification_delivery"
    }

    fn period(&self) -> Duration {
        self.worker.settings().notifications.poll_interval
    }

    fn run_once<'a>(&'a self, _: &'a watch::Receiver<bool>) -> RunOnce<'a> {
        Box::pin(async move {
            // Reap the posts that ended (each recorded its own outcome).
            while let Some(ended) = self.posts().try_join_next() {
                if let Err(error) = ended {
                    // Its delivery stays leased, and is taken again when the lease ends.
                    tracing::error!(%error, "a webhook delivery panicked");
                }
            }
            let busy: HashMap<Uuid, usize> = counts(&self.in_flight).clone();
            let free = IN_FLIGHT.saturating_sub(busy.values().sum());
            if free == 0 {
                return Ok(Report::done(format!("{IN_FLIGHT} deliveries in flight")));
            }
            let worker = &self.worker;
            let policy = worker.settings().notifications.policy;
            let limit = i64::try_from(free).unwrap_or(0);
            let claimed = worker
                .db()
                .write(move |conn| {
                    let room = |webhook: Uuid| {
                        PER_WEBHOOK.saturating_sub(busy.get(&webhook).copied().unwrap_or(0))
                    };
                    notifications::claim(conn, chrono::Utc::now(), policy.lease(), limit, &room)
                })
                .await
                .map_err(|e| format!("could not claim notification deliveries: {e}"))?;
            let started = claimed.len();
            for delivery in claimed {
                let held = InFlight::hold(&self.in_flight, delivery.webhook_id);
                let worker = worker.clone();
                self.posts().spawn(async move {
                    deliver(&worker, delivery, policy).await;
                    // Released even when the post panicked (the guard drops while unwinding):
                    // a webhook's room never leaks.
                    drop(held);
                });
            }
            Ok(Report {
                summary: match started {
                    0 => "no delivery was due".to_string(),
                    n => format!("{n} deliveries started"),
                },
                more: started == free,
            })
        })
    }

    /// On shutdown, the posts in flight get their timeout to end and be recorded.
    fn drain(&self) -> Drain<'_> {
        Box::pin(async move {
            let mut posts = std::mem::take(&mut *self.posts());
            while let Some(ended) = posts.join_next().await {
                if let Err(error) = ended {
                    tracing::error!(%error, "a webhook delivery panicked");
                }
            }
        })
    }
}

/// Posts one delivery and records its outcome.
async fn deliver(worker: &Worker, delivery: Claimed, policy: DeliveryPolicy) {
    let outgoing = Outgoing {
        event_id: delivery.event_id,
        event_type: delivery.event_type,
        body: &delivery.body,
    };
    let outcome = worker
        .webhooks()
        .post(&delivery.url, &delivery.signing_secret, outgoing)
        .await;
    let (event_id, delivery_id, attempt) =
        (delivery.event_id, delivery.delivery_id, delivery.attempt);
    let recorded_outcome = outcome.clone();
    let recorded = worker
        .db()
        .write(move |conn| {
            notifications::record(
                conn,
                &delivery,
                &recorded_outcome,
                &policy,
                chrono::Utc::now(),
            )
        })
        .await;
    let status = match recorded {
        Ok(status) => status,
        Err(error) => {
            // The lease runs out and the delivery is taken again: at least once holds.
            tracing::error!(%error, %event_id, %delivery_id, "could not record a notification delivery");
            return;
        }
    };
    let (status_code, error) = match &outcome {
        Attempted::Delivered { status_code } => (Some(*status_code), None),
        Attempted::Failed { status_code, error } => (*status_code, Some(error.as_str())),
    };
    match status {
        Some(NotificationDeliveryStatus::Delivered) => {
            tracing::info!(%event_id, %delivery_id, attempt, status_code, "notification delivered");
        }
        Some(NotificationDeliveryStatus::Pending) => {
            tracing::warn!(%event_id, %delivery_id, attempt, status_code, error, "notification delivery failed; it will be retried");
        }
        Some(NotificationDeliveryStatus::Failed) => {
            tracing::warn!(%event_id, %delivery_id, attempt, status_code, error, "notification delivery failed for good: its retries ran out");
        }
        None => tracing::info!(%event_id, %delivery_id, attempt,
            "a delivery attempt ended after its lease: another attempt owns the delivery now"),
    }
}
