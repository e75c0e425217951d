//! Acknowledgment, on-call and paging: every word (Slack and WhatsApp). Phone numbers arrive
//! here already masked; user ids are rendered as mentions.

use crate::blocks::{self, Style};
use crate::{datetime_token, escape, human_duration, Locale, Msg};

/// The "Acknowledge" button (the "I'm on it" button acknowledges too).
pub const ACTION_ACK: &str = "incident_acknowledge";

/// What a page says about its incident.
#[derive(Debug, Clone, Default)]
pub struct PageView {
    pub id: i64,
    pub severity: String,
    pub title: String,
    /// Seconds since the declaration without an acknowledgment.
    pub unacked_secs: i64,
    pub war_room: Option<String>,
    /// A link that opens the war room (or the incidents channel) in Slack, on a phone too.
    pub link: String,
}

fn key(id: i64) -> String {
    format!("INC-{id}")
}

fn ack_buttons(id: i64, l: Locale) -> blocks::Block {
    let v = id.to_string();
    blocks::actions(
        &format!("incident_page_{id}"),
        vec![
            blocks::button(ACTION_ACK, ack_label(l), &v, Style::Primary),
            blocks::button(
                crate::incident::action::ON_IT,
                on_it_label(l),
                &v,
                Style::Default,
            ),
        ],
    )
}

/// The Acknowledge button's words: it only stops the paging (the words say so, beside
/// "I'm on it", which also makes the person a responder).
pub fn ack_label(l: Locale) -> &'static str {
    l.t("Acknowledge: stop paging", "Reconhecer: parar os chamados")
}

/// The "I'm on it" button's words: the person takes it on (a responder; it acknowledges too).
pub fn on_it_label(l: Locale) -> &'static str {
    l.t("I'm on it: I'll work it", "Estou nisso: vou atuar")
}

/// The "Acknowledge" button alone, for messages that already carry "I'm on it".
pub fn ack_button(id: i64, l: Locale) -> slack_morphism::prelude::SlackActionBlockElement {
    blocks::button(ACTION_ACK, ack_label(l), &id.to_string(), Style::Primary)
}

/// Posted where the incident lives right after the declaration: who is on call.
pub fn oncall_notice(id: i64, oncall: &str, window_secs: Option<i64>, l: Locale) -> Msg {
    let when = match window_secs {
        Some(s) => format!(
            "{} {} {}",
            l.t("Acknowledge within", "Reconheça em até"),
            human_duration(s, l),
            l.t(
                "or the bot pages by DM and WhatsApp.",
                "ou o bot chama por DM e WhatsApp."
            )
        ),
        None => l
            .t(
                "No paging for this severity.",
                "Sem chamados para esta severidade.",
            )
            .to_string(),
    };
    let text = format!(
        "{} {}: <@{oncall}>. {when}",
        key(id),
        l.t("on call", "de plantão")
    );
    Msg::with_blocks(
        text.clone(),
        vec![
            blocks::section(format!(":pager: {text}")),
            ack_buttons(id, l),
        ],
    )
}

/// The Slack DM of a page.
pub fn page_dm(p: &PageView, l: Locale) -> Msg {
    let room = p
        .war_room
        .as_ref()
        .map(|w| format!(" · <#{w}>"))
        .unwrap_or_default();
    let text = format!(
        ":rotating_light: {} {} · {} — {} {}",
        key(p.id),
        p.severity,
        escape(&p.title),
        l.t("unacknowledged for", "sem reconhecimento há"),
        human_duration(p.unacked_secs, l)
    );
    Msg::with_blocks(
        text.clone(),
        vec![
            blocks::section(format!(
                "{text}{room}\n<{}|{}>",
                p.link,
                l.t("Open the war room", "Abrir a sala de guerra")
            )),
            ack_buttons(p.id, l),
        ],
    )
}

/// The WhatsApp text of a page (plain: no Slack markup).
pub fn page_whatsapp(p: &PageView, l: Locale) -> String {
    format!(
        "🚨 {} {} — {}\n{} {}.\n{}: {}\n{}",
        key(p.id),
        p.severity,
        p.title,
        l.t("Unacknowledged for", "Sem reconhecimento há"),
        human_duration(p.unacked_secs, l),
        l.t("War room", "Sala de guerra"),
        p.link,
        l.t(
            "Reply ack (or ok, or 1) to acknowledge.",
            "Responda ack (ou ok, ou 1) para reconhecer."
        )
    )
}

/// How a page reached a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reached {
    pub whatsapp: bool,
    pub dm: bool,
}

/// Which step of the ladder a page was.
pub fn step_name(step: i64, l: Locale) -> &'static str {
    match step {
        0 => l.t("primary on call", "plantonista principal"),
        1 => l.t("secondary on call", "plantonista secundário"),
        _ => l.t("incident commanders", "comandantes de incidente"),
    }
}

