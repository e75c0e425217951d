-- Alert intake (#16): one row per alert group (one Slack message, updated in place), the
-- alerts it holds, every notification received (for "noisiest sources"), the flood summaries
-- of a channel, and the weekly digests posted (a unique period: posted once across replicas).
CREATE TABLE alert_groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  group_key TEXT NOT NULL UNIQUE,
  channel TEXT NOT NULL,
  title TEXT NOT NULL,
  severity TEXT,
  summary TEXT,
  labels TEXT NOT NULL,
  source_url TEXT,
  external_url TEXT,
  status TEXT NOT NULL,
  firing BIGINT NOT NULL DEFAULT 0,
  resolved BIGINT NOT NULL DEFAULT 0,
  firing_since BIGINT,
  resolved_at BIGINT,
  notifications BIGINT NOT NULL DEFAULT 0,
  post_outbox_id BIGINT,
  posted_at BIGINT,
  summary_id BIGINT,
  acked_by TEXT,
  acked_at BIGINT,
  silenced_until BIGINT,
  silenced_by TEXT,
  silence_id TEXT,
  incident_id BIGINT,
  auto_declare_at BIGINT,
  extra TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX alert_groups_posted ON alert_groups(channel, posted_at);
CREATE INDEX alert_groups_incident ON alert_groups(incident_id);

CREATE TABLE alerts (
  group_id BIGINT NOT NULL,
  fingerprint TEXT NOT NULL,
  status TEXT NOT NULL,
  labels TEXT NOT NULL,
  annotations TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT,
  generator_url TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, fingerprint)
);

CREATE TABLE alert_notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  status TEXT NOT NULL,
  firing BIGINT NOT NULL
);
CREATE INDEX alert_notifications_at ON alert_notifications(at);

CREATE TABLE alert_summaries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  post_outbox_id BIGINT,
  created_at BIGINT NOT NULL,
  UNIQUE (channel, window_start)
);

CREATE TABLE stats_digests (period TEXT PRIMARY KEY, posted_at BIGINT NOT NULL);

ALTER TABLE incidents ADD COLUMN alert_group_id BIGINT;
CREATE INDEX incidents_started ON incidents(started_at);
