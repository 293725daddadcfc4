-- Idempotency keys (the Idempotency-Key header): the first answer to a create, duplicate,
-- sync or reset, kept for its caller so a retry with the same key replays it instead of
-- acting twice. `status` is NULL while the first call runs (its lease is `locked_until`).
CREATE TABLE idempotency_keys (
    caller           text        NOT NULL,
    idempotency_key  text        NOT NULL,
    operation        text        NOT NULL,
    request_hash     text        NOT NULL,
    status           integer,
    response_body    text,
    response_headers text,
    created_at       text        NOT NULL,
    locked_until     text        NOT NULL,
    expires_at       text        NOT NULL,
    PRIMARY KEY (caller, idempotency_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
