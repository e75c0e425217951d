//! The people outside the war room (#27): the escalation matrix's notice (a DM or a channel
//! post with a Join the war room button), who was notified, and management updates written for
//! people who are not engineers (Slack and email: subject, plain text, HTML).

use crate::blocks::{self, Style};
use crate::incident::status_label;
use crate::{escape, human_duration, utc_hm, utc_ymd_hm, Locale, Msg};

/// The Join the war room button (its value is the incident id).
pub const JOIN: &str = "stakeholders_join";

/// What a notice of the escalation matrix says.
#[derive(Debug, Clone, Default)]
pub struct NoticeView {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub commander: Option<String>,
    pub war_room: Option<String>,
    /// `P0`..`P3`, or `late`.
    pub level: String,
    /// Minutes the incident has been open (for `late`).
    pub open_minutes: i64,
    pub drill: bool,
}

fn drill_tag(drill: bool, l: Locale) -> &'static str {
    if drill {
        l.t("[DRILL] ", "[SIMULADO] ")
    } else {
        ""
    }
}

fn notice_head(v: &NoticeView, l: Locale) -> String {
    let (key, tag, title) = (
        format!("INC-{}", v.id),
        drill_tag(v.drill, l),
        escape(&v.title),
    );
    if v.level == "late" {
        let open = human_duration(v.open_minutes * 60, l);
        l.t(
            format!(
                "{tag}*{key}* [{}] is still open after {open}: {title}",
                v.severity
            ),
            format!(
                "{tag}*{key}* [{}] continua aberto após {open}: {title}",
                v.severity
            ),
        )
    } else {
        l.t(
            format!("{tag}*{key}* [{}] incident: {title}", v.severity),
            format!("{tag}*{key}* [{}] incidente: {title}", v.severity),
        )
    }
}

/// The notice: title, severity, commander, status, the war room's link and the Join button.
pub fn notice(v: &NoticeView, l: Locale) -> Msg {
    let commander = v
        .commander
        .as_ref()
        .map(|u| format!("<@{u}>"))
        .unwrap_or_else(|| l.t("nobody yet", "ninguém ainda").into());
    let room = v
        .war_room
        .as_ref()
        .map(|w| format!("<#{w}> (https://slack.com/app_redirect?channel={w})"))
        .unwrap_or_else(|| l.t("none yet", "ainda não").into());
    let body = format!(
        "{}\n{}: *{}* · {}: {commander}\n{}: {room}",
        notice_head(v, l),
        l.t("Status", "Status"),
        status_label(l, &v.status),
        l.t("Commander", "Comandante"),
        l.t("War room", "Sala de guerra"),
    );
    let level = if v.level == "late" {
        l.t("incidents still open", "incidentes ainda abertos")
            .to_string()
    } else {
        v.level.clone()
    };
    let why = l.t(
        format!("You are on the escalation matrix for {level}."),
        format!("Você está na matriz de escalonamento de {level}."),
    );
    let mut b = vec![blocks::section(body.clone())];
    if v.war_room.is_some() {
        b.push(blocks::actions(
            "stakeholders_notice",
            vec![blocks::button(
                JOIN,
                l.t("Join the war room", "Entrar na sala de guerra"),
                &v.id.to_string(),
                Style::Primary,
            )],
        ));
    }
    b.push(blocks::context(why));
    let text = body.lines().next().unwrap_or_default().replace('*', "");
    Msg::with_blocks(text, b)
}

fn who(r: &str) -> String {
    if r.starts_with('C') || r.starts_with('G') {
        format!("<#{r}>")
    } else {
        format!("<@{r}>")
    }
}

fn level_name(level: &str, l: Locale) -> String {
    if level == "late" {
        l.t("still open", "ainda aberto").into()
    } else {
        level.into()
    }
}

/// The war room's line naming who a level's notice reached.
pub fn notified(level: &str, recipients: &[String], l: Locale) -> Msg {
    let names: Vec<String> = recipients.iter().map(|r| who(r)).collect();
    Msg::text(l.t(
        format!(
            ":busts_in_silhouette: Escalation matrix ({}): notified {}",
            level_name(level, l),
            names.join(", ")
        ),
        format!(
            ":busts_in_silhouette: Matriz de escalonamento ({}): notificados {}",
            level_name(level, l),
            names.join(", ")
        ),
    ))
}

