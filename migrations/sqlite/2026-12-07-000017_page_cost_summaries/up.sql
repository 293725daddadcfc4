-- web_backend/workspaces/list costs its page, not the workspaces' connections
-- (docs/API-DESIGN.md, "Lists"): each workspace's newest sync job is one index seek by the
-- job's own workspace, and what a workspace holds is counted as rows change, by triggers,
-- so that reading it is one row per kind however many there are.
CREATE INDEX jobs_latest_by_workspace ON jobs (workspace_id, config_type, id);

-- kind: 'source' or 'destination' (live actors), or a connection status.
CREATE TABLE workspace_counts (
    workspace_id text    NOT NULL,
    kind         text    NOT NULL,
    n            integer NOT NULL,
    PRIMARY KEY (workspace_id, kind)
);
INSERT INTO workspace_counts (workspace_id, kind, n)
    SELECT workspace_id, actor_type, count(*) FROM actors WHERE deleted_at IS NULL
    GROUP BY workspace_id, actor_type;
INSERT INTO workspace_counts (workspace_id, kind, n)
    SELECT workspace_id, status, count(*) FROM connections GROUP BY workspace_id, status;

-- Each trigger takes the changed row out of its old kind and into its new one. (The WHERE
-- of an upsert's SELECT is what SQLite's grammar needs to tell it from a join.)
CREATE TRIGGER actors_counted_insert AFTER INSERT ON actors WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO workspace_counts (workspace_id, kind, n) VALUES (NEW.workspace_id, NEW.actor_type, 1)
        ON CONFLICT (workspace_id, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER actors_counted_delete AFTER DELETE ON actors WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE workspace_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND kind = OLD.actor_type;
END;
CREATE TRIGGER actors_counted_update AFTER UPDATE OF workspace_id, actor_type, deleted_at ON actors
BEGIN
    UPDATE workspace_counts SET n = n - 1
        WHERE OLD.deleted_at IS NULL AND workspace_id = OLD.workspace_id AND kind = OLD.actor_type;
    INSERT INTO workspace_counts (workspace_id, kind, n)
        SELECT NEW.workspace_id, NEW.actor_type, 1 WHERE NEW.deleted_at IS NULL
        ON CONFLICT (workspace_id, kind) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER connections_counted_insert AFTER INSERT ON connections
BEGIN
    INSERT INTO workspace_counts (workspace_id, kind, n) VALUES (NEW.workspace_id, NEW.status, 1)
        ON CONFLICT (workspace_id, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER connections_counted_delete AFTER DELETE ON connections
BEGIN
    UPDATE workspace_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND kind = OLD.status;
END;
CREATE TRIGGER connections_counted_update AFTER UPDATE OF workspace_id, status ON connections
BEGIN
    UPDATE workspace_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND kind = OLD.status;
    INSERT INTO workspace_counts (workspace_id, kind, n) VALUES (NEW.workspace_id, NEW.status, 1)
        ON CONFLICT (workspace_id, kind) DO UPDATE SET n = n + 1;
END;
