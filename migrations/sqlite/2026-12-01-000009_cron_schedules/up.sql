-- Cron schedules (Airbyte's later scheduleType/scheduleData): a Quartz expression, the IANA
-- zone it is read in, and when it was set (fire times before that are not runs of it). A
-- connection has an interval schedule (schedule_units), a cron one, or neither. SQLite adds a
-- CHECK only with a column, so the last column carries the rule for all three.
ALTER TABLE connections ADD COLUMN schedule_cron_expression text;
ALTER TABLE connections ADD COLUMN schedule_cron_time_zone text;
ALTER TABLE connections ADD COLUMN schedule_cron_since text CHECK (
    (schedule_cron_expression IS NULL) = (schedule_cron_time_zone IS NULL)
    AND (schedule_cron_expression IS NULL) = (schedule_cron_since IS NULL)
    AND (schedule_cron_expression IS NULL OR schedule_units IS NULL)
);
