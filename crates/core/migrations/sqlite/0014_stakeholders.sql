-- The people outside the war room (#27): the escalation matrix and management updates.

-- Per incident: the worst severity whose people were notified, the words management last
-- read (the latest public or stakeholder update, never war-room chatter), when the next
-- management update is due, and whether the war room was told that mail keeps failing.
CREATE TABLE stakeholder_incidents (
  incident_id BIGINT PRIMARY KEY,
  top_severity TEXT NOT NULL,
  impact TEXT,
  impact_at BIGINT,
  next_update_at BIGINT,
  mail_failing BIGINT NOT NULL DEFAULT 0
);

-- One row per person (or channel) notified, per incident and level (`P0`..`P3` at
-- declaration or a raise, `late` when still open after STAKEHOLDERS_LATE_AFTER). Written in
-- the transaction of the outbox post, so whatever the restarts and replicas, once.
CREATE TABLE stakeholder_notices (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id BIGINT NOT NULL,
  level TEXT NOT NULL,
  recipient TEXT NOT NULL,
  at BIGINT NOT NULL,
  UNIQUE (incident_id, level, recipient)
);

-- Management mails: written with the update, sent by a job, retried with backoff until the
-- SMTP server takes them. `message_id` is fixed when written, so a resend is the same mail.
CREATE TABLE stakeholder_mails (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id BIGINT NOT NULL,
  recipients TEXT NOT NULL,
  subject TEXT NOT NULL,
  text_body TEXT NOT NULL,
  html_body TEXT NOT NULL,
  message_id TEXT NOT NULL,
  in_reply_to TEXT,
  refs TEXT,
  written_at BIGINT NOT NULL,
  state TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  last_error TEXT,
  sent_at BIGINT
);
CREATE INDEX stakeholder_mails_incident ON stakeholder_mails (incident_id, id);
