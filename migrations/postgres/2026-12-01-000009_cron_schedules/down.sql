-- Cron connections become manual.
ALTER TABLE connections DROP CONSTRAINT connections_one_schedule;
ALTER TABLE connections DROP COLUMN schedule_cron_since;
ALTER TABLE connections DROP COLUMN schedule_cron_time_zone;
ALTER TABLE connections DROP COLUMN schedule_cron_expression;
