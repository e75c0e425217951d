//! Usage help and the answers to malformed commands. Always ephemeral.

use crate::{escape, Locale, Msg};

/// Which help text to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Incident,
    IncidentDeclare,
    IncidentUpdate,
    IncidentSeverity,
    IncidentRole,
    IncidentNote,
    IncidentPostmortem,
    IncidentSnooze,
    IncidentStats,
    IncidentOncall,
    IncidentRecovered,
    IncidentAction,
    IncidentDrill,
    IncidentPublish,
    IncidentNotifyCustomers,
    Julia,
    JuliaPause,
    JuliaJobs,
    JuliaDeploys,
    JuliaEvolution,
    JuliaQueue,
    JuliaSwitches,
}

/// What was wrong with a command (data; rendered by [`problem`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Empty(Topic),
    Usage(Topic),
    Unknown {
        topic: Topic,
        given: String,
        suggestion: Option<String>,
    },
    BadSeverity(String),
    TitleLength {
        len: usize,
        min: usize,
        max: usize,
    },
    /// Only invisible characters (zero-width joiners, fillers, lone marks).
    InvisibleTitle,
    TextTooLong {
        max: usize,
    },
    BadDuration(String),
    BadId(String),
}

fn incident_usage(cmd: &str, l: Locale) -> String {
    l.t(
        format!(
            "*Incidents* — `{cmd} <subcommand>`\n\
• `{cmd} declare <P0|P1|P2|P3> <title> [--private]` — declare (no arguments: opens a form); also `--affects julia-api:partial`, `--drill`\n\
• `{cmd} update [INC-n] [investigating|identified|monitoring] <text>` — post an update (no text: form); also `--affects julia-api:operational`, `--stakeholders` (management gets it too)\n\
• `{cmd} update [INC-n] --public [identified|monitoring|resolved] <text>` — public update on the status page (the first one is previewed) · `{cmd} unpublish <n>` — take public update #n off the page\n\
• `{cmd} severity [INC-n] <P0..P3>` — change severity\n\
• `{cmd} commander @user` · `{cmd} role <commander|comms|scribe> @user` — assign roles\n\
• `{cmd} note [INC-n] <text>` — add a timeline entry\n\
• `{cmd} status [INC-n]` · `{cmd} list [P0-P3] [page]` — one incident · open incidents, most urgent first\n\
• `{cmd} resolve [INC-n] <resolution>` — resolve (no text: form) · `{cmd} reopen`\n\
• `{cmd} postmortem [done]` — post the draft again · mark the post-mortem done\n\
• `{cmd} snooze <15m>` — snooze update reminders\n\
• `{cmd} stats [7d|30d|90d]` — incident statistics with a chart (default 30d)\n\
• `{cmd} ack [INC-n]` — acknowledge (stops the paging) · `{cmd} oncall` — who is on call, who is next\n\
• `{cmd} oncall set @user [for 8h|until mon 09:00]` — take over the on-call\n\
• `{cmd} recovered [INC-n] <component>` — a component is back: its recovery time against its RTO\n\
• `{cmd} action add @user <text> [due 7d]` · `{cmd} action list [mine|overdue|INC-n]` · `{cmd} action done|reassign|due <id>` — action items\n\
• `{cmd} declare P1 --drill [--page] <title>` — a drill · `{cmd} drill on|off` — turn an incident into a drill or back (audited)\n\
In an incident's war room the incident is implied; elsewhere start with its id (`INC-12`)."
        ),
        format!(
            "*Incidentes* — `{cmd} <subcomando>`\n\
• `{cmd} declare <P0|P1|P2|P3> <título> [--private]` — declarar (sem argumentos: abre um formulário); também `--affects julia-api:partial`, `--drill`\n\
• `{cmd} update [INC-n] [investigating|identified|monitoring] <texto>` — atualização (sem texto: formulário); também `--affects julia-api:operational`, `--stakeholders` (vai também para a gestão)\n\
• `{cmd} update [INC-n] --public [identified|monitoring|resolved] <texto>` — update público na página de status (o primeiro tem prévia) · `{cmd} unpublish <n>` — tira o update público #n da página\n\
• `{cmd} severity [INC-n] <P0..P3>` — mudar a severidade\n\
• `{cmd} commander @pessoa` · `{cmd} role <commander|comms|scribe> @pessoa` — papéis\n\
• `{cmd} note [INC-n] <texto>` — entrada na linha do tempo\n\
• `{cmd} status [INC-n]` · `{cmd} list [P0-P3] [página]` — um incidente · incidentes abertos, mais urgentes primeiro\n\
• `{cmd} resolve [INC-n] <resolução>` — resolver (sem texto: formulário) · `{cmd} reopen`\n\
• `{cmd} postmortem [done]` — postar o rascunho de novo · marcar o post-mortem feito\n\
• `{cmd} snooze <15m>` — adiar os lembretes\n\
• `{cmd} stats [7d|30d|90d]` — estatísticas de incidentes com gráfico (padrão 30d)\n\
• `{cmd} ack [INC-n]` — reconhecer (para os chamados) · `{cmd} oncall` — quem está de plantão, quem vem depois\n\
• `{cmd} oncall set @pessoa [for 8h|until mon 09:00]` — assumir o plantão\n\
• `{cmd} recovered [INC-n] <componente>` — um componente voltou: o tempo de recuperação contra o RTO\n\
• `{cmd} action add @pessoa <texto> [due 7d]` · `{cmd} action list [mine|overdue|INC-n]` · `{cmd} action done|reassign|due <id>` — itens de ação\n\
• `{cmd} declare P1 --drill [--page] <título>` — um simulado · `{cmd} drill on|off` — transformar em simulado ou de volta (auditado)\n\
Na sala de guerra o incidente é o do canal; fora dela comece pelo id (`INC-12`)."
        ),
    )
}

