-- Why a job was cancelled (a delete that orphaned it, or jobs/cancel), shown by jobs/get.
ALTER TABLE jobs ADD COLUMN cancel_reason TEXT;
