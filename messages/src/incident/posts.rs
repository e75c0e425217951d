//! What is posted where an incident lives: the declared message, the announcement, updates,
//! the resolution, one-line notices, the topic, the war room's name and `status`.

use super::common::{
    buttons, core_fields, or_dash, sev_emoji, status_label, user, IncidentView, StatusPaging,
};
use crate::blocks;
use crate::{datetime_token, escape, human_duration, time_token, utc_hm, utc_ymd_hm, Locale, Msg};

/// The declared message (war room, pinned; or the incidents channel when there is none).
pub fn declared(v: &IncidentView, l: Locale) -> Msg {
    let title = escape(&v.title);
    let text = format!(
        "{} {} {} [{}]: {} — {}",
        sev_emoji(&v.severity),
        v.key(),
        l.t("declared", "declarado"),
        v.severity,
        title,
        status_label(l, &v.status)
    );
    let mut b = vec![
        blocks::header(&format!("{} {} · {}", v.severity, v.key(), v.title)),
        blocks::fields(&core_fields(v, l)),
        blocks::section(format!(
            "*{}*\n{}",
            l.t("Impact", "Impacto"),
            or_dash(&v.impact)
        )),
        blocks::section(format!(
            "*{}*\n{}\n*{}*\n{}\n*{}* {}",
            l.t("Latest findings", "Descobertas mais recentes"),
            or_dash(&v.findings),
            l.t("Actions in progress", "Ações em andamento"),
            or_dash(&v.actions),
            l.t("ETA:", "Previsão:"),
            or_dash(&v.eta)
        )),
    ];
    if let Some(w) = &v.war_room {
        b.push(blocks::context(format!(
            "{} <#{w}>",
            l.t("War room:", "Sala de guerra:")
        )));
    }
    b.push(buttons(v, l));
    Msg::with_blocks(text, b)
}

/// The announcement in the incidents channel, linking to the war room.
pub fn announcement(v: &IncidentView, l: Locale) -> Msg {
    let Some(w) = &v.war_room else {
        return declared(v, l);
    };
    let text = format!(
        "{} {} [{}] {}: {} — {} <#{w}>",
        sev_emoji(&v.severity),
        v.key(),
        v.severity,
        l.t("declared", "declarado"),
        escape(&v.title),
        l.t("war room", "sala de guerra")
    );
    let b = vec![
        blocks::section(format!(
            "{} *{} · {}* — {}\n{} {} · {} {} · {} <#{w}>",
            sev_emoji(&v.severity),
            v.key(),
            v.severity,
            escape(&v.title),
            l.t("Started", "Início"),
            datetime_token(v.started_at),
            l.t("IC", "IC"),
            user(&v.commander, l),
            l.t("War room:", "Sala de guerra:"),
        )),
        blocks::context(
            l.t(
                "Updates follow in this thread.",
                "As atualizações seguem nesta thread.",
            )
            .to_string(),
        ),
    ];
    Msg::with_blocks(text, b)
}

/// An update (war room, and as a thread reply under the announcement).
pub fn update(v: &IncidentView, author: &str, l: Locale) -> Msg {
    let text = format!(
        "{} {} {} [{}] — {}: {}",
        sev_emoji(&v.severity),
        v.key(),
        l.t("update", "atualização"),
        status_label(l, &v.status),
        escape(&v.title),
        or_dash(&v.findings)
    );
    let b = vec![
        blocks::section(format!(
            "*{} {} · {}* — {}",
            v.key(),
            l.t("update", "atualização"),
            status_label(l, &v.status),
            escape(&v.title)
        )),
        blocks::fields(&core_fields(v, l)),
        blocks::section(format!(
            "*{}*\n{}\n*{}*\n{}\n*{}* {}",
            l.t("Latest findings", "Descobertas mais recentes"),
            or_dash(&v.findings),
            l.t("Actions in progress", "Ações em andamento"),
            or_dash(&v.actions),
            l.t("ETA:", "Previsão:"),
            or_dash(&v.eta)
        )),
        blocks::context(format!("{} <@{author}>", l.t("Posted by", "Postado por"))),
        buttons(v, l),
    ];
    Msg::with_blocks(text, b)
}

/// The resolved message (war room, thread and the incidents channel itself).
pub fn resolved(v: &IncidentView, by: &str, l: Locale) -> Msg {
    let text = format!(
        ":white_check_mark: {} {} — {} ({} {})",
        v.key(),
        l.t("resolved", "resolvido"),
        escape(&v.title),
        l.t("duration", "duração"),
        human_duration(v.duration(), l)
    );
    let mut f = core_fields(v, l);
    f.push((
        l.t("Resolved", "Resolvido em").into(),
        v.resolved_at.map(datetime_token).unwrap_or_default(),
    ));
    if let Some(pm) = v.postmortem_due {
        f.push((
            l.t("Post-mortem due", "Post-mortem até").into(),
            datetime_token(pm),
        ));
    }
    let b = vec![
        blocks::header(&format!(
            "✅ {} {} · {}",
            v.key(),
            l.t("resolved", "resolvido"),
            v.title
        )),
        blocks::fields(&f),
        blocks::section(format!(
            "*{}*\n{}\n*{}*\n{}\n*{}*\n{}\n*{}*\n{}",
            l.t("Impact", "Impacto"),
            or_dash(&v.impact),
            l.t("Root cause", "Causa raiz"),
            or_dash(&v.root_cause),
            l.t("Resolution", "Resolução"),
            or_dash(&v.resolution),
            l.t("Preventive measures", "Medidas preventivas"),
            or_dash(&v.preventive)
        )),
        blocks::context(format!("{} <@{by}>", l.t("Resolved by", "Resolvido por"))),
    ];
    Msg::with_blocks(text, b)
}