/// The escalation matrix named user groups Slack would not list: their people were not notified.
pub fn groups_unread(groups: &[(String, String)], l: Locale) -> Msg {
    let names: Vec<String> = groups
        .iter()
        .map(|(g, code)| format!("<!subteam^{g}> ({code})"))
        .collect();
    Msg::text(l.t(
        format!(":warning: Escalation matrix: Slack would not list the members of {}, so they were not notified. Check the group ids in STAKEHOLDERS_NOTIFY_P* (`chatops doctor`) and tell them another way.", names.join(", ")),
        format!(":warning: Matriz de escalonamento: o Slack não listou os membros de {}, que não foram notificados. Verifique os ids dos grupos em STAKEHOLDERS_NOTIFY_P* (`chatops doctor`) e avise-os de outra forma.", names.join(", ")),
    ))
}

/// `/incident status`'s line: who was notified, by level.
pub fn status_line(levels: &[(String, Vec<String>)], l: Locale) -> Option<String> {
    if levels.is_empty() {
        return None;
    }
    let parts: Vec<String> = levels
        .iter()
        .map(|(lv, r)| {
            format!(
                "{}: {}",
                level_name(lv, l),
                r.iter().map(|r| who(r)).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    Some(format!(
        "{} {}",
        l.t(
            "Stakeholders notified —",
            "Partes interessadas notificadas —"
        ),
        parts.join("; ")
    ))
}

/// The answer to Join the war room.
pub fn joined(room: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!(":white_check_mark: You are in the war room: <#{room}>."),
        format!(":white_check_mark: Você está na sala de guerra: <#{room}>."),
    ))
}

/// Join the war room could not invite the person.
pub fn join_failed(room: Option<&str>, error: &str, l: Locale) -> Msg {
    match room {
        None => Msg::text(l.t(
            "This incident has no war room (yet): follow it in the incidents channel.",
            "Este incidente (ainda) não tem sala de guerra: acompanhe no canal de incidentes.",
        )),
        Some(r) => Msg::text(l.t(
            format!("Slack did not add you to <#{r}> ({error}); nothing changed. Ask the commander to invite you, or open the channel from the link."),
            format!("O Slack não adicionou você a <#{r}> ({error}); nada mudou. Peça ao comandante para convidar você, ou abra o canal pelo link."),
        )),
    }
}

/// What kind of management update this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    Declared,
    Update,
    Cadence,
    Resolved,
}

impl UpdateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateKind::Declared => "declared",
            UpdateKind::Update => "update",
            UpdateKind::Cadence => "cadence",
            UpdateKind::Resolved => "resolved",
        }
    }
}

/// A management update: for people who are not engineers. `impact` is the words of the latest
/// public or stakeholder update, never war-room chatter.
#[derive(Debug, Clone)]
pub struct UpdateView {
    pub id: i64,
    pub kind: UpdateKind,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub started_at: i64,
    /// Now, or the resolution time (epoch seconds).
    pub until: i64,
    pub impact: Option<String>,
    /// When management hears next (epoch seconds).
    pub next_update_at: Option<i64>,
    pub drill: bool,
}

impl UpdateView {
    pub fn duration(&self, l: Locale) -> String {
        human_duration((self.until - self.started_at).max(0), l)
    }

    fn headline(&self, l: Locale) -> String {
        let key = format!("INC-{}", self.id);
        let what = match self.kind {
            UpdateKind::Declared => l.t("New incident", "Novo incidente"),
            UpdateKind::Resolved => l.t("Resolved", "Resolvido"),
            UpdateKind::Update | UpdateKind::Cadence => l.t("Update", "Atualização"),
        };
        format!(
            "{}{what} — {key} [{}]: {}",
            drill_tag(self.drill, l),
            self.severity,
            self.title
        )
    }

