DROP TRIGGER connections_counted_update;
DROP TRIGGER connections_counted_delete;
DROP TRIGGER connections_counted_insert;
DROP TRIGGER actors_counted_update;
DROP TRIGGER actors_counted_delete;
DROP TRIGGER actors_counted_insert;
DROP TABLE workspace_counts;
DROP INDEX jobs_latest_by_workspace;
