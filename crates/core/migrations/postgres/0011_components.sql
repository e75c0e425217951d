-- Components an incident affects, and how badly (the status page's component states, the RTO
-- clocks). `state` is a Statuspage state name (`degraded_performance`, `partial_outage`,
-- `major_outage`, `under_maintenance`; `operational` once recovered); `recovered_at` is when it
-- was marked recovered (its recovery time counts from the incident's start).
CREATE TABLE incident_components (
  incident_id BIGINT NOT NULL,
  component TEXT NOT NULL,
  state TEXT NOT NULL,
  since BIGINT NOT NULL,
  recovered_at BIGINT,
  PRIMARY KEY (incident_id, component)
);

-- Every change of a component's state by an incident, in order (the status page's 90-day
-- history, the recovery times).
CREATE TABLE component_changes (
  id BIGSERIAL PRIMARY KEY,
  incident_id BIGINT NOT NULL,
  component TEXT NOT NULL,
  state TEXT NOT NULL,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL
);
CREATE INDEX component_changes_at ON component_changes (component, at);

-- A drill runs the whole flow but never reaches customers, the status page or real statistics.
ALTER TABLE incidents ADD COLUMN is_drill BIGINT NOT NULL DEFAULT 0;
