-- Recovery objectives (#28). One row per outage of a component an incident affects: the clock
-- starts at the incident's start (or when the component goes down again after a recovery),
-- `rto_ms` is the component's RTO when it started (NULL: none set), `recovered_at` ends it
-- (`/incident recovered`, `--affects c:operational`, the move to Monitoring, or the resolution).
-- `warned_at` / `breached_at`: when the 80 % warning and the breach notice went out.
CREATE TABLE recovery_clocks (
  id BIGSERIAL PRIMARY KEY,
  incident_id BIGINT NOT NULL,
  component TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  rto_ms BIGINT,
  recovered_at BIGINT,
  recovered_by TEXT,
  warned_at BIGINT,
  breached_at BIGINT
);
CREATE INDEX recovery_clocks_incident ON recovery_clocks (incident_id, component);

-- A stability watch: a component's health check run every `every_ms` from `started_at` to
-- `until_at` after the incident moved to Monitoring. `state`: running, held, failed, stopped.
CREATE TABLE stability_watches (
  id BIGSERIAL PRIMARY KEY,
  incident_id BIGINT NOT NULL,
  component TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  until_at BIGINT NOT NULL,
  every_ms BIGINT NOT NULL,
  state TEXT NOT NULL,
  checks BIGINT NOT NULL DEFAULT 0,
  failure TEXT,
  ended_at BIGINT
);
CREATE INDEX stability_watches_incident ON stability_watches (incident_id, state);