/// A one-line timeline notice posted where the incident lives (severity, roles, reopen…).
pub fn notice(v: &IncidentView, what: &str) -> Msg {
    Msg::with_blocks(
        format!("{} {}: {}", v.key(), escape(&v.title), what),
        vec![blocks::section(format!("*{}* · {}", v.key(), what))],
    )
}

pub fn severity_changed(from: &str, to: &str, by: &str, l: Locale) -> String {
    format!(
        "{} {from} → *{to}* {} <@{by}>",
        l.t("Severity", "Severidade"),
        l.t("by", "por")
    )
}

pub fn role_assigned(role: &str, who: &str, by: &str, l: Locale) -> String {
    let role_l = match (role, l) {
        ("commander", Locale::En) => "Incident commander",
        ("commander", Locale::PtBr) => "Comandante do incidente",
        ("comms", _) => "Comms",
        ("scribe", Locale::En) => "Scribe",
        ("scribe", Locale::PtBr) => "Escriba",
        (_, Locale::En) => "Responder",
        (_, Locale::PtBr) => "Respondente",
    };
    format!(
        "{role_l}: <@{who}> ({} <@{by}>)",
        l.t("set by", "definido por")
    )
}

pub fn on_it(who: &str, l: Locale) -> String {
    format!(":raising_hand: <@{who}> {}", l.t("is on it", "está nisso"))
}

pub fn reopened(by: &str, l: Locale) -> String {
    format!(
        ":arrows_counterclockwise: {} <@{by}>",
        l.t("Reopened by", "Reaberto por")
    )
}

pub fn snoozed(until: i64, by: &str, capped: bool, l: Locale) -> String {
    let mut s = format!(
        ":zzz: {} {} {} <@{by}>",
        l.t("Reminders snoozed until", "Lembretes adiados até"),
        time_token(until),
        l.t("by", "por")
    );
    if capped {
        s.push_str(l.t(
            " (a P0 can be snoozed for at most 2 cadences)",
            " (um P0 pode ser adiado por no máximo 2 cadências)",
        ));
    }
    s
}

/// The channel topic: `P1 · Identified · IC @ana · next update 14:35 UTC` (plain text).
pub fn topic(v: &IncidentView, l: Locale) -> String {
    let ic = v
        .commander
        .as_ref()
        .map(|u| format!("<@{u}>"))
        .unwrap_or_else(|| "—".into());
    let mut t = format!("{} · {} · IC {ic}", v.severity, status_label(l, &v.status));
    match (v.status.as_str(), v.next_update_at) {
        ("resolved", _) => {}
        (_, Some(n)) => t.push_str(&format!(
            " · {} {}",
            l.t("next update", "próxima atualização"),
            utc_hm(n)
        )),
        _ => {}
    }
    t.push_str(&format!(" · {}", v.key()));
    t
}

/// `inc-<yyyymmdd>-<n>-<slug>`: lowercase, `a-z0-9-_`, accents and other marks folded
/// away ([`crate::fold`]), at most 80 chars.
pub fn war_room_name(id: i64, started_at: i64, title: &str, suffix: Option<u32>) -> String {
    let ymd = utc_ymd_hm(started_at)[..10].replace('-', "");
    let folded = crate::fold::fold_for_channel_name(title);
    let mut slug = String::new();
    for c in folded.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '-'
        };
        if c == '-' && (slug.is_empty() || slug.ends_with('-')) {
            continue;
        }
        slug.push(c);
    }
    let slug = slug.trim_end_matches('-');
    let tail = suffix.map(|n| format!("-{n}")).unwrap_or_default();
    let prefix = format!("inc-{ymd}-{id}-");
    let room = 80usize.saturating_sub(prefix.len() + tail.len());
    let slug: String = slug.chars().take(room).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("inc-{ymd}-{id}{tail}")
    } else {
        format!("{prefix}{slug}{tail}")
    }
}

/// `/incident status`.
pub fn status(v: &IncidentView, paging: &StatusPaging, l: Locale) -> Msg {
    let mut b = vec![
        blocks::section(format!("*{}* — {}", v.key(), escape(&v.title))),
        blocks::fields(&core_fields(v, l)),
    ];
    b.push(blocks::section(format!(
        "*{}*\n{}\n*{}*\n{}",
        l.t("Impact", "Impacto"),
        or_dash(&v.impact),
        l.t("Latest findings", "Descobertas mais recentes"),
        or_dash(&v.findings)
    )));
    if let Some(line) = paging_line(v, paging, l) {
        b.push(blocks::context(line));
    }
    if let Some(w) = &v.war_room {
        b.push(blocks::context(format!("<#{w}>")));
    }
    Msg::with_blocks(
        format!(
            "{} [{}] {}",
            v.key(),
            status_label(l, &v.status),
            escape(&v.title)
        ),
        b,
    )
}

/// Who acknowledged the incident (or that nobody has yet, while it is open) and who is on call.
fn paging_line(v: &IncidentView, p: &StatusPaging, l: Locale) -> Option<String> {
    let mut parts = Vec::new();
    match &p.acked {
        Some((by, at_ms)) => parts.push(format!(
            ":white_check_mark: {} <@{by}> {}",
            l.t("Acknowledged by", "Reconhecido por"),
            datetime_token(at_ms / 1000)
        )),
        None if v.status != "resolved" => parts.push(format!(
            ":hourglass_flowing_sand: {}",
            l.t("Not acknowledged yet", "Ainda não reconhecido")
        )),
        None => {}
    }
    if let Some(u) = &p.on_call {
        parts.push(format!(":pager: {} <@{u}>", l.t("On call:", "De plantão:")));
    }
    (!parts.is_empty()).then(|| parts.join("  ·  "))
}
