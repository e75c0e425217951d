//! The runbook catalog (`/ops`): lists, help, typed-argument errors, confirmation, outcome,
//! announcement, follow-up, Kubernetes status and logs.

use crate::blocks::{self, Style};
use crate::{escape, Locale, Msg};

pub const ACTION_CONFIRM: &str = "ops_confirm";
pub const ACTION_CANCEL: &str = "ops_cancel";

/// The last result of a guard or check, for `/ops`.
pub struct CheckRow<'a> {
    pub name: &'a str,
    pub ok: bool,
    pub summary: &'a str,
    pub at_secs: i64,
}

pub struct SystemRow<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub actions: usize,
    pub has_guard: bool,
    pub checks: Vec<CheckRow<'a>>,
}

pub struct ActionRow<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// `<replicas: 0..10>` …
    pub usage: String,
    pub writes: bool,
    pub privileged: bool,
    pub confirm: bool,
}

pub struct SystemView<'a> {
    pub name: &'a str,
    pub description: &'a str,
    /// Mentions of who may run privileged actions.
    pub admins: Vec<String>,
    pub guard: Option<String>,
    pub announce: Option<&'a str>,
    pub actions: Vec<ActionRow<'a>>,
}

pub use crate::ops_args::{bad_args, ArgProblem};

fn ok_mark(ok: bool) -> &'static str {
    if ok {
        ":large_green_circle:"
    } else {
        ":red_circle:"
    }
}

pub fn help(l: Locale, cmd: &str) -> Msg {
    Msg::text(l.t(format!(
            "*Runbook catalog* — `{cmd} [system] [action] [args]`\n\
• `{cmd}` — the systems, with the last result of each guard and check\n\
• `{cmd} <system>` — its actions, their arguments and who may run them\n\
• `{cmd} <system> <action> [args]` — run an action (arguments in order, or `name=value`). Actions that write are for the system's admins, checked by its guard and confirmed with a button; they are announced and audited."
        ),
        format!(
            "*Catálogo de runbooks* — `{cmd} [sistema] [ação] [args]`\n\
• `{cmd}` — os sistemas, com o último resultado de cada guarda e verificação\n\
• `{cmd} <sistema>` — suas ações, argumentos e quem pode rodá-las\n\
• `{cmd} <sistema> <ação> [args]` — roda uma ação (argumentos em ordem, ou `nome=valor`). Ações que escrevem são dos admins do sistema, checadas pela guarda e confirmadas com um botão; são anunciadas e auditadas."
        ),
    ))
}

pub fn no_catalog(l: Locale, file: &str) -> Msg {
    Msg::text(l.t(format!(":information_source: No runbook catalog is loaded (`{file}` is absent). Set `RUNBOOKS_FILE` to a YAML file (see `runbooks.example.yml`) and restart the bot."),
        format!(":information_source: Nenhum catálogo de runbooks carregado (`{file}` não existe). Defina `RUNBOOKS_FILE` com um arquivo YAML (veja `runbooks.example.yml`) e reinicie o bot."),
    ))
}

fn check_line(c: &CheckRow) -> String {
    format!(
        "{} {} — {} ({})",
        ok_mark(c.ok),
        escape(c.name),
        escape(c.summary),
        crate::date_token(
            c.at_secs,
            "{date_short_pretty} {time}",
            &crate::utc_ymd_hm(c.at_secs)
        ),
    )
}

pub fn list(l: Locale, cmd: &str, systems: &[SystemRow]) -> Msg {
    let mut blocks = vec![blocks::header(
        l.t("Runbook catalog", "Catálogo de runbooks"),
    )];
    let mut text = String::new();
    for s in systems {
        let mut body = format!(
            "*{}* — {} · {} {}\n",
            escape(s.name),
            escape(s.description),
            s.actions,
            l.t("actions", "ações")
        );
        if s.checks.is_empty() {
            body.push_str(l.t(
                "_no guard or check has run yet_",
                "_nenhuma guarda ou verificação rodou ainda_",
            ));
            if !s.has_guard {
                body.push_str(l.t(" (no guard)", " (sem guarda)"));
            }
        }
        for c in &s.checks {
            body.push_str(&check_line(c));
            body.push('\n');
        }
        text.push_str(&body);
        blocks.push(blocks::section(body.trim_end().to_string()));
    }
    blocks.push(blocks::context(l.t(
        format!("`{cmd} <system>` lists its actions · `{cmd} help`"),
        format!("`{cmd} <sistema>` lista as ações · `{cmd} help`"),
    )));
    Msg::with_blocks(text, blocks)
}

