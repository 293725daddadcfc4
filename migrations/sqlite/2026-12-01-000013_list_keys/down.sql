ALTER TABLE notification_webhooks DROP COLUMN version;
DROP INDEX actors_by_name;
DROP INDEX actors_by_updated;
DROP INDEX actors_by_created;
ALTER TABLE actors DROP COLUMN name_folded;
DROP INDEX connections_by_name;
DROP INDEX connections_by_updated;
DROP INDEX connections_by_created;
ALTER TABLE connections DROP COLUMN name_folded;
