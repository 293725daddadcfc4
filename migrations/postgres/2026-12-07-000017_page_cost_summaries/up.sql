-- web_backend/workspaces/list costs its page, not the workspaces' connections
-- (docs/API-DESIGN.md, "Lists"): each workspace's newest sync job is one index seek by the
-- job's own workspace, and what a workspace holds is counted as rows change, by triggers,
-- so that reading it is one row per kind however many there are.
CREATE INDEX jobs_latest_by_workspace ON jobs (workspace_id, config_type, id);

-- kind: 'source' or 'destination' (live actors), or a connection status.
CREATE TABLE workspace_counts (
    workspace_id uuid   NOT NULL,
    kind         text   NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (workspace_id, kind)
);
INSERT INTO workspace_counts (workspace_id, kind, n)
    SELECT workspace_id, actor_type, count(*) FROM actors WHERE deleted_at IS NULL
    GROUP BY workspace_id, actor_type;
INSERT INTO workspace_counts (workspace_id, kind, n)
    SELECT workspace_id, status, count(*) FROM connections GROUP BY workspace_id, status;

-- Moves one row of a workspace's counts from one kind to another: either side may be none.
CREATE FUNCTION workspace_count_move(old_workspace uuid, old_kind text, new_workspace uuid, new_kind text)
RETURNS void AS $$
BEGIN
    IF old_kind IS NOT NULL THEN
        UPDATE workspace_counts SET n = n - 1 WHERE workspace_id = old_workspace AND kind = old_kind;
    END IF;
    IF new_kind IS NOT NULL THEN
        INSERT INTO workspace_counts (workspace_id, kind, n) VALUES (new_workspace, new_kind, 1)
            ON CONFLICT (workspace_id, kind) DO UPDATE SET n = workspace_counts.n + 1;
    END IF;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION actors_counted() RETURNS trigger AS $$
BEGIN
    PERFORM workspace_count_move(
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.workspace_id END,
        CASE WHEN TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN OLD.actor_type END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.workspace_id END,
        CASE WHEN TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN NEW.actor_type END);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER actors_counted AFTER INSERT OR DELETE OR UPDATE OF workspace_id, actor_type, deleted_at
    ON actors FOR EACH ROW EXECUTE FUNCTION actors_counted();

CREATE FUNCTION connections_counted() RETURNS trigger AS $$
BEGIN
    PERFORM workspace_count_move(
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.workspace_id END,
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.status END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.workspace_id END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.status END);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER connections_counted AFTER INSERT OR DELETE OR UPDATE OF workspace_id, status
    ON connections FOR EACH ROW EXECUTE FUNCTION connections_counted();
