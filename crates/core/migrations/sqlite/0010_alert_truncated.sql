-- Alertmanager's `truncatedAlerts` of the group's last notification: how many alerts `max_alerts`
-- left out (prometheus/alertmanager `notify/webhook/webhook.go`). A group with hidden alerts is
-- never shown resolved.
ALTER TABLE alert_groups ADD COLUMN truncated BIGINT NOT NULL DEFAULT 0;