/// One war-room line per person paged: "paged @ana by WhatsApp and DM (primary on call)".
pub fn paged_line(user: &str, r: Reached, step: i64, l: Locale) -> Msg {
    let how = match (r.whatsapp, r.dm) {
        (true, true) => l.t("by WhatsApp and DM", "por WhatsApp e DM"),
        (true, false) => l.t("by WhatsApp", "por WhatsApp"),
        (false, true) => l.t("by DM", "por DM"),
        (false, false) => l.t("by no channel", "por nenhum canal"),
    };
    Msg::text(format!(
        ":pager: {} <@{user}> {how} ({})",
        l.t("paged", "chamou"),
        step_name(step, l)
    ))
}

/// WhatsApp could not carry a page; the ladder goes on at once.
pub fn whatsapp_failed(user: &str, why: &str, last_step: bool, l: Locale) -> Msg {
    let next = if last_step {
        ""
    } else {
        l.t(
            " Paging the next step now.",
            " Chamando o próximo nível agora.",
        )
    };
    Msg::text(format!(
        ":warning: {} <@{user}> {}: {why}.{next}",
        l.t("WhatsApp page to", "Chamado por WhatsApp para"),
        l.t("failed", "falhou")
    ))
}

/// Evolution did not answer a WhatsApp page in time: it may still be delivered, so the ladder
/// keeps its window (no "failed", no early escalation).
pub fn whatsapp_unconfirmed(user: &str, why: &str, l: Locale) -> Msg {
    Msg::text(format!(
        ":hourglass: {} <@{user}> {}: {why}. {}",
        l.t("WhatsApp page to", "Chamado por WhatsApp para"),
        l.t("not confirmed", "não confirmado"),
        l.t(
            "It may still be delivered; the next step keeps its window.",
            "Ele ainda pode chegar; o próximo nível mantém o seu prazo."
        )
    ))
}

/// Why WhatsApp failed, for [`whatsapp_failed`].
pub fn evolution_state(state: &str, l: Locale) -> String {
    format!("{} {state}", l.t("Evolution is", "o Evolution está"))
}

pub fn no_evolution(l: Locale) -> &'static str {
    l.t(
        "Evolution is not configured: set",
        "o Evolution não está configurado: defina",
    )
}

pub fn no_phone(l: Locale) -> String {
    l.t("no number in ONCALL_PHONES", "sem número em ONCALL_PHONES")
        .into()
}

/// Posted in the incidents channel when no channel could deliver a page.
pub fn undeliverable(id: i64, user: &str, dm: &str, whatsapp: &str, l: Locale) -> Msg {
    Msg::text(format!(
        ":rotating_light: {} {} <@{user}> {} (DM: {dm}; WhatsApp: {whatsapp}). {}",
        key(id),
        l.t("could not page", "não conseguiu chamar"),
        l.t("by any channel", "por nenhum canal"),
        l.t(
            "Please reach them another way.",
            "Por favor, contate a pessoa de outro jeito."
        )
    ))
}

/// A step of the ladder with nobody to page.
pub fn nobody_at_step(step: i64, l: Locale) -> Msg {
    Msg::text(format!(
        ":pager: {} ({}); {}",
        l.t("Nobody to page", "Ninguém para chamar"),
        step_name(step, l),
        l.t("going to the next step.", "indo para o próximo nível.")
    ))
}

/// Every step was paged and nobody acknowledged.
pub fn ladder_exhausted(id: i64, l: Locale) -> Msg {
    Msg::text(format!(
        ":rotating_light: {}: {}",
        key(id),
        l.t(
            "everyone on the paging ladder was paged and nobody acknowledged.",
            "todos do plantão foram chamados e ninguém reconheceu."
        )
    ))
}

/// How an acknowledgment came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Slack,
    WhatsApp,
}

/// The timeline notice: "acknowledged by @ana after 3m (WhatsApp)".
pub fn acknowledged(who: &str, after_secs: i64, via: Via, l: Locale) -> String {
    let how = match via {
        Via::Slack => String::new(),
        Via::WhatsApp => l.t(" (WhatsApp reply)", " (resposta no WhatsApp)").into(),
    };
    format!(
        ":white_check_mark: {} <@{who}> {} {}{how}",
        l.t("Acknowledged by", "Reconhecido por"),
        l.t("after", "após"),
        human_duration(after_secs, l)
    )
}

/// The answer to `/incident ack` (or the button) that acknowledged.
pub fn acknowledged_reply(id: i64, l: Locale) -> Msg {
    crate::incident::reply::done(
        &key(id),
        l.t(
            "acknowledged; paging stopped.",
            "reconhecido; os chamados pararam.",
        ),
    )
}

/// The answer to an acknowledgment of a resolved incident (Slack).
pub fn nothing_to_acknowledge(id: i64, l: Locale) -> Msg {
    Msg::text(whatsapp::resolved(id, l))
}

