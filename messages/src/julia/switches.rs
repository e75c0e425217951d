//! The other switches: `/julia flags`, `/julia campaigns off|on`, `/julia campaign
//! pause|resume`. English and Brazilian Portuguese.

use super::common::{ago, who};
use super::pause::applies;
use crate::{escape, Locale, Msg};

pub const TITLE_FLAGS: (&str, &str) = ("Feature flags", "Feature flags");

/// What a flag does (`julia.md` §1.3, §6.5).
pub fn flag_effect(l: Locale, key: &str) -> String {
    let (en, pt) = match key {
        "safe_mode" => (
            "on: blocks every proactive send; inbound gets no reply (`wait`) or goes to a human (`handoff`)",
            "ligado: bloqueia todo envio proativo; mensagens recebidas ficam sem resposta (`wait`) ou vão para um humano (`handoff`)",
        ),
        "campaigns" => ("off: blocks campaign sends", "desligado: bloqueia envios de campanha"),
        "policy_engine" => (
            "off: inbound goes to a human, outbound waits",
            "desligado: mensagens recebidas vão para um humano, envios esperam",
        ),
        "disabled_rules" => ("policy rules switched off", "regras de política desligadas"),
        "external_handoff" => (
            "hand-off to an external team, canary share",
            "hand-off para time externo, fatia canary",
        ),
        _ => ("", ""),
    };
    l.t(en, pt).to_string()
}

pub struct FlagView<'a> {
    pub key: &'a str,
    /// The stored value; `None` when the row is missing.
    pub value: Option<&'a str>,
    /// Julia's value when the row is missing.
    pub default: &'a str,
    pub by: Option<&'a str>,
    pub age_secs: Option<i64>,
}

pub fn flag_line(l: Locale, f: &FlagView) -> String {
    let effect = flag_effect(l, f.key);
    let effect = if effect.is_empty() {
        String::new()
    } else {
        format!(" — _{effect}_")
    };
    match f.value {
        Some(v) => {
            let by = match (f.by, f.age_secs) {
                (Some(b), Some(a)) => l.t(
                    format!(", set by {} {}", who(b), ago(l, a)),
                    format!(", alterada por {} {}", who(b), ago(l, a)),
                ),
                (None, Some(a)) => l.t(
                    format!(", set {}", ago(l, a)),
                    format!(", alterada {}", ago(l, a)),
                ),
                _ => String::new(),
            };
            format!("`{}` = `{}`{by}{effect}", f.key, escape(v))
        }
        None => l.t(
            format!("`{}`: no row — Julia uses `{}`{effect}", f.key, f.default),
            format!(
                "`{}`: sem linha — a Julia usa `{}`{effect}",
                f.key, f.default
            ),
        ),
    }
}

pub fn other_flags_line(l: Locale, keys: &[&str]) -> String {
    let list = keys
        .iter()
        .map(|k| format!("`{}`", escape(k)))
        .collect::<Vec<_>>()
        .join(", ");
    l.t(
        format!("Other rows (not read by the bot): {list}"),
        format!("Outras linhas (o bot não as lê): {list}"),
    )
}

pub fn unknown_flag(l: Locale, given: &str, known: &[&str]) -> Msg {
    let list = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Msg::text(l.t(
        format!("Unknown flag `{}`. Known flags: {list}.", escape(given)),
        format!(
            "Flag `{}` desconhecida. Flags conhecidas: {list}.",
            escape(given)
        ),
    ))
}

// ---------------------------------------------------------------- campaigns flag

pub fn what_campaigns(l: Locale, enabled: bool, reason: &str) -> String {
    if enabled {
        l.t(format!("turn campaign sends back on (`campaigns` = `{{\"enabled\": true}}`) — reason: {}", escape(reason)),
            format!("religar os envios de campanha (`campaigns` = `{{\"enabled\": true}}`) — motivo: {}", escape(reason)),
        )
    } else {
        l.t(format!("turn campaign sends off (`campaigns` = `{{\"enabled\": false}}`) — reason: {}\n*Stops:* campaign sends only (each becomes `bloqueada` / `BLOCKED_CAMPAIGNS_DISABLED` and is not retried). *Does not stop:* replies, reminders and other proactive sends, chip warming.", escape(reason)),
            format!("desligar os envios de campanha (`campaigns` = `{{\"enabled\": false}}`) — motivo: {}\n*Para:* só envios de campanha (cada um vira `bloqueada` / `BLOCKED_CAMPAIGNS_DISABLED` e não é reenviado). *Não para:* respostas, lembretes e outros envios proativos, aquecimento de chips.", escape(reason)),
        )
    }
}

pub fn campaigns_already(l: Locale, enabled: bool, value: &str) -> Msg {
    Msg::text(if enabled {
        l.t(format!(":information_source: Campaign sends are already on ({}). Nothing was changed.", escape(value)), format!(":information_source: Os envios de campanha já estão ligados ({}). Nada foi alterado.", escape(value)))
    } else {
        l.t(format!(":information_source: Campaign sends are already off ({}). Nothing was changed.", escape(value)), format!(":information_source: Os envios de campanha já estão desligados ({}). Nada foi alterado.", escape(value)))
    })
}

pub fn campaigns_done(
    l: Locale,
    enabled: bool,
    db_now: &str,
    applies_now: bool,
    cache_problem: Option<&str>,
) -> Msg {
    let head = if enabled {
        l.t(
            ":arrow_forward: *Campaign sends on.*",
            ":arrow_forward: *Envios de campanha ligados.*",
        )
        .to_string()
    } else {
        l.t(
            ":double_vertical_bar: *Campaign sends off.*",
            ":double_vertical_bar: *Envios de campanha desligados.*",
        )
        .to_string()
    };
    Msg::text(l.t(
        format!(
            "{head}\nThe database now says: campaigns = `{}`.\n{}",
            escape(db_now),
            applies(l, applies_now, cache_problem)
        ),
        format!(
            "{head}\nO banco agora diz: campaigns = `{}`.\n{}",
            escape(db_now),
            applies(l, applies_now, cache_problem)
        ),
    ))
}