pub fn system(l: Locale, cmd: &str, v: &SystemView) -> Msg {
    let who = if v.admins.is_empty() {
        l.t(
            "nobody yet (set `admins` or CHATOPS_ADMINS)",
            "ninguém ainda (defina `admins` ou CHATOPS_ADMINS)",
        )
        .to_string()
    } else {
        v.admins.join(", ")
    };
    let mut lines = vec![format!("*{}* — {}", escape(v.name), escape(v.description))];
    lines.push(l.t(
        format!("Privileged actions: {who}"),
        format!("Ações privilegiadas: {who}"),
    ));
    if let Some(g) = &v.guard {
        lines.push(l.t(
            format!("Guard before any write: {}", escape(g)),
            format!("Guarda antes de qualquer escrita: {}", escape(g)),
        ));
    }
    if let Some(c) = v.announce {
        lines.push(l.t(
            format!("Announced in <#{c}>"),
            format!("Anunciado em <#{c}>"),
        ));
    }
    for a in &v.actions {
        let mut tags = Vec::new();
        if a.writes {
            tags.push(l.t("writes", "escreve"));
        }
        if a.privileged {
            tags.push(l.t("admins", "admins"));
        }
        if a.confirm {
            tags.push(l.t("confirmed", "confirmada"));
        }
        let tags = if tags.is_empty() {
            l.t("read-only, anyone", "só leitura, qualquer um")
                .to_string()
        } else {
            tags.join(", ")
        };
        lines.push(format!(
            "• `{cmd} {} {}{}` — {} _({tags})_",
            v.name,
            a.name,
            if a.usage.is_empty() {
                String::new()
            } else {
                format!(" {}", a.usage)
            },
            escape(a.description)
        ));
    }
    Msg::text(lines.join("\n"))
}

pub fn unknown_system(
    l: Locale,
    cmd: &str,
    given: &str,
    suggestion: Option<&str>,
    names: &[&str],
) -> Msg {
    let near = suggestion
        .map(|s| {
            l.t(
                format!(" Did you mean `{cmd} {s}`?"),
                format!(" Você quis dizer `{cmd} {s}`?"),
            )
        })
        .unwrap_or_default();
    Msg::text(l.t(
        format!(
            "Unknown system `{}`.{near} Systems: {}.",
            escape(given),
            names.join(", ")
        ),
        format!(
            "Sistema desconhecido `{}`.{near} Sistemas: {}.",
            escape(given),
            names.join(", ")
        ),
    ))
}

pub fn unknown_action(
    l: Locale,
    cmd: &str,
    system: &str,
    given: &str,
    suggestion: Option<&str>,
    names: &[&str],
) -> Msg {
    let near = suggestion
        .map(|s| {
            l.t(
                format!(" Did you mean `{cmd} {system} {s}`?"),
                format!(" Você quis dizer `{cmd} {system} {s}`?"),
            )
        })
        .unwrap_or_default();
    Msg::text(l.t(
        format!(
            "`{system}` has no action `{}`.{near} Actions: {}.",
            escape(given),
            names.join(", ")
        ),
        format!(
            "`{system}` não tem a ação `{}`.{near} Ações: {}.",
            escape(given),
            names.join(", ")
        ),
    ))
}

pub fn refused(l: Locale, what: &str, who: &[String]) -> Msg {
    let who = if who.is_empty() {
        l.t(
            "nobody yet (set `admins` in the runbook file, or CHATOPS_ADMINS)",
            "ninguém ainda (defina `admins` no arquivo de runbooks, ou CHATOPS_ADMINS)",
        )
        .to_string()
    } else {
        who.join(", ")
    };
    Msg::text(l.t(
        format!(":no_entry: `{what}` is restricted. Who may do it: {who}. Nothing was changed."),
        format!(":no_entry: `{what}` é restrito. Quem pode: {who}. Nada foi alterado."),
    ))
}

pub fn guard_failed(l: Locale, system: &str, guard: &str, lines: &[String]) -> Msg {
    Msg::text(l.t(format!(
            ":octagonal_sign: *Refused: {system}'s guard does not hold* ({}).\n{}\nNothing was changed; check that the bot points at the right system.",
            escape(guard),
            lines.join("\n")
        ),
        format!(
            ":octagonal_sign: *Recusado: a guarda de {system} não confere* ({}).\n{}\nNada foi alterado; confira se o bot aponta para o sistema certo.",
            escape(guard),
            lines.join("\n")
        ),
    ))
}

