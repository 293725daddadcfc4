DROP TRIGGER connections_counted ON connections;
DROP TRIGGER actors_counted ON actors;
DROP FUNCTION connections_counted();
DROP FUNCTION actors_counted();
DROP FUNCTION workspace_count_move(uuid, text, uuid, text);
DROP TABLE workspace_counts;
DROP INDEX jobs_latest_by_workspace;