fn julia_usage(cmd: &str, l: Locale) -> String {
    l.t(
        format!(
            "*Julia controls* — `{cmd} <subcommand>`\n\
• `{cmd} status` — pause state, health, circuits, WhatsApp, deploys, queue, jobs\n\
• `{cmd} pause <reason> [--handoff]` · `{cmd} resume [reason]` — emergency pause (admins, confirmed)\n\
• `{cmd} health` · `{cmd} circuits` · `{cmd} queue` · `{cmd} queue blocked` · `{cmd} jobs` · `{cmd} jobs kill <uuid>`\n\
• `{cmd} flags` · `{cmd} campaigns off|on [reason]` · `{cmd} campaign pause|resume <id or name>` (admins, confirmed)\n\
• `{cmd} deploys [service]` · `{cmd} restart <service>` · `{cmd} redeploy <service>` · `{cmd} rollback <service> [deployment-id]`\n\
• `{cmd} evolution` · `{cmd} evolution qr` · `{cmd} evolution restart` · `{cmd} webhook` · `{cmd} webhook reset`\n\
• `{cmd} audit` — the last 20 control actions"
        ),
        format!(
            "*Controles da Julia* — `{cmd} <subcomando>`\n\
• `{cmd} status` — pausa, saúde, circuitos, WhatsApp, deploys, fila, jobs\n\
• `{cmd} pause <motivo> [--handoff]` · `{cmd} resume [motivo]` — pausa de emergência (admins, com confirmação)\n\
• `{cmd} health` · `{cmd} circuits` · `{cmd} queue` · `{cmd} queue blocked` · `{cmd} jobs` · `{cmd} jobs kill <uuid>`\n\
• `{cmd} flags` · `{cmd} campaigns off|on [motivo]` · `{cmd} campaign pause|resume <id ou nome>` (admins, com confirmação)\n\
• `{cmd} deploys [serviço]` · `{cmd} restart <serviço>` · `{cmd} redeploy <serviço>` · `{cmd} rollback <serviço> [deployment-id]`\n\
• `{cmd} evolution` · `{cmd} evolution qr` · `{cmd} evolution restart` · `{cmd} webhook` · `{cmd} webhook reset`\n\
• `{cmd} audit` — as últimas 20 ações de controle"
        ),
    )
}

