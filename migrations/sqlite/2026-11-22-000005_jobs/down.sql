DROP TABLE connection_states;
DROP TABLE attempt_logs;
DROP TABLE attempts;
DROP TABLE jobs;
