DROP INDEX jobs_queue_idx;
ALTER TABLE jobs DROP COLUMN priority;
ALTER TABLE jobs DROP COLUMN workspace_id;
