//! Action items after an incident (#28): the answers to `/incident action …`, the owners' DMs
//! and reminders, the post-mortem's "Add action item" button and its form, and the lines the
//! Home tab, the digest and `/incident stats` show. The drill's words are in [`crate::drill`].

use crate::blocks::{self, Style};
use crate::{datetime_token, escape, Locale, Msg};

/// Action and callback ids (the `followup_` prefix routes them to the follow-up crate).
pub mod action {
    /// The post-mortem message's "Add action item" button (value: the incident number).
    pub const ADD: &str = "followup_action_add";
    /// The form it opens.
    pub const FORM: &str = "followup_action_form";
}

/// One action item as every message shows it (times in epoch seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemView {
    pub id: i64,
    pub incident: i64,
    pub text: String,
    pub owner: String,
    pub due_at: Option<i64>,
    pub done_at: Option<i64>,
    /// The incident is a drill.
    pub drill: bool,
}

impl ItemView {
    pub fn key(&self) -> String {
        format!("#{}", self.id)
    }
    pub fn is_overdue(&self, now: i64) -> bool {
        self.done_at.is_none() && self.due_at.is_some_and(|d| d < now)
    }
}

fn due_words(i: &ItemView, l: Locale) -> String {
    match i.due_at {
        Some(d) => format!("{} {}", l.t("due", "prazo"), datetime_token(d)),
        None => l
            .t(
                "due a week after the resolution",
                "prazo: uma semana após a resolução",
            )
            .into(),
    }
}

/// `#12 INC-4 · <text> · @owner · due …` (one line of a list).
pub fn item_line(i: &ItemView, now: i64, l: Locale) -> String {
    let state = if i.done_at.is_some() {
        format!(" · :white_check_mark: {}", l.t("done", "feito"))
    } else if i.is_overdue(now) {
        format!(" · :warning: *{}*", l.t("overdue", "atrasado"))
    } else {
        String::new()
    };
    format!(
        "`{}` INC-{} · {} · <@{}> · {}{state}",
        i.key(),
        i.incident,
        escape(&i.text),
        i.owner,
        due_words(i, l)
    )
}

/// The answer to `action add`.
pub fn added(i: &ItemView, l: Locale) -> Msg {
    Msg::text(format!(
        ":clipboard: {} {} INC-{}: {} — <@{}>, {}. {}",
        l.t("Action item", "Item de ação"),
        i.key(),
        i.incident,
        escape(&i.text),
        i.owner,
        due_words(i, l),
        l.t(
            "The owner was told by DM.",
            "O responsável foi avisado por DM."
        )
    ))
}

/// The DM an owner gets when an item is assigned to them.
pub fn assigned_dm(i: &ItemView, by: &str, cmd: &str, l: Locale) -> Msg {
    let text = format!(
        ":clipboard: <@{by}> {} INC-{}: *{}* ({}, {}). {} `{cmd} action done {}`.",
        l.t(
            "gave you an action item from",
            "te passou um item de ação de"
        ),
        i.incident,
        escape(&i.text),
        i.key(),
        due_words(i, l),
        l.t("When it is done:", "Quando estiver feito:"),
        i.id
    );
    Msg::text(text)
}

/// The reminder when an item is due (`overdue`: the one when it is late).
pub fn reminder_dm(i: &ItemView, overdue: bool, cmd: &str, l: Locale) -> Msg {
    let head = if overdue {
        l.t(
            ":warning: Your action item is overdue",
            ":warning: Seu item de ação está atrasado",
        )
    } else {
        l.t(
            ":alarm_clock: Your action item is due",
            ":alarm_clock: Seu item de ação vence agora",
        )
    };
    Msg::text(format!(
        "{head} {} (INC-{}): *{}* — {}. {} `{cmd} action done {}` {} `{cmd} action due {} 7d`.",
        i.key(),
        i.incident,
        escape(&i.text),
        due_words(i, l),
        l.t("Done?", "Feito?"),
        i.id,
        l.t("· more time?", "· mais prazo?"),
        i.id
    ))
}

/// The answer to `action list …`.
pub fn list(title: &str, items: &[ItemView], now: i64, l: Locale) -> Msg {
    if items.is_empty() {
        return Msg::text(format!(
            "*{title}*\n{}",
            l.t("No action items.", "Nenhum item de ação.")
        ));
    }
    let mut lines = vec![format!("*{title}*")];
    lines.extend(
        items
            .iter()
            .take(50)
            .map(|i| format!("• {}", item_line(i, now, l))),
    );
    if items.len() > 50 {
        lines.push(format!("… {} {}", items.len() - 50, l.t("more", "a mais")));
    }
    Msg::text(lines.join("\n"))
}

