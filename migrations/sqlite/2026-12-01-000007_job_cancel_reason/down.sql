ALTER TABLE jobs DROP COLUMN cancel_reason;
