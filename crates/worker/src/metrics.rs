//! What the worker counts for `/api/metrics`: attempts by type and outcome, their duration,
//! the records and bytes they moved, and how long jobs waited to start.

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
};

#[derive(Clone, Debug)]
pub struct JobMetrics {
    attempts: IntCounterVec,
    attempt_seconds: HistogramVec,
    records: IntCounter,
    bytes: IntCounter,
    start_lag_seconds: Histogram,
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
            records: IntCounter::new("ferry_records_synced_total", "Records synced by attempts")?,
            bytes: IntCounter::new("ferry_bytes_synced_total", "Bytes synced by attempts")?,
            start_lag_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "ferry_job_start_lag_seconds",
                    "From a job being queued (or due, for a scheduled sync) to its first attempt starting",
                )
                .buckets(SECONDS_BUCKETS.to_vec()),
            )?,
        };
        registry.register(Box::new(metrics.attempts.clone()))?;
        registry.register(Box::new(metrics.attempt_seconds.clone()))?;
        registry.register(Box::new(metrics.records.clone()))?;
        registry.register(Box::new(metrics.bytes.clone()))?;
        registry.register(Box::new(metrics.start_lag_seconds.clone()))?;
        Ok(metrics)
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
