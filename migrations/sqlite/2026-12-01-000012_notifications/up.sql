-- SQLite twin of the PostgreSQL migration (uuids, json and timestamps as TEXT).
CREATE TABLE notification_webhooks (
    id                    text PRIMARY KEY,
    workspace_id          text NOT NULL REFERENCES workspaces (id),
    name                  text NOT NULL,
    url                   text NOT NULL,
    notification_triggers text NOT NULL,
    signing_secret        text NOT NULL,
    created_at            text NOT NULL,
    updated_at            text NOT NULL,
    deleted_at            text
);
CREATE INDEX notification_webhooks_workspace_idx ON notification_webhooks (workspace_id, created_at, id);

CREATE TABLE notification_events (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces (id),
    event_type   text NOT NULL CHECK (event_type IN ('sync_success', 'sync_failure',
                     'connection_disabled')),
    payload      text NOT NULL,
    created_at   text NOT NULL
);

CREATE TABLE notification_deliveries (
    id               text    PRIMARY KEY,
    event_id         text    NOT NULL REFERENCES notification_events (id),
    webhook_id       text    NOT NULL REFERENCES notification_webhooks (id),
    workspace_id     text    NOT NULL REFERENCES workspaces (id),
    event_type       text    NOT NULL,
    status           text    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  text    NOT NULL,
    last_error       text,
    last_status_code integer,
    created_at       text    NOT NULL,
    updated_at       text    NOT NULL,
    delivered_at     text,
    UNIQUE (event_id, webhook_id)
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX notification_deliveries_workspace_idx ON notification_deliveries (workspace_id, created_at, id);
CREATE INDEX notification_deliveries_webhook_idx ON notification_deliveries (webhook_id, created_at, id);