/// The titles of the lists.
pub fn list_title(which: &str, l: Locale) -> String {
    match which {
        "mine" => l
            .t("Your open action items", "Seus itens de ação abertos")
            .into(),
        "overdue" => l
            .t("Overdue action items", "Itens de ação atrasados")
            .into(),
        inc => format!("{} {inc}", l.t("Action items of", "Itens de ação do")),
    }
}

pub fn done(i: &ItemView, l: Locale) -> Msg {
    Msg::text(format!(
        ":white_check_mark: {} {} {}: {}",
        l.t("Action item", "Item de ação"),
        i.key(),
        l.t("done", "feito"),
        escape(&i.text)
    ))
}

pub fn already_done(i: &ItemView, l: Locale) -> Msg {
    Msg::text(format!(
        "{} {} {}",
        l.t("Action item", "Item de ação"),
        i.key(),
        l.t("was already done.", "já estava feito.")
    ))
}

pub fn reassigned(i: &ItemView, l: Locale) -> Msg {
    Msg::text(format!(
        ":arrows_counterclockwise: {} {} {} <@{}> ({}).",
        l.t("Action item", "Item de ação"),
        i.key(),
        l.t("now belongs to", "agora é de"),
        i.owner,
        due_words(i, l)
    ))
}

pub fn due_changed(i: &ItemView, l: Locale) -> Msg {
    Msg::text(format!(
        ":calendar: {} {}: {}.",
        l.t("Action item", "Item de ação"),
        i.key(),
        due_words(i, l)
    ))
}

/// Refusals: each says why and changes nothing.
pub mod refuse {
    use crate::{Locale, Msg};

    pub fn no_owner(cmd: &str, l: Locale) -> Msg {
        Msg::text(l.t(
            format!("An action item needs an owner: `{cmd} action add @person <what to do> [due 7d]`. Nothing was added."),
            format!("Um item de ação precisa de um responsável: `{cmd} action add @pessoa <o que fazer> [due 7d]`. Nada foi adicionado."),
        ))
    }
    pub fn no_text(cmd: &str, l: Locale) -> Msg {
        Msg::text(l.t(
            format!("Say what is to be done: `{cmd} action add @person <what to do> [due 7d]`. Nothing was added."),
            format!("Diga o que deve ser feito: `{cmd} action add @pessoa <o que fazer> [due 7d]`. Nada foi adicionado."),
        ))
    }
    pub fn text_too_long(max: usize, l: Locale) -> Msg {
        Msg::text(l.t(
            format!("An action item is at most {max} characters. Nothing was changed."),
            format!("Um item de ação tem no máximo {max} caracteres. Nada foi alterado."),
        ))
    }
    pub fn bad_due(given: &str, l: Locale) -> Msg {
        Msg::text(l.t(
            format!("`{given}` is not a due date: use a duration (`7d`, `48h`) or a date (`2026-12-20`). Nothing was changed."),
            format!("`{given}` não é um prazo: use uma duração (`7d`, `48h`) ou uma data (`2026-12-20`). Nada foi alterado."),
        ))
    }
    pub fn past_due(given: &str, l: Locale) -> Msg {
        Msg::text(l.t(
            format!("The due date `{given}` is in the past: give one still to come. Nothing was changed."),
            format!("O prazo `{given}` já passou: dê um que ainda esteja por vir. Nada foi alterado."),
        ))
    }
    pub fn unknown_item(id: i64, l: Locale) -> Msg {
        Msg::text(l.t(
            format!("There is no action item #{id}."),
            format!("Não existe o item de ação #{id}."),
        ))
    }
    /// `done`, `reassign` or `due` by someone who is neither the owner nor the commander.
    pub fn not_yours(id: i64, owner: &str, commander: Option<&str>, l: Locale) -> Msg {
        let c = commander
            .map(|c| format!(" {} <@{c}>", l.t("or the commander", "ou o comandante")))
            .unwrap_or_default();
        Msg::text(l.t(
            format!("Only the owner <@{owner}>{c} may change action item #{id}. Nothing was changed."),
            format!("Só o responsável <@{owner}>{c} pode mudar o item de ação #{id}. Nada foi alterado."),
        ))
    }
}