fn topic_line(topic: Topic, inc: &str, jul: &str, l: Locale) -> Option<String> {
    let s = match topic {
        Topic::IncidentSeverity => format!("`{inc} severity [INC-n] <P0|P1|P2|P3>`"),
        Topic::IncidentRole => format!("`{inc} commander @user` {} `{inc} role <commander|comms|scribe> @user`", l.t("or", "ou")),
        Topic::IncidentNote => format!("`{inc} note [INC-n] <text>`"),
        Topic::IncidentDeclare => format!("`{inc} declare <P0|P1|P2|P3> <title> [--private]` ({} `--affects julia-api:partial`, `--drill`)", l.t("flags:", "opções:")),
        Topic::IncidentUpdate => format!("`{inc} update [INC-n] [investigating|identified|monitoring] <text>` ({} `--affects julia-api:operational`)", l.t("flags:", "opções:")),
        Topic::IncidentPostmortem => format!("`{inc} postmortem [INC-n] [done]`"),
        Topic::IncidentSnooze => format!("`{inc} snooze [INC-n] <duration>` ({} `15m`, `30m`)", l.t("e.g.", "ex.")),
        Topic::IncidentStats => format!("`{inc} stats [7d|30d|90d]` ({})", l.t("default 30d", "padrão 30d")),
        Topic::IncidentRecovered => format!("`{inc} recovered [INC-n] <component>` ({} `{inc} recovered julia-api`)", l.t("e.g.", "ex.")),
        Topic::IncidentOncall => format!("`{inc} oncall` {} `{inc} oncall set @user [for 8h|until mon 09:00]`", l.t("or", "ou")),
        Topic::IncidentAction => format!("`{inc} action add [INC-n] @user <text> [due 7d]`, `{inc} action list [mine|overdue|INC-n]`, `{inc} action done <id>`, `{inc} action reassign <id> @user`, `{inc} action due <id> <7d|2026-12-20>`"),
        Topic::IncidentDrill => format!("`{inc} drill on [INC-n]` {} `{inc} drill off [INC-n]`", l.t("or", "ou")),
        Topic::IncidentPublish => format!("`{inc} update [INC-n] --public [identified|monitoring|resolved] <text>` {} `{inc} unpublish <public update #|INC-n>`", l.t("or", "ou")),
        Topic::IncidentNotifyCustomers => format!("`{inc} notify-customers [INC-n] [back]` ({})", l.t("the customer WhatsApp notice; `back`: the back-to-normal one", "o aviso aos clientes por WhatsApp; `back`: o de volta ao normal")),
        Topic::JuliaPause => format!("`{jul} pause <reason> [--handoff]`"),
        Topic::JuliaJobs => format!("`{jul} jobs` {} `{jul} jobs kill <uuid>`", l.t("or", "ou")),
        Topic::JuliaDeploys => format!("`{jul} deploys [service]`, `{jul} restart <service>`, `{jul} redeploy <service>`, `{jul} rollback <service> [deployment-id]`"),
        Topic::JuliaEvolution => format!("`{jul} evolution [qr|restart]`, `{jul} webhook [reset]`"),
        Topic::JuliaQueue => format!("`{jul} queue` {} `{jul} queue blocked`", l.t("or", "ou")),
        Topic::JuliaSwitches => format!("`{jul} flags [name]`, `{jul} campaigns off|on [reason]`, `{jul} campaign pause|resume <id or name>`"),
        Topic::Julia => format!(
            "`{jul} status`, `{jul} health`, `{jul} circuits`, `{jul} audit` ({})",
            l.t("no arguments", "sem argumentos")
        ),
        Topic::Incident => return None,
    };
    Some(s)
}

/// The one usage line of a subcommand (`update` → `/incident update [INC-n] …`), for
/// "did you mean" answers.
fn subcommand_line(incident: bool, word: &str, inc: &str, jul: &str, l: Locale) -> Option<String> {
    let topic = if incident {
        match word {
            "declare" => Topic::IncidentDeclare,
            "update" => Topic::IncidentUpdate,
            "status" => return Some(format!("`{inc} status [INC-n]`")),
            "list" => return Some(format!("`{inc} list`")),
            "resolve" => return Some(format!("`{inc} resolve [INC-n] <resolution>`")),
            "reopen" => return Some(format!("`{inc} reopen [INC-n]`")),
            "severity" => Topic::IncidentSeverity,
            "commander" | "role" => Topic::IncidentRole,
            "note" => Topic::IncidentNote,
            "postmortem" => Topic::IncidentPostmortem,
            "snooze" => Topic::IncidentSnooze,
            "stats" => Topic::IncidentStats,
            "oncall" => Topic::IncidentOncall,
            "recovered" => Topic::IncidentRecovered,
            "action" => Topic::IncidentAction,
            "drill" => Topic::IncidentDrill,
            "unpublish" => Topic::IncidentPublish,
            "notify-customers" => Topic::IncidentNotifyCustomers,
            "ack" => return Some(format!("`{inc} ack [INC-n]`")),
            _ => return None,
        }
    } else {
        match word {
            "pause" => Topic::JuliaPause,
            "resume" => return Some(format!("`{jul} resume [reason]`")),
            "jobs" => Topic::JuliaJobs,
            "deploys" | "restart" | "redeploy" | "rollback" => Topic::JuliaDeploys,
            "evolution" | "webhook" => Topic::JuliaEvolution,
            "queue" => Topic::JuliaQueue,
            "flags" | "campaigns" | "campaign" => Topic::JuliaSwitches,
            "status" | "health" | "circuits" | "audit" => return Some(format!("`{jul} {word}`")),
            _ => return None,
        }
    };
    topic_line(topic, inc, jul, l)
}