/// The prompt: what will be done, the current value (`now`), the buttons.
pub fn confirm(l: Locale, what: &str, now: Option<&str>, token: &str) -> Msg {
    let now = now
        .map(|n| {
            l.t(
                format!("\nNow: `{}`", escape(n)),
                format!("\nAgora: `{}`", escape(n)),
            )
        })
        .unwrap_or_default();
    let q = l.t(format!(":warning: *Confirm:* {what}{now}\nThis button works once, for you only, for 5 minutes."),
        format!(":warning: *Confirme:* {what}{now}\nEste botão funciona uma vez, só para você, por 5 minutos."),
    );
    Msg::with_blocks(
        q.clone(),
        vec![
            blocks::section(q),
            blocks::actions(
                "ops_confirm",
                vec![
                    blocks::button(
                        ACTION_CONFIRM,
                        l.t("Confirm", "Confirmar"),
                        token,
                        Style::Danger,
                    ),
                    blocks::button(
                        ACTION_CANCEL,
                        l.t("Cancel", "Cancelar"),
                        token,
                        Style::Default,
                    ),
                ],
            ),
        ],
    )
}

/// What an action did, for the requester and the announcement.
pub struct DoneView<'a> {
    pub user: &'a str,
    /// `fabrica scale replicas=0`
    pub command: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub lines: &'a [String],
    /// A follow-up check runs next (its description).
    pub follow_up: Option<String>,
}

fn done_text(l: Locale, v: &DoneView) -> String {
    let mut t = match (v.before, v.after) {
        (Some(b), Some(a)) => format!("`{}` → `{}`", escape(b), escape(a)),
        (None, Some(a)) => format!("→ `{}`", escape(a)),
        _ => String::new(),
    };
    for line in v.lines {
        t.push('\n');
        t.push_str(line);
    }
    if let Some(f) = &v.follow_up {
        t.push('\n');
        t.push_str(&l.t(
            format!(":hourglass_flowing_sand: Follow-up: {}", escape(f)),
            format!(":hourglass_flowing_sand: Acompanhamento: {}", escape(f)),
        ));
    }
    t
}

pub fn done(l: Locale, v: &DoneView) -> Msg {
    Msg::text(l.t(
        format!(
            ":white_check_mark: Done: `{}` {}",
            v.command,
            done_text(l, v)
        ),
        format!(
            ":white_check_mark: Feito: `{}` {}",
            v.command,
            done_text(l, v)
        ),
    ))
}

pub fn announce(l: Locale, v: &DoneView) -> Msg {
    Msg::text(l.t(
        format!(
            ":wrench: <@{}> ran `{}` {}",
            v.user,
            v.command,
            done_text(l, v)
        ),
        format!(
            ":wrench: <@{}> rodou `{}` {}",
            v.user,
            v.command,
            done_text(l, v)
        ),
    ))
}

/// An upstream failure: names the system, says whether anything may have changed.
pub fn failure(l: Locale, system: &str, command: &str, error: &str, maybe_applied: bool) -> Msg {
    let done = if maybe_applied {
        l.t(
            "no answer: the change may or may not have been applied; check before retrying.",
            "sem resposta: a mudança pode ou não ter sido aplicada; confira antes de repetir.",
        )
    } else {
        l.t("nothing was changed.", "nada foi alterado.")
    };
    Msg::text(l.t(format!(
            ":x: *{system}* failed on `{command}`: {}\nDone: {done}\nTry: check the system's dashboard, then run it again.",
            escape(error)
        ),
        format!(
            ":x: *{system}* falhou em `{command}`: {}\nFeito: {done}\nTente: confira o painel do sistema e rode de novo.",
            escape(error)
        ),
    ))
}

pub fn follow_outcome(l: Locale, command: &str, ok: bool, secs: u64, lines: &[String]) -> Msg {
    let head = if ok {
        l.t(
            format!(":white_check_mark: Follow-up of `{command}` holds (within {secs} s)."),
            format!(":white_check_mark: O acompanhamento de `{command}` confere (em {secs} s)."),
        )
    } else {
        l.t(format!(":rotating_light: Follow-up of `{command}` did *not* hold within {secs} s: the change may not have taken effect."),
            format!(":rotating_light: O acompanhamento de `{command}` *não* conferiu em {secs} s: a mudança pode não ter surtido efeito."),
        )
    };
    Msg::text(format!("{head}\n{}", lines.join("\n")))
}

/// One expectation of an HTTP or SQL check.
pub fn expect_line(l: Locale, what: &str, actual: &str, expected: &str, ok: bool) -> String {
    l.t(
        format!(
            "{} `{}` is `{}` (expected `{}`)",
            ok_mark(ok),
            escape(what),
            escape(actual),
            escape(expected)
        ),
        format!(
            "{} `{}` é `{}` (esperado `{}`)",
            ok_mark(ok),
            escape(what),
            escape(actual),
            escape(expected)
        ),
    )
}

pub fn check_failed_line(l: Locale, what: &str, error: &str) -> String {
    l.t(
        format!(":red_circle: {}: {}", escape(what), escape(error)),
        format!(":red_circle: {}: {}", escape(what), escape(error)),
    )
}

