-- Background work that must survive a crash: one row per unit of work (a declaration to finish,
-- a deployment to follow, a post-mortem draft to upload), written in the same transaction as
-- the change that causes it, claimed under a short lease that the worker renews while it runs.
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  run_at BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  max_attempts BIGINT NOT NULL,
  lease_token TEXT,
  lease_until BIGINT,
  last_error TEXT,
  progress TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX jobs_due ON jobs(state, run_at);
CREATE INDEX jobs_kind_state ON jobs(kind, state);

-- Declarations cut short before this migration (no announcement yet) become jobs, due now.
INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, created_at)
SELECT 'declaration', '{"kind":"declaration","incident":' || id || '}', 'pending', started_at, 0, 5, started_at
FROM incidents WHERE announce_outbox_id IS NULL AND status <> 'resolved';