    /// The plain text (also the Slack text, escaped there).
    pub fn text(&self, l: Locale) -> String {
        let impact = self.impact.clone().unwrap_or_else(|| {
            l.t(
                "The team is assessing the impact; the next update will say more.",
                "A equipe está avaliando o impacto; a próxima atualização trará mais detalhes.",
            )
            .into()
        });
        let next = match (self.kind, self.next_update_at) {
            (UpdateKind::Resolved, _) => l
                .t(
                    "This is the last update for this incident.",
                    "Esta é a última atualização deste incidente.",
                )
                .to_string(),
            (_, Some(t)) => l.t(
                format!("Next update by {} UTC.", utc_hm(t)),
                format!("Próxima atualização até {} UTC.", utc_hm(t)),
            ),
            (_, None) => l
                .t(
                    "Next update when the situation changes.",
                    "Próxima atualização quando a situação mudar.",
                )
                .to_string(),
        };
        let started = utc_ymd_hm(self.started_at);
        l.t(
            format!(
                "{}\n\nStatus: {}\nStarted: {started} UTC ({} {})\nImpact: {impact}\n\n{next}",
                self.headline(l),
                status_label(l, &self.status),
                self.duration(l),
                if self.kind == UpdateKind::Resolved {
                    "in all"
                } else {
                    "so far"
                },
            ),
            format!(
                "{}\n\nStatus: {}\nInício: {started} UTC ({} {})\nImpacto: {impact}\n\n{next}",
                self.headline(l),
                status_label(l, &self.status),
                self.duration(l),
                if self.kind == UpdateKind::Resolved {
                    "no total"
                } else {
                    "até agora"
                },
            ),
        )
    }

    /// The mail's subject: one per incident, so clients thread it too.
    pub fn subject(&self, l: Locale) -> String {
        let key = format!("INC-{}", self.id);
        format!(
            "{}[{key}] {} — {}",
            drill_tag(self.drill, l),
            self.title,
            status_label(l, &self.status)
        )
    }
}

/// The Slack post of a management update (from the text, overridden or built in).
pub fn update_slack(text: &str) -> Msg {
    let escaped = escape(text);
    let first = escaped.lines().next().unwrap_or_default().to_string();
    let mut lines = escaped.lines();
    let head = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    let body = format!("*{head}*\n{}", rest.join("\n").trim_start());
    Msg::with_blocks(first, vec![blocks::section(body)])
}

/// The HTML part of a mail: the same words, escaped, one paragraph per block of lines.
pub fn update_html(text: &str, l: Locale) -> String {
    let html = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let paras: Vec<String> = text
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", html(p).replace('\n', "<br>\n")))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body>\n{}\n</body></html>\n",
        l.code(),
        paras.join("\n")
    )
}

/// Said once in the war room when management mail keeps failing.
pub fn mail_failing(key: &str, attempts: i64, error: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!(":warning: Management email for {key} is not getting through ({attempts} attempts; the mail server said: {error}). It is kept and retried with backoff; nothing is lost. Check SMTP_HOST and the server, or tell management another way meanwhile."),
        format!(":warning: O email para a gestão sobre {key} não está sendo entregue ({attempts} tentativas; o servidor de email disse: {error}). Ele é guardado e reenviado com espera crescente; nada se perde. Verifique SMTP_HOST e o servidor, ou avise a gestão de outra forma enquanto isso."),
    ))
}

/// Said once when mail gets through again after [`mail_failing`].
pub fn mail_recovered(key: &str, sent: i64, l: Locale) -> Msg {
    Msg::text(l.t(
        format!(":incoming_envelope: Management email for {key} is getting through again ({sent} delayed mail(s) sent)."),
        format!(":incoming_envelope: O email para a gestão sobre {key} voltou a ser entregue ({sent} email(s) atrasado(s) enviado(s))."),
    ))
}

/// The answer to `/incident update --stakeholders <text>`.
pub fn marked_sent(key: &str, channel: Option<&str>, mails: usize, l: Locale) -> String {
    let mut to = Vec::new();
    if let Some(c) = channel {
        to.push(format!("<#{c}>"));
    }
    if mails > 0 {
        to.push(l.t(
            format!("{mails} email address(es)"),
            format!("{mails} endereço(s) de email"),
        ));
    }
    if to.is_empty() {
        l.t(
            format!("No stakeholder channel or email is configured for {key}'s severity: the update stays in the war room."),
            format!("Nenhum canal ou email de gestão está configurado para a severidade de {key}: a atualização fica na sala de guerra."),
        )
    } else {
        l.t(
            format!("Stakeholder update for {key} sent to {}.", to.join(" and ")),
            format!(
                "Atualização de gestão de {key} enviada para {}.",
                to.join(" e ")
            ),
        )
    }
}