pub fn already_acknowledged(id: i64, by: &str, l: Locale) -> Msg {
    Msg::text(format!(
        "{} {} <@{by}>.",
        key(id),
        l.t("was already acknowledged by", "já foi reconhecido por")
    ))
}

/// The WhatsApp answers to a reply.
pub mod whatsapp {
    use crate::Locale;

    pub fn acked(id: i64, l: Locale) -> String {
        format!(
            "✅ INC-{id} {}",
            l.t(
                "acknowledged. Paging stopped; the war room knows.",
                "reconhecido. Os chamados pararam; a sala de guerra foi avisada."
            )
        )
    }
    pub fn already_acked(id: i64, l: Locale) -> String {
        format!(
            "INC-{id} {}",
            l.t("was already acknowledged.", "já tinha sido reconhecido.")
        )
    }
    pub fn resolved(id: i64, l: Locale) -> String {
        format!(
            "INC-{id} {}",
            l.t(
                "is already resolved: nothing to acknowledge.",
                "já está resolvido: nada a reconhecer."
            )
        )
    }
}

/// What `/incident oncall` shows.
#[derive(Debug, Clone, Default)]
pub struct OncallView {
    pub now: Option<String>,
    /// Set when `now` is an override: until when, and who set it.
    pub override_until: Option<i64>,
    pub override_by: Option<String>,
    pub next: Option<String>,
    pub handoff_at: Option<i64>,
    pub handoff_rule: String,
    pub tz: String,
    pub rotation: Vec<String>,
}

pub fn oncall(v: &OncallView, l: Locale) -> Msg {
    let Some(now) = &v.now else {
        return Msg::text(l.t(
            ":pager: No on-call rotation: set ONCALL_ROTATION (Slack user ids in order).",
            ":pager: Sem escala de plantão: defina ONCALL_ROTATION (ids de usuário do Slack, em ordem).",
        ));
    };
    let mut s = format!(
        ":pager: {} <@{now}>",
        l.t("On call now:", "De plantão agora:")
    );
    if let Some(until) = v.override_until {
        s.push_str(&format!(
            " ({} {}{})",
            l.t("override until", "substituição até"),
            datetime_token(until),
            v.override_by
                .as_ref()
                .map(|b| format!(", {} <@{b}>", l.t("set by", "definida por")))
                .unwrap_or_default()
        ));
    }
    if let Some(next) = &v.next {
        s.push_str(&format!("\n{} <@{next}>", l.t("Next:", "Próximo:")));
    }
    if let Some(at) = v.handoff_at {
        s.push_str(&format!(
            "\n{} {} ({}, {})",
            l.t("Handoff:", "Troca:"),
            datetime_token(at),
            v.handoff_rule,
            v.tz
        ));
    }
    if !v.rotation.is_empty() {
        let r: Vec<String> = v.rotation.iter().map(|u| format!("<@{u}>")).collect();
        s.push_str(&format!(
            "\n{} {}",
            l.t("Rotation:", "Escala:"),
            r.join(" → ")
        ));
    }
    Msg::text(s)
}

/// The answer to `/incident oncall set`, also posted in the incidents channel.
pub fn override_set(user: &str, until: i64, by: &str, l: Locale) -> Msg {
    Msg::text(format!(
        ":pager: <@{user}> {} {} ({} <@{by}>)",
        l.t("is on call until", "está de plantão até"),
        datetime_token(until),
        l.t("set by", "definido por")
    ))
}

/// The DM at each handoff to the person now on call.
pub fn handoff_dm(until: Option<i64>, l: Locale) -> Msg {
    let until = until
        .map(|t| format!(" {} {}", l.t("until", "até"), datetime_token(t)))
        .unwrap_or_default();
    Msg::text(format!(
        ":pager: {}{until}. {}",
        l.t("You are on call now", "Você está de plantão agora"),
        l.t(
            "Unacknowledged incidents page you by DM and WhatsApp; reply ack to acknowledge.",
            "Incidentes sem reconhecimento chamam você por DM e WhatsApp; responda ack para reconhecer."
        )
    ))
}

pub fn not_in_rotation_hint(l: Locale) -> &'static str {
    l.t(
        "Use a user mention, e.g. `oncall set @ana for 8h`.",
        "Use uma menção, ex. `oncall set @ana for 8h`.",
    )
}

pub fn bad_override(why: &str, l: Locale) -> Msg {
    Msg::text(format!(
        "{}: {why}. {}",
        l.t("Cannot set the on-call", "Não foi possível definir o plantão"),
        l.t(
            "Use `oncall set @user`, `oncall set @user for 8h` or `oncall set @user until mon 09:00`.",
            "Use `oncall set @pessoa`, `oncall set @pessoa for 8h` ou `oncall set @pessoa until mon 09:00`."
        )
    ))
}
