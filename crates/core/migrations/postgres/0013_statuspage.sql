-- The public status page (#26). Nothing from the war room is copied here: a row exists only
-- because a person published it.

-- An incident that has had its first public post, under its public title.
CREATE TABLE public_incidents (
  incident_id BIGINT PRIMARY KEY,
  public_title TEXT NOT NULL,
  first_published_at BIGINT NOT NULL,
  -- The next-update promise shown on the page (ms), when there is one.
  next_update_at BIGINT
);

-- Every public update, as published. An unpublished one stays for the audit but leaves the
-- page and the feed.
CREATE TABLE public_updates (
  id BIGSERIAL PRIMARY KEY,
  incident_id BIGINT NOT NULL,
  -- investigating | identified | monitoring | resolved
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  author TEXT NOT NULL,
  unpublished_at BIGINT,
  unpublished_by TEXT
);
CREATE INDEX public_updates_incident ON public_updates (incident_id, created_at);

-- Moves in every transaction that changes anything public; the page's render is cached until
-- it moves.
CREATE TABLE statuspage_version (
  id BIGINT PRIMARY KEY,
  version BIGINT NOT NULL
);
INSERT INTO statuspage_version (id, version) VALUES (1, 1);

-- The first public post of an incident waits for its author's Publish (the preview).
CREATE TABLE public_drafts (
  id BIGSERIAL PRIMARY KEY,
  incident_id BIGINT NOT NULL,
  public_title TEXT NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  author TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT
);

-- Components a failing health check marked by itself (opt-in: `auto_degrade: true`).
CREATE TABLE component_auto_states (
  component TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  since BIGINT NOT NULL
);
