//! Alert intake: the one message per alert group (updated in place), the flood summary, the
//! prefilled declare form and the replies to the alert buttons.
//!
//! Labels, annotations and URLs come from outside: they are shown in `plain_text` objects (no
//! mrkdwn, no mentions: `<!channel>` or `*bold*` in a label is shown as typed and pings nobody),
//! and the notification `text` has `&`, `<`, `>` escaped and mrkdwn markers neutralised.

use serde_json::{json, Value};

use crate::limits::cut;
use crate::{datetime_token, Locale, Msg};

mod outside;

pub use outside::{inert, link, plain};

/// Action ids of the alert buttons (routed to the alert handlers by their `alert_` prefix).
pub mod action {
    pub const DECLARE: &str = "alert_declare";
    pub const ACK: &str = "alert_ack";
    pub const SILENCE: &str = "alert_silence";
    pub const EXPIRE: &str = "alert_expire";
}

/// How many alerts of a group are listed by name on its message.
pub const LISTED_ALERTS: usize = 8;
/// How many groups a flood summary lists by name.
pub const LISTED_GROUPS: usize = 40;

/// One alert of a group, as listed on its message.
#[derive(Debug, Clone, Default)]
pub struct AlertLine {
    pub name: String,
    pub summary: Option<String>,
    pub firing: bool,
}

/// Everything the group message shows (times in epoch seconds).
#[derive(Debug, Clone, Default)]
pub struct GroupView {
    pub id: i64,
    pub source: String,
    pub title: String,
    pub severity: Option<String>,
    pub summary: Option<String>,
    pub firing: i64,
    pub total: i64,
    /// Alerts Alertmanager left out of the body (`max_alerts`): maybe firing, never listed.
    pub hidden: i64,
    pub since: Option<i64>,
    pub resolved_at: Option<i64>,
    pub source_url: Option<String>,
    pub alertmanager_url: Option<String>,
    pub notifications: i64,
    pub acked_by: Option<String>,
    pub silenced_until: Option<i64>,
    pub silenced_by: Option<String>,
    pub silence_id: Option<String>,
    pub incident: Option<i64>,
    pub alerts: Vec<AlertLine>,
    /// Extra action buttons (the health watcher's: pause, rollback), as Block Kit JSON.
    pub extra_actions: Vec<Value>,
}

impl GroupView {
    /// Firing, or maybe firing: alerts left out of the body are never assumed resolved.
    pub fn open(&self) -> bool {
        self.firing > 0 || self.hidden > 0
    }
}

fn state_word(g: &GroupView, l: Locale) -> &'static str {
    if g.open() {
        l.t("FIRING", "DISPARADO")
    } else {
        l.t("RESOLVED", "RESOLVIDO")
    }
}

/// The notification text of a group message (also what a screen reader reads).
pub fn group_text(g: &GroupView, l: Locale) -> String {
    let icon = if g.open() {
        ":rotating_light:"
    } else {
        ":white_check_mark:"
    };
    let mut t = format!("{icon} [{}] {}", state_word(g, l), inert(&g.title));
    if let Some(s) = &g.summary {
        t.push_str(" — ");
        t.push_str(&inert(&cut(s, 300)));
    }
    cut(&t, 1000)
}

fn buttons(g: &GroupView, l: Locale) -> Vec<Value> {
    let id = g.id.to_string();
    let b = |action: &str, text: &str, value: String, style: Option<&str>| {
        let mut v = json!({"type": "button", "action_id": action,
            "text": {"type": "plain_text", "text": text}, "value": value});
        if let Some(s) = style {
            v["style"] = s.into();
        }
        v
    };
    let mut out = Vec::new();
    if g.incident.is_none() {
        out.push(b(
            action::DECLARE,
            l.t("Declare", "Declarar"),
            id.clone(),
            Some("danger"),
        ));
    }
    if g.open() {
        if g.acked_by.is_none() {
            out.push(b(
                action::ACK,
                l.t("Acknowledge", "Reconhecer"),
                id.clone(),
                None,
            ));
        }
        if g.silenced_until.is_none() {
            out.push(b(
                action::SILENCE,
                l.t("Silence 1h", "Silenciar 1h"),
                format!("{id}:3600"),
                None,
            ));
            out.push(b(
                action::SILENCE,
                l.t("Silence 4h", "Silenciar 4h"),
                format!("{id}:14400"),
                None,
            ));
        }
    }
    if g.silenced_until.is_some() {
        out.push(b(
            action::EXPIRE,
            l.t("Expire silence", "Encerrar silêncio"),
            id,
            None,
        ));
    }
    out.extend(g.extra_actions.iter().cloned());
    out.truncate(crate::limits::ACTION_ELEMENTS);
    out
}

