//! What the worker counts for `/api/metrics`: attempts by type and outcome, their duration,
//! the records and bytes they moved, how long jobs waited to start, and the attempt slots
//! (how many this process has, and how many are busy).

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};

#[derive(Clone, Debug)]
pub struct JobMetrics {
    attempts: IntCounterVec,
    attempt_seconds: HistogramVec,
    records: IntCounter,
    bytes: IntCounter,
    start_lag_seconds: Histogram,
    slots: IntGauge,
    running: IntGauge,
}

/// Buckets from a second to a day, for attempt durations and start lags.
const SECONDS_BUCKETS: [f64; 12] = [
    0.1,
    0.5,
    1.0,
    5.0,
    15.0,
    60.0,
    300.0,
    900.0,
    3600.0,
    4.0 * 3600.0,
    12.0 * 3600.0,
    86400.0,
];

impl JobMetrics {
    /// Registers the job metrics in `registry`.
    pub fn new(registry: &Registry) -> prometheus::Result<Self> {
        let metrics = JobMetrics {
            attempts: IntCounterVec::new(
                Opts::new("ferry_job_attempts_total", "Attempts ended, by job type and outcome"),
                &["config_type", "outcome"],
            )?,
            attempt_seconds: HistogramVec::new(
                HistogramOpts::new("ferry_job_attempt_duration_seconds", "How long attempts ran")
                    .buckets(SECONDS_BUCKETS.to_vec()),
                &["config_type"],
            )?,
            records: IntCounter::new("ferry_synced_records_total", "Records synced by attempts")?,
            bytes: IntCounter::new("ferry_synced_bytes_total", "Bytes synced by attempts")?,
            start_lag_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "ferry_job_start_lag_seconds",
                    "From a job being queued (or due, for a scheduled sync) to its first attempt starting",
                )
                .buckets(SECONDS_BUCKETS.to_vec()),
            )?,
            slots: IntGauge::new(
                "ferry_attempt_slots",
                "Attempts this process may run at once (worker.max_concurrent_attempts)",
            )?,
            running: IntGauge::new("ferry_attempts_running", "Attempts this process runs now")?,
        };
        registry.register(Box::new(metrics.attempts.clone()))?;
        registry.register(Box::new(metrics.attempt_seconds.clone()))?;
        registry.register(Box::new(metrics.records.clone()))?;
        registry.register(Box::new(metrics.bytes.clone()))?;
        registry.register(Box::new(metrics.start_lag_seconds.clone()))?;
        registry.register(Box::new(metrics.slots.clone()))?;
        registry.register(Box::new(metrics.running.clone()))?;
        Ok(metrics)
    }

    /// This process has `capacity` attempt slots, `busy` of them running an attempt (the free
    /// ones are the difference).
    pub fn slots(&self, capacity: usize, busy: usize) {
        self.slots.set(i64::try_from(capacity).unwrap_or(i64::MAX));
        self.running.set(i64::try_from(busy).unwrap_or(i64::MAX));
    }

    /// A job's first attempt started `lag` after the job was queued.
    pub fn started(&self, lag: std::time::Duration) {
        self.start_lag_seconds.observe(lag.as_secs_f64());
    }

    /// An attempt ended.
    pub fn ended(
        &self,
        config_type: &str,
        outcome: &str,
        took: std::time::Duration,
        records: i64,
        bytes: i64,
    ) {
        self.attempts
            .with_label_values(&[config_type, outcome])
            .inc();
        self.attempt_seconds
            .with_label_values(&[config_type])
            .observe(took.as_secs_f64());
        self.records.inc_by(u64::try_from(records).unwrap_or(0));
        self.bytes.inc_by(u64::try_from(bytes).unwrap_or(0));
    }
}
