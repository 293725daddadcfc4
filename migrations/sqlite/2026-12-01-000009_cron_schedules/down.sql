-- Cron connections become manual. The column holding the CHECK goes first.
ALTER TABLE connections DROP COLUMN schedule_cron_since;
ALTER TABLE connections DROP COLUMN schedule_cron_time_zone;
ALTER TABLE connections DROP COLUMN schedule_cron_expression;