/// The message posted with the post-mortem draft: the items so far and the "Add action item"
/// button.
pub fn postmortem_actions(incident: i64, items: &[ItemView], now: i64, l: Locale) -> Msg {
    let mut text = format!(
        "*{} INC-{incident}*",
        l.t(
            "Post-mortem action items of",
            "Itens de ação do post-mortem do"
        )
    );
    if items.is_empty() {
        text.push_str(&format!(
            "\n{}",
            l.t(
                "None yet: add the preventive actions, each with its owner.",
                "Nenhum ainda: adicione as ações preventivas, cada uma com seu responsável."
            )
        ));
    }
    for i in items {
        text.push_str(&format!("\n• {}", item_line(i, now, l)));
    }
    let b = vec![
        blocks::section(text.clone()),
        blocks::actions(
            &format!("followup_actions_{incident}"),
            vec![blocks::button(
                action::ADD,
                l.t("Add action item", "Adicionar item de ação"),
                &incident.to_string(),
                Style::Primary,
            )],
        ),
    ];
    Msg::with_blocks(text, b)
}

/// The "Add action item" form (owner, what, due).
pub fn form(incident: i64, l: Locale) -> serde_json::Value {
    blocks::modal(
        action::FORM,
        l.t("Action item", "Item de ação"),
        l.t("Add", "Adicionar"),
        &incident.to_string(),
        vec![
            blocks::user_input("owner", "owner_select", l.t("Owner", "Responsável"), false),
            blocks::text_input(
                "text",
                "text_input",
                l.t("What is to be done", "O que deve ser feito"),
                true,
                false,
                None,
            ),
            blocks::text_input(
                "due",
                "due_input",
                l.t(
                    "Due (7d, 48h or 2026-12-20; empty: a week after the resolution)",
                    "Prazo (7d, 48h ou 2026-12-20; vazio: uma semana após a resolução)",
                ),
                false,
                true,
                None,
            ),
        ],
    )
}

/// The Home tab's section of a person's overdue items (None when there are none).
pub fn home_overdue(items: &[ItemView], now: i64, l: Locale) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let mut s = format!(
        ":warning: *{}*",
        l.t("Your overdue action items", "Seus itens de ação atrasados")
    );
    for i in items.iter().take(10) {
        s.push_str(&format!("\n• {}", item_line(i, now, l)));
    }
    if items.len() > 10 {
        s.push_str(&format!(
            "\n… {} {}",
            items.len() - 10,
            l.t("more", "a mais")
        ));
    }
    Some(s)
}

/// The digest's and `/incident stats`' lines about overdue items (empty when there are none).
pub fn overdue_report(items: &[ItemView], now: i64, l: Locale) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "*{}: {}*",
        l.t("Overdue action items", "Itens de ação atrasados"),
        items.len()
    );
    for i in items.iter().take(15) {
        s.push_str(&format!("\n• {}", item_line(i, now, l)));
    }
    if items.len() > 15 {
        s.push_str(&format!(
            "\n… {} {}",
            items.len() - 15,
            l.t("more", "a mais")
        ));
    }
    s
}

/// The post-mortem draft's table rows: `(action, owner name, due, status)`.
pub fn draft_row(i: &ItemView, owner_name: &str, now: i64, l: Locale) -> [String; 4] {
    let due = i
        .due_at
        .map(crate::utc_ymd_hm)
        .map(|d| d[..10].to_string())
        .unwrap_or_else(|| l.t("resolution + 7d", "resolução + 7d").into());
    let status = if i.done_at.is_some() {
        l.t("done", "feito")
    } else if i.is_overdue(now) {
        l.t("overdue", "atrasado")
    } else {
        l.t("open", "aberto")
    };
    [
        format!("{} {}", i.key(), i.text),
        owner_name.to_string(),
        due,
        status.to_string(),
    ]
}

/// The commander's DM when the post-mortem review is due (48 h after a P0/P1's resolution).
pub fn review_dm(incident: i64, title: &str, cmd: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!(":memo: The post-mortem review of INC-{incident} ({}) is due: you are its commander. Review it with the team, then `{cmd} postmortem INC-{incident} done`.", escape(title)),
        format!(":memo: A revisão do post-mortem do INC-{incident} ({}) venceu: você é o comandante. Revise com o time e depois `{cmd} postmortem INC-{incident} done`.", escape(title)),
    ))
}