/// What people did with the group: acknowledged, silenced, declared.
fn status_lines(g: &GroupView, l: Locale) -> Vec<String> {
    let mut s = Vec::new();
    if let Some(t) = g.resolved_at.filter(|_| !g.open()) {
        s.push(l.t(
            format!(":white_check_mark: Resolved {}", datetime_token(t)),
            format!(":white_check_mark: Resolvido {}", datetime_token(t)),
        ));
    }
    if let Some(u) = &g.acked_by {
        s.push(l.t(
            format!(":eyes: Acknowledged by <@{u}>"),
            format!(":eyes: Reconhecido por <@{u}>"),
        ));
    }
    if let (Some(until), Some(by)) = (g.silenced_until, &g.silenced_by) {
        let id = g
            .silence_id
            .as_ref()
            .map(|i| format!(" (Alertmanager silence `{}`)", inert(i)))
            .unwrap_or_default();
        s.push(l.t(
            format!(
                ":no_bell: Silenced by <@{by}> until {}{id}",
                datetime_token(until)
            ),
            format!(
                ":no_bell: Silenciado por <@{by}> até {}{id}",
                datetime_token(until)
            ),
        ));
    }
    if let Some(i) = g.incident {
        s.push(l.t(
            format!(":fire: Declared as *INC-{i}*: updates go to its timeline"),
            format!(":fire: Declarado como *INC-{i}*: as novidades vão para a linha do tempo"),
        ));
    }
    s
}

