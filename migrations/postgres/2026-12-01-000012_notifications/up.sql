-- Notifications: webhooks a workspace subscribes to events with, the outbox of events
-- (written in the transaction of the change that caused each one), and one delivery per
-- event and subscribed webhook, whose state (pending, delivered, failed) is the delivery log.
CREATE TABLE notification_webhooks (
    id                    uuid        PRIMARY KEY,
    workspace_id          uuid        NOT NULL REFERENCES workspaces (id),
    name                  text        NOT NULL,
    url                   text        NOT NULL,
    -- A JSON array of event types (sync_success, sync_failure, connection_disabled).
    notification_triggers jsonb       NOT NULL,
    -- The signing secret, encrypted with the secrets key (ferry:enc:v1:...).
    signing_secret        text        NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    deleted_at            timestamptz
);
CREATE INDEX notification_webhooks_workspace_idx ON notification_webhooks (workspace_id, created_at, id);

CREATE TABLE notification_events (
    id           uuid        PRIMARY KEY,
    workspace_id uuid        NOT NULL REFERENCES workspaces (id),
    event_type   text        NOT NULL CHECK (event_type IN ('sync_success', 'sync_failure',
                     'connection_disabled')),
    -- The body every delivery of the event sends, byte for byte.
    payload      text        NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE notification_deliveries (
    id               uuid        PRIMARY KEY,
    event_id         uuid        NOT NULL REFERENCES notification_events (id),
    webhook_id       uuid        NOT NULL REFERENCES notification_webhooks (id),
    -- The event's, kept here so that the log lists by workspace and type from one index.
    workspace_id     uuid        NOT NULL REFERENCES workspaces (id),
    event_type       text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    -- Attempts started (a claim counts one, and fences the result of an older claim).
    attempts         integer     NOT NULL DEFAULT 0,
    -- Pending: not to be attempted before this (a retry's backoff, or a running attempt's
    -- lease, after which a crashed attempt is taken again).
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    last_status_code integer,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    UNIQUE (event_id, webhook_id)
);
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX notification_deliveries_workspace_idx ON notification_deliveries (workspace_id, created_at, id);
CREATE INDEX notification_deliveries_webhook_idx ON notification_deliveries (webhook_id, created_at, id);
