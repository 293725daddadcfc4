-- Cron schedules (Airbyte's later scheduleType/scheduleData): a Quartz expression, the IANA
-- zone it is read in, and when it was set (fire times before that are not runs of it). A
-- connection has an interval schedule (schedule_units), a cron one, or neither.
ALTER TABLE connections ADD COLUMN schedule_cron_expression text;
ALTER TABLE connections ADD COLUMN schedule_cron_time_zone text;
ALTER TABLE connections ADD COLUMN schedule_cron_since timestamptz;
ALTER TABLE connections ADD CONSTRAINT connections_one_schedule CHECK (
    (schedule_cron_expression IS NULL) = (schedule_cron_time_zone IS NULL)
    AND (schedule_cron_expression IS NULL) = (schedule_cron_since IS NULL)
    AND (schedule_cron_expression IS NULL OR schedule_units IS NULL)
);
