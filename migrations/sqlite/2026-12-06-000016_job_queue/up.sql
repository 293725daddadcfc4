-- The fair queue (docs/API-DESIGN.md, "Jobs and the queue"): each job knows its workspace, so
-- that claims can be fair across workspaces, and its priority (0: asked for through the API,
-- 1: queued by the schedule), so that a person's request goes first.
ALTER TABLE jobs ADD COLUMN workspace_id text;
ALTER TABLE jobs ADD COLUMN priority integer NOT NULL DEFAULT 0;
UPDATE jobs SET workspace_id = (SELECT c.workspace_id FROM connections c WHERE c.id = jobs.config_id)
    WHERE config_type IN ('sync', 'reset_connection');
CREATE INDEX jobs_queue_idx ON jobs (status, workspace_id, priority, id);