fn is_incident(topic: Topic) -> bool {
    !matches!(
        topic,
        Topic::Julia
            | Topic::JuliaPause
            | Topic::JuliaJobs
            | Topic::JuliaDeploys
            | Topic::JuliaEvolution
            | Topic::JuliaQueue
            | Topic::JuliaSwitches
    )
}

/// Full help for `/incident help` or `/julia help`.
pub fn help(topic: Topic, incident_cmd: &str, julia_cmd: &str, l: Locale) -> Msg {
    if is_incident(topic) {
        Msg::text(incident_usage(incident_cmd, l))
    } else {
        Msg::text(julia_usage(julia_cmd, l))
    }
}

/// The answer to a malformed command: what was wrong, the one usage line that applies and
/// where the rest is (`/incident help` for all), not the whole help. An empty command gets
/// the whole help.
pub fn problem(p: &Problem, incident_cmd: &str, julia_cmd: &str, l: Locale) -> Msg {
    let (inc, jul) = (incident_cmd, julia_cmd);
    let line = |t: Topic| topic_line(t, inc, jul, l);
    let (headline, topic, usage) = match p {
        Problem::Empty(t) => return help(*t, inc, jul, l),
        Problem::Usage(t) => (None, *t, line(*t)),
        Problem::Unknown {
            topic,
            given,
            suggestion,
        } => {
            let (s, usage) = unknown(*topic, given, suggestion.as_deref(), inc, jul, l);
            (Some(s), *topic, usage)
        }
        Problem::BadSeverity(s) => (
            Some(not_a(
                s,
                l.t(
                    "is not a severity. Use P0, P1, P2 or P3 (also `p1`, `sev1`, `SEV-1`).",
                    "não é uma severidade. Use P0, P1, P2 ou P3 (também `p1`, `sev1`, `SEV-1`).",
                ),
            )),
            Topic::Incident,
            subcommand_line(true, "declare", inc, jul, l),
        ),
        Problem::TitleLength { len, min, max } => (
            Some(l.t(
                format!("The title must be {min} to {max} characters (it has {len})."),
                format!("O título deve ter de {min} a {max} caracteres (tem {len})."),
            )),
            Topic::Incident,
            subcommand_line(true, "declare", inc, jul, l),
        ),
        Problem::InvisibleTitle => (
            Some(invisible_title(l).to_string()),
            Topic::Incident,
            subcommand_line(true, "declare", inc, jul, l),
        ),
        Problem::TextTooLong { max } => (
            Some(l.t(
                format!("That text is too long: at most {max} characters."),
                format!("Texto longo demais: no máximo {max} caracteres."),
            )),
            Topic::Incident,
            None,
        ),
        Problem::BadDuration(s) => (
            Some(not_a(
                s,
                l.t(
                    "is not a duration; use e.g. `15m`, `1h`.",
                    "não é uma duração; use por ex. `15m`, `1h`.",
                ),
            )),
            Topic::IncidentSnooze,
            line(Topic::IncidentSnooze),
        ),
        Problem::BadId(s) => (
            Some(not_a(
                s,
                l.t(
                    "is not an incident id; ids look like `INC-12`.",
                    "não é um id de incidente; ids são como `INC-12`.",
                ),
            )),
            Topic::Incident,
            None,
        ),
    };
    let mut text = headline.map(|h| h + "\n").unwrap_or_default();
    if let Some(u) = usage {
        text.push_str(&format!("{} {u}\n", l.t("Usage:", "Uso:")));
    }
    text.push_str(&help_pointer(is_incident(topic), inc, jul, l));
    Msg::text(text)
}

/// "Unknown subcommand `x`. Did you mean `y`?" and the usage line of `y`.
fn unknown(
    topic: Topic,
    given: &str,
    suggestion: Option<&str>,
    inc: &str,
    jul: &str,
    l: Locale,
) -> (String, Option<String>) {
    let mut s = format!(
        "{} `{}`.",
        l.t("Unknown subcommand", "Subcomando desconhecido"),
        escape(given)
    );
    let mut usage = None;
    if let Some(sug) = suggestion {
        s.push_str(&format!(
            " {} `{sug}`?",
            l.t("Did you mean", "Você quis dizer")
        ));
        usage = subcommand_line(is_incident(topic), sug, inc, jul, l);
    }
    (s, usage)
}

