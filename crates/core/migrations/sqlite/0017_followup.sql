-- Action items (#28): what an incident leaves to do, who owns it and by when. `due_at` is
-- NULL while it waits for the resolution (preventive actions are due a week after it by
-- default); `done_at` once done. Its reminders are jobs carrying the due date they were
-- written for: a new due date writes new ones, and an old one finds it changed and does nothing.
CREATE TABLE action_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id BIGINT NOT NULL,
  text TEXT NOT NULL,
  owner TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  due_at BIGINT,
  done_at BIGINT,
  done_by TEXT
);
CREATE INDEX action_items_owner ON action_items (owner, done_at);
CREATE INDEX action_items_incident ON action_items (incident_id);

-- A drill that opted in to paging phones (`--drill --page`); other drills page nobody.
ALTER TABLE incidents ADD COLUMN drill_pages BIGINT NOT NULL DEFAULT 0;