/// The group's one message, posted once and then updated in place.
pub fn group_message(g: &GroupView, l: Locale) -> Msg {
    let icon = if g.open() { "🚨" } else { "✅" };
    let header = format!("{icon} [{}] {}", state_word(g, l), g.title);
    let mut blocks = vec![json!({"type": "header", "text": plain(&header, 150)})];
    if let Some(s) = &g.summary {
        blocks.push(json!({"type": "section", "text": plain(s, 2900)}));
    }
    let since = g
        .since
        .map(datetime_token)
        .unwrap_or_else(|| "-".to_string());
    let mut fields = vec![
        json!({"type": "mrkdwn", "text": format!("*{}*\n{} / {}{}", l.t("Firing", "Disparando"), g.firing, g.total, hidden(g, l))}),
        json!({"type": "mrkdwn", "text": format!("*{}*\n{since}", l.t("Since", "Desde"))}),
        json!({"type": "plain_text", "text": cut(&format!("{}: {}", l.t("Severity", "Severidade"), g.severity.as_deref().unwrap_or("-")), 200)}),
        json!({"type": "plain_text", "text": cut(&format!("{}: {}", l.t("Source", "Origem"), g.source), 200)}),
    ];
    if g.notifications > 1 {
        fields.push(json!({"type": "mrkdwn", "text": format!("*{}*\n{}", l.t("Notifications", "Notificações"), g.notifications)}));
    }
    blocks.push(json!({"type": "section", "fields": fields}));
    if !g.alerts.is_empty() {
        let mut lines: Vec<String> = g
            .alerts
            .iter()
            .take(LISTED_ALERTS)
            .map(|a| {
                let state = if a.firing { "🔴" } else { "🟢" };
                match &a.summary {
                    Some(s) => format!("{state} {} — {}", cut(&a.name, 120), cut(s, 200)),
                    None => format!("{state} {}", cut(&a.name, 120)),
                }
            })
            .collect();
        let shown = g.alerts.len().min(LISTED_ALERTS) as i64;
        if g.total > shown {
            lines.push(l.t(
                format!("… and {} more", g.total - shown),
                format!("… e mais {}", g.total - shown),
            ));
        }
        blocks.push(json!({"type": "section", "text": plain(&lines.join("\n"), 2900)}));
    }
    let links: Vec<String> = [
        g.source_url
            .as_deref()
            .and_then(|u| link(u, l.t("Source", "Origem"))),
        g.alertmanager_url
            .as_deref()
            .and_then(|u| link(u, "Alertmanager")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut context = status_lines(g, l);
    if !links.is_empty() {
        context.push(links.join(" · "));
    }
    if !context.is_empty() {
        blocks.push(
            json!({"type": "context", "elements": context.iter().take(10)
            .map(|c| json!({"type": "mrkdwn", "text": cut(c, 2000)})).collect::<Vec<_>>()}),
        );
    }
    let buttons = buttons(g, l);
    if !buttons.is_empty() {
        blocks.push(json!({"type": "actions", "block_id": format!("alert_group_{}", g.id), "elements": buttons}));
    }
    Msg {
        text: group_text(g, l),
        blocks: Some(Value::Array(blocks)),
    }
}

/// ` (+N not shown)` when Alertmanager's `max_alerts` left alerts out, else nothing.
fn hidden(g: &GroupView, l: Locale) -> String {
    if g.hidden > 0 {
        l.t(
            format!(" (+{} not shown)", g.hidden),
            format!(" (+{} não mostrados)", g.hidden),
        )
    } else {
        String::new()
    }
}

/// One group listed in a flood summary.
#[derive(Debug, Clone, Default)]
pub struct SummaryLine {
    pub title: String,
    pub summary: Option<String>,
    pub firing: i64,
}

/// The one message that lists the groups over `ALERTS_MAX_POSTS_PER_MINUTE`, updated as more come.
pub fn flood_summary(groups: &[SummaryLine], limit: u32, l: Locale) -> Msg {
    let n = groups.len();
    let firing = groups.iter().filter(|g| g.firing > 0).count();
    let head = l.t(format!(":ocean: *Alert flood:* {n} more alert groups ({firing} firing) arrived over the limit of {limit} posts a minute; they are listed here instead of posted one by one."),
        format!(":ocean: *Enxurrada de alertas:* mais {n} grupos de alertas ({firing} disparando) passaram do limite de {limit} posts por minuto; estão listados aqui em vez de postados um a um."),
    );
    let mut lines: Vec<String> = groups
        .iter()
        .take(LISTED_GROUPS)
        .map(|g| {
            let state = if g.firing > 0 { "🔴" } else { "🟢" };
            match &g.summary {
                Some(s) => format!("{state} {} — {}", cut(&g.title, 100), cut(s, 120)),
                None => format!("{state} {}", cut(&g.title, 100)),
            }
        })
        .collect();
    if n > LISTED_GROUPS {
        lines.push(l.t(
            format!("… and {} more", n - LISTED_GROUPS),
            format!("… e mais {}", n - LISTED_GROUPS),
        ));
    }
    let blocks = vec![
        json!({"type": "section", "text": {"type": "mrkdwn", "text": head}}),
        json!({"type": "section", "text": plain(&lines.join("\n"), 2900)}),
    ];
    Msg {
        text: head,
        blocks: Some(Value::Array(blocks)),
    }
}

/// The declare form, prefilled from an alert group: its title and mapped severity.
/// `private_metadata` carries the origin channel and the group (see [`declare_meta`]).
pub fn declare_modal(
    origin: &str,
    group: i64,
    title: &str,
    severity: Option<&str>,
    l: Locale,
) -> Value {
    let mut v = crate::incident::declare_modal(origin, severity, l);
    v["private_metadata"] = declare_meta(origin, group).into();
    if let Some(blocks) = v["blocks"].as_array_mut() {
        for b in blocks {
            if b["block_id"] == "title" {
                let t: String = title.chars().take(150).collect();
                b["element"]["initial_value"] = t.into();
            }
        }
    }
    v
}

/// `C123|alert:7`: the declare form's origin channel and alert group.
pub fn declare_meta(origin: &str, group: i64) -> String {
    format!("{origin}|alert:{group}")
}

/// The origin channel and the alert group of a declare form's `private_metadata`.
pub fn parse_declare_meta(meta: &str) -> (String, Option<i64>) {
    match meta.rsplit_once("|alert:") {
        Some((origin, g)) => match g.parse() {
            Ok(id) => (origin.to_string(), Some(id)),
            Err(_) => (meta.to_string(), None),
        },
        None => (meta.to_string(), None),
    }
}

pub mod reply;

/// A line of the incident's timeline (and its war room) when its alert group changes.
pub fn incident_notice(title: &str, firing: i64, total: i64, l: Locale) -> String {
    if firing == 0 {
        l.t(
            format!(
                ":white_check_mark: Alert *{}* resolved (all {total} alerts).",
                inert(title)
            ),
            format!(
                ":white_check_mark: Alerta *{}* resolvido (todos os {total} alertas).",
                inert(title)
            ),
        )
    } else {
        l.t(
            format!(
                ":rotating_light: Alert *{}*: {firing} of {total} firing.",
                inert(title)
            ),
            format!(
                ":rotating_light: Alerta *{}*: {firing} de {total} disparando.",
                inert(title)
            ),
        )
    }
}

/// The timeline text (plain, stored) for the same change.
pub fn timeline_text(title: &str, firing: i64, total: i64) -> String {
    if firing == 0 {
        format!("alert {title} resolved ({total} alerts)")
    } else {
        format!("alert {title}: {firing} of {total} firing")
    }
}

/// The health watcher's groups: Julia's `/health/deep`, and Evolution (WhatsApp).
pub fn julia_health_title(l: Locale) -> String {
    l.t(
        "Julia health (/health/deep)",
        "Saúde da Julia (/health/deep)",
    )
    .into()
}

pub fn julia_evolution_title(l: Locale) -> String {
    l.t(
        "Julia WhatsApp (Evolution)",
        "WhatsApp da Julia (Evolution)",
    )
    .into()
}

/// The watcher's own buttons on its groups: pause Julia, roll back a service.
pub fn julia_actions(l: Locale, services: &[String]) -> Vec<Value> {
    let b = |action: &str, text: &str, value: &str| {
        json!({"type": "button", "action_id": action,
            "text": {"type": "plain_text", "text": cut(text, 75)}, "value": value})
    };
    let mut v = vec![b(
        crate::julia::ACTION_PAUSE_PROMPT,
        l.t("Pause Julia", "Pausar a Julia"),
        "watcher",
    )];
    for s in services.iter().take(3) {
        v.push(b(
            crate::julia::ACTION_ROLLBACK_PROMPT,
            &format!("Rollback {s}"),
            s,
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> GroupView {
        GroupView {
            id: 7,
            source: "alertmanager".into(),
            title: "<!channel> *DiskFull*".into(),
            severity: Some("critical".into()),
            summary: Some("disk <@U123> _95%_".into()),
            firing: 2,
            total: 3,
            since: Some(1_700_000_000),
            source_url: Some("http://prom:9090/graph?g0.expr=a>b&x|y".into()),
            alertmanager_url: Some("javascript:alert(1)".into()),
            ..Default::default()
        }
    }

    #[test]
    fn outside_text_never_pings_or_formats() {
        let m = group_message(&group(), Locale::En);
        let body = serde_json::to_string(&m.blocks).unwrap();
        assert!(
            !m.text.contains("<!channel>") && !m.text.contains("<@U123>"),
            "{}",
            m.text
        );
        assert!(m.text.contains("&lt;!channel&gt;"), "{}", m.text);
        // In blocks, outside text is only in plain_text objects.
        for b in m.blocks.as_ref().unwrap().as_array().unwrap() {
            if b["type"] == "section" {
                if let Some(t) = b.get("text") {
                    assert_eq!(t["type"], "plain_text", "{b}");
                }
            }
        }
        assert!(body.contains("%3Eb&amp;x%7Cy"), "{body}");
        assert!(!body.contains("javascript:"), "{body}");
    }

    #[test]
    fn buttons_follow_the_state() {
        let mut g = group();
        let ids = |g: &GroupView| -> Vec<String> {
            buttons(g, Locale::En)
                .iter()
                .map(|b| b["action_id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            ids(&g),
            [
                "alert_declare",
                "alert_ack",
                "alert_silence",
                "alert_silence"
            ]
        );
        g.acked_by = Some("U1".into());
        g.silenced_until = Some(1);
        g.silenced_by = Some("U1".into());
        g.incident = Some(3);
        assert_eq!(ids(&g), ["alert_expire"]);
    }

    #[test]
    fn declare_meta_round_trips() {
        assert_eq!(
            parse_declare_meta(&declare_meta("C1", 9)),
            ("C1".into(), Some(9))
        );
        assert_eq!(parse_declare_meta("C1"), ("C1".into(), None));
        let v = declare_modal("C1", 9, "DiskFull on db-1", Some("P2"), Locale::En);
        let s = v.to_string();
        assert!(
            s.contains("DiskFull on db-1") && s.contains("C1|alert:9"),
            "{s}"
        );
    }
}
