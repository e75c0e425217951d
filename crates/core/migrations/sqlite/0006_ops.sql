-- The runbook catalog (`/ops`): the last result of each system's guard and checks (one row per
-- system and check name), shown by `/ops`.
CREATE TABLE ops_checks (
  system TEXT NOT NULL,
  name TEXT NOT NULL,
  ok BIGINT NOT NULL,
  summary TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (system, name)
);