pub fn campaigns_announcement(l: Locale, enabled: bool, reason: &str, user: &str) -> Msg {
    Msg::text(if enabled {
        l.t(
            format!(
                ":arrow_forward: Julia's campaign sends are back on — {} — by <@{user}>.",
                escape(reason)
            ),
            format!(
                ":arrow_forward: Envios de campanha da Julia religados — {} — por <@{user}>.",
                escape(reason)
            ),
        )
    } else {
        l.t(format!(":double_vertical_bar: Julia's campaign sends are OFF — {} — by <@{user}>. Other sends and replies continue.", escape(reason)), format!(":double_vertical_bar: Envios de campanha da Julia DESLIGADOS — {} — por <@{user}>. Outros envios e respostas continuam.", escape(reason)))
    })
}

// ---------------------------------------------------------------- one campaign

pub struct CampaignView<'a> {
    pub id: i64,
    pub name: &'a str,
    pub status: &'a str,
}

fn campaign_ref(c: &CampaignView) -> String {
    format!("#{} `{}`", c.id, escape(c.name))
}

fn choices(l: Locale, list: &[CampaignView]) -> String {
    if list.is_empty() {
        return l
            .t(
                "none is `ativa` or `pausada`",
                "nenhuma está `ativa` ou `pausada`",
            )
            .to_string();
    }
    list.iter()
        .map(|c| format!("{} ({})", campaign_ref(c), c.status))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn campaign_unknown(l: Locale, given: &str, switchable: &[CampaignView]) -> Msg {
    Msg::text(l.t(format!("No campaign `{}` (by id, `nome_template` or `friendly_name`). Campaigns you can pause or resume: {}. Nothing was changed.", escape(given), choices(l, switchable)),
        format!("Nenhuma campanha `{}` (por id, `nome_template` ou `friendly_name`). Campanhas que dá para pausar ou retomar: {}. Nada foi alterado.", escape(given), choices(l, switchable)),
    ))
}

pub fn campaign_ambiguous(l: Locale, given: &str, matches: &[CampaignView]) -> Msg {
    Msg::text(l.t(
        format!(
            "`{}` names several campaigns: {}. Use the id. Nothing was changed.",
            escape(given),
            choices(l, matches)
        ),
        format!(
            "`{}` nomeia várias campanhas: {}. Use o id. Nada foi alterado.",
            escape(given),
            choices(l, matches)
        ),
    ))
}

/// `pause` needs `ativa`, `resume` needs `pausada`; anything else is refused.
pub fn campaign_transition_refused(l: Locale, c: &CampaignView, wanted: &str) -> Msg {
    Msg::text(l.t(format!("Cannot {wanted} campaign {}: it is `{}`. Allowed: `pause` (ativa → pausada), `resume` (pausada → ativa). Nothing was changed.", campaign_ref(c), c.status),
        format!("Não dá para {} a campanha {}: ela está `{}`. Permitido: `pause` (ativa → pausada), `resume` (pausada → ativa). Nada foi alterado.", if wanted == "pause" { "pausar" } else { "retomar" }, campaign_ref(c), c.status),
    ))
}

pub fn what_campaign(l: Locale, c: &CampaignView, to: &str, reason: &str) -> String {
    l.t(
        format!(
            "set campaign {} from `{}` to `{to}` — reason: {}",
            campaign_ref(c),
            c.status,
            escape(reason)
        ),
        format!(
            "mudar a campanha {} de `{}` para `{to}` — motivo: {}",
            campaign_ref(c),
            c.status,
            escape(reason)
        ),
    )
}

pub fn campaign_done(l: Locale, c: &CampaignView, now: &str) -> Msg {
    Msg::text(l.t(
        format!(
            ":white_check_mark: Campaign {} is now `{now}` (read back from the database).",
            campaign_ref(c)
        ),
        format!(
            ":white_check_mark: A campanha {} agora está `{now}` (conferido no banco).",
            campaign_ref(c)
        ),
    ))
}

pub fn campaign_changed_meanwhile(l: Locale, c: &CampaignView) -> Msg {
    Msg::text(l.t(format!("Campaign {} is no longer `{}` (someone changed it since the prompt). Nothing was changed; run the command again.", campaign_ref(c), c.status),
        format!("A campanha {} não está mais `{}` (alguém mudou desde a confirmação). Nada foi alterado; rode o comando de novo.", campaign_ref(c), c.status),
    ))
}

pub fn campaign_announcement(l: Locale, c: &CampaignView, now: &str, user: &str) -> Msg {
    Msg::text(l.t(
        format!(
            ":information_source: Campaign {} set to `{now}` by <@{user}>.",
            campaign_ref(c)
        ),
        format!(
            ":information_source: Campanha {} mudou para `{now}` por <@{user}>.",
            campaign_ref(c)
        ),
    ))
}

/// The `campaigns` value shown when `feature_flags` has no row (campaigns are on by default).
pub const NO_CAMPAIGNS_ROW: &str = "(no row: enabled)";

/// The reason recorded for `campaigns on|off` given without one.
pub fn campaigns_default_reason(enabled: bool) -> String {
    if enabled {
        "campaigns on"
    } else {
        "campaigns off"
    }
    .into()
}
