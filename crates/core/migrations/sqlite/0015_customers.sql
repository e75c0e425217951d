-- Customers by WhatsApp (#27): the prompt in the war room, the notices sent, each recipient.

-- One prompt per incident and kind (`outage` when a customer-facing P0/P1 is open past the
-- threshold, `recovery` at resolution): written once (its job scheduled in the same
-- transaction), whatever the restarts and replicas. `text` is the message as edited (NULL:
-- the template's), `dismissed_by` who said "Not now".
CREATE TABLE customer_prompts (
  incident_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT,
  posted_at BIGINT,
  dismissed_by TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (incident_id, kind)
);

-- One notice per incident and kind, created by the confirmed send: what was sent, who
-- confirmed it and whether the held doctors (quiet hours, cooling-off, cap) were included,
-- the progress message, the counters. `state`: sending, stopped, done.
CREATE TABLE customer_notices (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  state TEXT NOT NULL,
  channel TEXT NOT NULL,
  progress_outbox_id BIGINT,
  total BIGINT NOT NULL,
  sent BIGINT NOT NULL DEFAULT 0,
  failed BIGINT NOT NULL DEFAULT 0,
  uncertain BIGINT NOT NULL DEFAULT 0,
  include_held BIGINT NOT NULL DEFAULT 0,
  confirmed_by TEXT NOT NULL,
  stopped_by TEXT,
  created_at BIGINT NOT NULL,
  finished_at BIGINT,
  UNIQUE (incident_id, kind)
);

-- Each recipient of a notice, in order. `state`: pending, sending (written and committed
-- before the call to Evolution), sent, failed, uncertain (a crash between the call and its
-- record: never sent again), skipped (stopped). The number stays here and nowhere else.
CREATE TABLE customer_recipients (
  notice_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  phone TEXT NOT NULL,
  cliente_id TEXT,
  state TEXT NOT NULL,
  error TEXT,
  at BIGINT,
  PRIMARY KEY (notice_id, seq),
  UNIQUE (notice_id, phone)
);