pub fn secret_changed(l: Locale) -> String {
    l.t(
        "changed (secret, not shown)",
        "alterado (secreto, não exibido)",
    )
    .to_string()
}

pub struct PodRow<'a> {
    pub name: &'a str,
    pub status: &'a str,
    pub ready: &'a str,
    pub restarts: i32,
    pub age: String,
}

pub fn kube_status_lines(
    l: Locale,
    deployment: &str,
    ready: i32,
    desired: i32,
    updated: i32,
    pods: &[PodRow],
) -> Vec<String> {
    let mut v = vec![l.t(
        format!("*{deployment}*: {ready}/{desired} ready, {updated} up to date"),
        format!("*{deployment}*: {ready}/{desired} prontos, {updated} atualizados"),
    )];
    if pods.is_empty() {
        v.push(l.t("no pods", "nenhum pod").to_string());
    }
    for p in pods {
        v.push(format!(
            "• `{}` {} {} · {} {} · {}",
            p.name,
            p.status,
            p.ready,
            p.restarts,
            l.t("restarts", "reinícios"),
            p.age
        ));
    }
    v
}

pub fn logs(l: Locale, command: &str, pods: &[(String, String)]) -> Msg {
    if pods.is_empty() {
        return Msg::text(l.t(
            format!("`{command}`: no pod matched."),
            format!("`{command}`: nenhum pod encontrado."),
        ));
    }
    let mut blocks = vec![blocks::context(l.t(
        format!("`{command}` — shown to you only"),
        format!("`{command}` — só você vê"),
    ))];
    let mut text = String::new();
    for (pod, log) in pods {
        // Keep the tail: the newest lines matter most.
        let tail: String = {
            let chars: Vec<char> = log.chars().collect();
            let start = chars.len().saturating_sub(2800);
            chars[start..].iter().collect()
        };
        let body = format!("*{pod}*\n```{}```", tail.replace("```", "'''"));
        text.push_str(&body);
        text.push('\n');
        blocks.push(blocks::section(body));
    }
    Msg::with_blocks(text, blocks)
}

pub fn deploy_lines(l: Locale, rows: &[(String, String, String)]) -> Vec<String> {
    if rows.is_empty() {
        return vec![l.t("no deployments", "nenhum deploy").to_string()];
    }
    rows.iter()
        .map(|(id, status, at)| format!("• `{id}` {status} · {at}"))
        .collect()
}

pub fn unchanged(l: Locale, command: &str, why: &str) -> Msg {
    Msg::text(l.t(
        format!(":information_source: `{command}`: {why} Nothing was changed."),
        format!(":information_source: `{command}`: {why} Nada foi alterado."),
    ))
}

pub fn already_unset(l: Locale, variable: &str) -> String {
    l.t(
        format!("`{variable}` is not set."),
        format!("`{variable}` não está definida."),
    )
}

/// The prompt's line for a variable write: the value now and the one to be written
/// (`None`: secret, not shown), e.g. "DELIVERY_DISABLE: `false` → `true`".
pub fn var_change(l: Locale, variable: &str, now: &str, new: Option<&str>) -> String {
    let new = match new {
        Some(v) => format!("`{}`", escape(v)),
        None => l
            .t("(secret, not shown)", "(segredo, não mostrado)")
            .to_string(),
    };
    format!("{}: `{}` → {new}", escape(variable), escape(now))
}

/// The variable is written but the deploy that applies it did not happen (or failed).
pub fn written_not_deployed(l: Locale, why: &str) -> String {
    l.t(
        format!(":warning: *Written, not deployed*: the new value is stored on Railway but the service still runs the old one ({}). Deploy the service from the dashboard.", escape(why)),
        format!(":warning: *Gravada, sem deploy*: o novo valor está no Railway, mas o serviço ainda roda o antigo ({}). Faça o deploy do serviço pelo painel.", escape(why)),
    )
}

pub fn readback_mismatch(l: Locale) -> String {
    l.t(
        "the value read back is not the one written",
        "o valor lido de volta não é o escrito",
    )
    .to_string()
}

/// The bot restarted while carrying out a confirmed action: not repeated.
pub fn interrupted(l: Locale, command: &str, user: &str) -> Msg {
    Msg::text(l.t(format!(":warning: The bot restarted while carrying out `{command}`, confirmed by <@{user}>. It may or may not have been applied, so it is not repeated. Check the system (`{command}`'s status action or its dashboard) before asking again."),
        format!(":warning: O bot reiniciou enquanto executava `{command}`, confirmado por <@{user}>. Pode ou não ter sido aplicado, por isso não é repetido. Confira o sistema (a ação de status ou o painel) antes de pedir de novo."),
    ))
}