/// The variables of `stakeholder.j2` (plain text, not escaped): `key`, `id`, `kind`
/// (`declared`, `update`, `cadence`, `resolved`), `title`, `severity`, `status`,
/// `status_label`, `started` (UTC), `duration`, `impact` (none until a public or stakeholder
/// update says it), `next_update` (`HH:MM` UTC, none when resolved), `drill`, `locale`.
pub fn template_context(v: &UpdateView, l: Locale) -> serde_json::Value {
    serde_json::json!({
        "key": format!("INC-{}", v.id), "id": v.id, "kind": v.kind.as_str(), "title": v.title,
        "severity": v.severity, "status": v.status, "status_label": status_label(l, &v.status),
        "started": utc_ymd_hm(v.started_at), "duration": v.duration(l), "impact": v.impact,
        "next_update": if v.kind == UpdateKind::Resolved { None } else { v.next_update_at.map(utc_hm) },
        "drill": v.drill, "locale": l.code(),
    })
}

/// A sample to validate an overriding `stakeholder.j2` against.
pub fn sample_context() -> serde_json::Value {
    template_context(
        &UpdateView {
            id: 1,
            kind: UpdateKind::Update,
            title: "Sample".into(),
            severity: "P1".into(),
            status: "identified".into(),
            started_at: 1_700_000_000,
            until: 1_700_000_600,
            impact: Some("Some doctors do not get answers".into()),
            next_update_at: Some(1_700_001_800),
            drill: false,
        },
        Locale::En,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(kind: UpdateKind) -> UpdateView {
        UpdateView {
            id: 7,
            kind,
            title: "Julia não responde".into(),
            severity: "P1".into(),
            status: "identified".into(),
            started_at: 1_700_000_000,
            until: 1_700_000_000 + 95 * 60,
            impact: Some("Médicos não recebem respostas".into()),
            next_update_at: Some(1_700_000_000 + 120 * 60),
            drill: false,
        }
    }

    #[test]
    fn a_management_update_says_status_duration_impact_and_next_time_in_both_languages() {
        let t = view(UpdateKind::Update).text(Locale::PtBr);
        assert!(
            t.starts_with("Atualização — INC-7 [P1]: Julia não responde"),
            "{t}"
        );
        assert!(t.contains("Status: Identificado"), "{t}");
        assert!(t.contains("Impacto: Médicos não recebem respostas"), "{t}");
        assert!(t.contains("Próxima atualização até"), "{t}");
        let e = view(UpdateKind::Resolved).text(Locale::En);
        assert!(e.contains("last update"), "{e}");
        assert!(e.contains("1h 35m in all"), "{e}");
        let h = update_html("a <b>\n\nc", Locale::En);
        assert!(h.contains("<p>a &lt;b&gt;</p>"), "{h}");
    }

    #[test]
    fn a_notice_has_the_join_button_only_with_a_war_room() {
        let mut v = NoticeView {
            id: 3,
            title: "API down".into(),
            severity: "P0".into(),
            status: "investigating".into(),
            commander: Some("U0IC".into()),
            war_room: Some("CWAR".into()),
            level: "P0".into(),
            ..Default::default()
        };
        let m = notice(&v, Locale::En);
        let s = m.blocks.clone().unwrap().to_string();
        assert!(
            s.contains(JOIN) && s.contains("<@U0IC>") && s.contains("<#CWAR>"),
            "{s}"
        );
        v.war_room = None;
        assert!(!notice(&v, Locale::En)
            .blocks
            .unwrap()
            .to_string()
            .contains(JOIN));
    }

    #[test]
    fn stakeholder_j2_overrides_the_words_of_slack_and_email() {
        let d = std::env::temp_dir().join(format!(
            "chatops-test-tpl-stakeholder-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("stakeholder.j2"),
            "{{ key }} {{ status_label }} — {{ impact or 'sem detalhes' }} (próxima: {{ next_update or 'nenhuma' }})",
        )
        .unwrap();
        let t = crate::templates::Templates::load(&d);
        let bad = d.join("bad");
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(bad.join("stakeholder.j2"), "{{ no_such_thing }}").unwrap();
        let e = crate::templates::Templates::load(&bad).map(|_| ());
        let _ = std::fs::remove_dir_all(&d);
        let text = t
            .unwrap()
            .stakeholder(&view(UpdateKind::Update), Locale::PtBr);
        assert!(
            text.starts_with("INC-7 Identificado — Médicos não recebem respostas (próxima: "),
            "{text}"
        );
        assert!(e.unwrap_err().starts_with("stakeholder.j2"));
        // Not overridden: the built-in words.
        let b = crate::templates::Templates::builtin()
            .stakeholder(&view(UpdateKind::Update), Locale::En);
        assert!(b.starts_with("Update — INC-7"), "{b}");
    }
}