/// "`what they typed` is not …".
fn not_a(given: &str, what: &str) -> String {
    format!("`{}` {what}", escape(given))
}

/// A title with nothing visible in it (also the declare form's field error).
pub fn invisible_title(l: Locale) -> &'static str {
    l.t(
        "The title has no visible characters (only invisible ones such as zero-width spaces); type a few words.",
        "O título não tem caracteres visíveis (só invisíveis, como espaços de largura zero); escreva algumas palavras.",
    )
}

/// "`/incident help` for all commands." with the configured command name.
fn help_pointer(incident: bool, inc: &str, jul: &str, l: Locale) -> String {
    let cmd = if incident { inc } else { jul };
    l.t(
        format!("`{cmd} help` for all commands."),
        format!("`{cmd} help` para todos os comandos."),
    )
}

/// A slash command this bot does not answer to (the app's command and `INCIDENT_COMMAND` /
/// `JULIA_COMMAND` disagree): say so, and which variable to set, not the other command's help.
pub fn unknown_command(given: &str, incident_cmd: &str, julia_cmd: &str, l: Locale) -> Msg {
    let given = escape(given);
    let near_julia = given.to_lowercase().contains("julia")
        || strsim::jaro_winkler(&given, julia_cmd) > strsim::jaro_winkler(&given, incident_cmd);
    let var = if near_julia {
        "JULIA_COMMAND"
    } else {
        "INCIDENT_COMMAND"
    };
    Msg::text(l.t(
        format!(
            "This bot does not answer to `{given}`: it is set up for `{incident_cmd}` and `{julia_cmd}`. If `{given}` is this app's command, set `{var}={given}` in the bot's configuration (the names must match the app's manifest) and restart it."
        ),
        format!(
            "Este bot não responde a `{given}`: está configurado para `{incident_cmd}` e `{julia_cmd}`. Se `{given}` é o comando deste app, defina `{var}={given}` na configuração do bot (os nomes devem ser os do manifesto do app) e reinicie-o."
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_subcommand_names_the_suggestion_and_shows_usage() {
        let m = problem(
            &Problem::Unknown {
                topic: Topic::Incident,
                given: "updte".into(),
                suggestion: Some("update".into()),
            },
            "/incident",
            "/julia",
            Locale::En,
        );
        assert!(m.text.contains("Did you mean `update`?"));
        assert!(m.text.contains(
            "Usage: `/incident update [INC-n] [investigating|identified|monitoring] <text>`"
        ));
        assert!(
            !m.text.contains("/incident declare"),
            "one line, not the whole help"
        );
    }

    #[test]
    fn a_usage_error_shows_one_line_and_where_the_rest_is() {
        let m = problem(
            &Problem::Usage(Topic::IncidentSnooze),
            "/inc",
            "/julia",
            Locale::En,
        );
        assert_eq!(
            m.text,
            "Usage: `/inc snooze [INC-n] <duration>` (e.g. `15m`, `30m`)\n`/inc help` for all commands."
        );
        let m = problem(
            &Problem::TitleLength {
                len: 2,
                min: 3,
                max: 150,
            },
            "/incident",
            "/julia",
            Locale::En,
        );
        assert_eq!(
            m.text,
            "The title must be 3 to 150 characters (it has 2).\n\
             Usage: `/incident declare <P0|P1|P2|P3> <title> [--private]` (flags: `--affects julia-api:partial`, `--drill`)\n\
             `/incident help` for all commands."
        );
        let m = problem(
            &Problem::Usage(Topic::Julia),
            "/incident",
            "/julia-staging",
            Locale::PtBr,
        );
        assert!(m
            .text
            .ends_with("`/julia-staging help` para todos os comandos."));
        assert!(!m.text.contains("pause"), "{}", m.text);
    }

    #[test]
    fn an_unknown_command_names_the_variable_to_set() {
        let m = unknown_command("/julia-staging", "/incident", "/julia", Locale::En);
        assert!(
            m.text.contains("set `JULIA_COMMAND=/julia-staging`"),
            "{}",
            m.text
        );
        assert!(!m.text.contains("declare"), "{}", m.text);
        let m = unknown_command("/inc", "/incident", "/julia", Locale::En);
        assert!(m.text.contains("set `INCIDENT_COMMAND=/inc`"), "{}", m.text);
    }

    #[test]
    fn usage_follows_the_configured_command_name() {
        let m = help(Topic::Julia, "/incident", "/julia-staging", Locale::PtBr);
        assert!(m.text.contains("/julia-staging pause"));
    }
}
