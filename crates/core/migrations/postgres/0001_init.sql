-- Foundation: dedupe, outbox, audit; incidents, roles, timeline, reminders; confirmations, leases.
-- Times are epoch milliseconds (BIGINT) so SQLite and PostgreSQL behave alike.
CREATE TABLE processed_events (event_id TEXT PRIMARY KEY, received_at BIGINT NOT NULL);
CREATE INDEX processed_events_received ON processed_events(received_at);

CREATE TABLE outbox (
  id BIGSERIAL PRIMARY KEY,
  method TEXT NOT NULL,
  channel TEXT NOT NULL,
  body TEXT NOT NULL,
  depends_on BIGINT,
  depends_field TEXT,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_token TEXT,
  lease_until BIGINT,
  last_error TEXT,
  result_ts TEXT,
  tag TEXT,
  created_at BIGINT NOT NULL,
  sent_at BIGINT
);
CREATE INDEX outbox_pending ON outbox(status, channel, id);
CREATE INDEX outbox_tag ON outbox(tag);

CREATE TABLE audit_log (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  args TEXT,
  outcome TEXT NOT NULL,
  before_value TEXT,
  after_value TEXT,
  detail TEXT
);

CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('incident', 0);

CREATE TABLE incidents (
  id BIGINT PRIMARY KEY,
  title TEXT NOT NULL,
  severity TEXT NOT NULL,
  status TEXT NOT NULL,
  impact TEXT,
  commander TEXT,
  declared_by TEXT NOT NULL,
  is_private BIGINT NOT NULL DEFAULT 0,
  channel_id TEXT,
  channel_name TEXT,
  war_room_error TEXT,
  announce_outbox_id BIGINT,
  started_at BIGINT NOT NULL,
  last_update_at BIGINT NOT NULL,
  resolved_at BIGINT,
  latest_findings TEXT,
  actions TEXT,
  eta TEXT,
  root_cause TEXT,
  resolution TEXT,
  preventive TEXT,
  next_reminder_at BIGINT,
  reminder_count BIGINT NOT NULL DEFAULT 0,
  escalation_level BIGINT NOT NULL DEFAULT 0,
  lease_token TEXT,
  lease_until BIGINT,
  pm_stage BIGINT NOT NULL DEFAULT 0,
  pm_due_at BIGINT,
  pm_done BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX incidents_due ON incidents(next_reminder_at);
CREATE INDEX incidents_pm_due ON incidents(pm_due_at);
CREATE INDEX incidents_channel ON incidents(channel_id);
CREATE INDEX incidents_status ON incidents(status);

CREATE TABLE incident_roles (
  incident_id BIGINT NOT NULL,
  role TEXT NOT NULL,
  user_id TEXT NOT NULL,
  assigned_at BIGINT NOT NULL,
  PRIMARY KEY (incident_id, role, user_id)
);

CREATE TABLE timeline (
  id BIGSERIAL PRIMARY KEY,
  incident_id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT
);
CREATE INDEX timeline_incident ON timeline(incident_id, at);

CREATE TABLE confirmations (
  token TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  action TEXT NOT NULL,
  args TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);

CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, lease_until BIGINT NOT NULL);
CREATE TABLE kv_state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
