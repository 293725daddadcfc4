//! `notification_deliveries/*`: the delivery log, readable by workspace readers.

pub mod list;
