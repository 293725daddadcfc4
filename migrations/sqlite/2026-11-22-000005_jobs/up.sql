-- SQLite twin of the PostgreSQL migration (uuids, json and timestamps as TEXT).
CREATE TABLE jobs (
    id          integer PRIMARY KEY AUTOINCREMENT,
    config_type text    NOT NULL CHECK (config_type IN ('check_connection_source',
                    'check_connection_destination', 'discover_schema', 'get_spec', 'sync',
                    'reset_connection')),
    config_id   text    NOT NULL,
    status      text    NOT NULL CHECK (status IN ('pending', 'running', 'incomplete',
                    'failed', 'succeeded', 'cancelled')),
    not_before  text    NOT NULL,
    created_at  text    NOT NULL,
    updated_at  text    NOT NULL
);
CREATE INDEX jobs_config_idx ON jobs (config_type, config_id, id);
CREATE INDEX jobs_claim_idx ON jobs (status, not_before, id);
CREATE UNIQUE INDEX jobs_one_active_per_connection ON jobs (config_id)
    WHERE status IN ('pending', 'running') AND config_type IN ('sync', 'reset_connection');

CREATE TABLE attempts (
    id             integer PRIMARY KEY AUTOINCREMENT,
    job_id         integer NOT NULL REFERENCES jobs (id),
    attempt_number integer NOT NULL,
    status         text    NOT NULL CHECK (status IN ('running', 'failed', 'succeeded')),
    records_synced integer NOT NULL DEFAULT 0,
    bytes_synced   integer NOT NULL DEFAULT 0,
    heartbeat_at   text    NOT NULL,
    created_at     text    NOT NULL,
    updated_at     text    NOT NULL,
    ended_at       text,
    UNIQUE (job_id, attempt_number)
);
CREATE INDEX attempts_heartbeat_idx ON attempts (status, heartbeat_at);

CREATE TABLE attempt_logs (
    id         integer PRIMARY KEY AUTOINCREMENT,
    attempt_id integer NOT NULL REFERENCES attempts (id),
    line       text    NOT NULL
);
CREATE INDEX attempt_logs_attempt_idx ON attempt_logs (attempt_id, id);

CREATE TABLE connection_states (
    connection_id text PRIMARY KEY REFERENCES connections (id),
    state         text NOT NULL,
    updated_at    text NOT NULL
);
