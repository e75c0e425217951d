-- Paging (#15): acknowledgment, the on-call rotation kept in the store, the paging ladder and
-- its pages. Times are epoch milliseconds.
ALTER TABLE incidents ADD COLUMN acked_at BIGINT;
ALTER TABLE incidents ADD COLUMN acked_by TEXT;

-- One row per incident that waits for an acknowledgment: the next step of the ladder
-- (0 primary, 1 secondary, 2 commanders) and when it is due. `due_at` NULL: stopped.
CREATE TABLE pager_ladders (
  incident_id BIGINT PRIMARY KEY,
  severity TEXT NOT NULL,
  step BIGINT NOT NULL DEFAULT 0,
  due_at BIGINT,
  lease_token TEXT,
  lease_until BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX pager_ladders_due ON pager_ladders(due_at);

-- One row per person paged at one step: never twice (the unique key), delivered by the worker
-- under a lease, each channel recorded as soon as it is done.
CREATE TABLE pages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id BIGINT NOT NULL,
  step BIGINT NOT NULL,
  user_id TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  dm_state TEXT NOT NULL DEFAULT 'pending',
  wa_state TEXT NOT NULL DEFAULT 'pending',
  wa_error TEXT,
  dm_error TEXT,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_token TEXT,
  lease_until BIGINT,
  created_at BIGINT NOT NULL,
  done_at BIGINT,
  UNIQUE (incident_id, step, user_id)
);
CREATE INDEX pages_pending ON pages(state, next_attempt_at);
CREATE INDEX pages_user ON pages(user_id, id);

-- The rotation: one row. `members` is the order (comma-separated user ids), `current` the index
-- of the person on call, `next_handoff_at` when the next one takes over.
CREATE TABLE oncall_rotation (
  id BIGINT PRIMARY KEY,
  members TEXT NOT NULL,
  current BIGINT NOT NULL,
  next_handoff_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- `/incident oncall set`: who, from when, until when, set by whom. `notified` marks the
-- handoff DMs sent (1 at the start, 2 at the end).
CREATE TABLE oncall_overrides (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  set_by TEXT NOT NULL,
  notified BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL
);
CREATE INDEX oncall_overrides_ends ON oncall_overrides(ends_at);
