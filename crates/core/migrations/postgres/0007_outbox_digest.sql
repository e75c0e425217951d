-- Coalescing a backlog of announcements (#13): a row with a `digest` line may be delivered as
-- part of one combined message with the other digest rows queued behind it in its channel.
-- `delivered_with` names the row whose message carried it (the same `result_ts` is recorded on
-- each, so a reply threaded under any of them lands under the combined message).
ALTER TABLE outbox ADD COLUMN digest TEXT;
ALTER TABLE outbox ADD COLUMN delivered_with BIGINT;
-- A post whose outcome is unknown: set when a delivery is claimed, cleared when its outcome is
-- recorded. Still set at the next claim = the previous attempt may have reached Slack.
ALTER TABLE outbox ADD COLUMN attempt_started_at BIGINT;
