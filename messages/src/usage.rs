//! Usage help and the answers to malformed commands. Always ephemeral.

use crate::{escape, Locale, Msg};

/// Which help text to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Incident,
    IncidentSeverity,
    IncidentRole,
    IncidentNote,
    IncidentPostmortem,
    IncidentSnooze,
    Julia,
    JuliaPause,
    JuliaJobs,
    JuliaDeploys,
    JuliaEvolution,
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
    TextTooLong {
        max: usize,
    },
    BadDuration(String),
    BadId(String),
}

fn incident_usage(cmd: &str, l: Locale) -> String {
    match l {
        Locale::En => format!(
            "*Incidents* — `{cmd} <subcommand>`\n\
• `{cmd} declare <P0|P1|P2|P3> <title> [--private]` — declare (no arguments: opens a form)\n\
• `{cmd} update [INC-n] [investigating|identified|monitoring] <text>` — post an update (no text: form)\n\
• `{cmd} severity [INC-n] <P0..P3>` — change severity\n\
• `{cmd} commander @user` · `{cmd} role <commander|comms|scribe> @user` — assign roles\n\
• `{cmd} note [INC-n] <text>` — add a timeline entry\n\
• `{cmd} status [INC-n]` · `{cmd} list` — one incident · open incidents\n\
• `{cmd} resolve [INC-n] <resolution>` — resolve (no text: form) · `{cmd} reopen`\n\
• `{cmd} postmortem [done]` — post the draft again · mark the post-mortem done\n\
• `{cmd} snooze <15m>` — snooze update reminders\n\
In an incident's war room the incident is implied; elsewhere start with its id (`INC-12`)."
        ),
        Locale::PtBr => format!(
            "*Incidentes* — `{cmd} <subcomando>`\n\
• `{cmd} declare <P0|P1|P2|P3> <título> [--private]` — declarar (sem argumentos: abre um formulário)\n\
• `{cmd} update [INC-n] [investigating|identified|monitoring] <texto>` — atualização (sem texto: formulário)\n\
• `{cmd} severity [INC-n] <P0..P3>` — mudar a severidade\n\
• `{cmd} commander @pessoa` · `{cmd} role <commander|comms|scribe> @pessoa` — papéis\n\
• `{cmd} note [INC-n] <texto>` — entrada na linha do tempo\n\
• `{cmd} status [INC-n]` · `{cmd} list` — um incidente · incidentes abertos\n\
• `{cmd} resolve [INC-n] <resolução>` — resolver (sem texto: formulário) · `{cmd} reopen`\n\
• `{cmd} postmortem [done]` — postar o rascunho de novo · marcar o post-mortem feito\n\
• `{cmd} snooze <15m>` — adiar os lembretes\n\
Na sala de guerra o incidente é o do canal; fora dela comece pelo id (`INC-12`)."
        ),
    }
}

fn julia_usage(cmd: &str, l: Locale) -> String {
    match l {
        Locale::En => format!(
            "*Julia controls* — `{cmd} <subcommand>`\n\
• `{cmd} status` — pause state, health, circuits, WhatsApp, deploys, queue, jobs\n\
• `{cmd} pause <reason> [--handoff]` · `{cmd} resume [reason]` — emergency pause (admins, confirmed)\n\
• `{cmd} health` · `{cmd} circuits` · `{cmd} queue` · `{cmd} jobs` · `{cmd} jobs kill <id>`\n\
• `{cmd} deploys [service]` · `{cmd} restart <service>` · `{cmd} redeploy <service>` · `{cmd} rollback <service> [deployment-id]`\n\
• `{cmd} evolution` · `{cmd} evolution qr` · `{cmd} evolution restart` · `{cmd} webhook` · `{cmd} webhook reset`\n\
• `{cmd} audit` — the last 20 control actions"
        ),
        Locale::PtBr => format!(
            "*Controles da Julia* — `{cmd} <subcomando>`\n\
• `{cmd} status` — pausa, saúde, circuitos, WhatsApp, deploys, fila, jobs\n\
• `{cmd} pause <motivo> [--handoff]` · `{cmd} resume [motivo]` — pausa de emergência (admins, com confirmação)\n\
• `{cmd} health` · `{cmd} circuits` · `{cmd} queue` · `{cmd} jobs` · `{cmd} jobs kill <id>`\n\
• `{cmd} deploys [serviço]` · `{cmd} restart <serviço>` · `{cmd} redeploy <serviço>` · `{cmd} rollback <serviço> [deployment-id]`\n\
• `{cmd} evolution` · `{cmd} evolution qr` · `{cmd} evolution restart` · `{cmd} webhook` · `{cmd} webhook reset`\n\
• `{cmd} audit` — as últimas 20 ações de controle"
        ),
    }
}

fn topic_line(topic: Topic, inc: &str, jul: &str, l: Locale) -> Option<String> {
    let s = match topic {
        Topic::IncidentSeverity => format!("`{inc} severity [INC-n] <P0|P1|P2|P3>`"),
        Topic::IncidentRole => format!("`{inc} commander @user` {} `{inc} role <commander|comms|scribe> @user`", l.t("or", "ou")),
        Topic::IncidentNote => format!("`{inc} note [INC-n] <text>`"),
        Topic::IncidentPostmortem => format!("`{inc} postmortem [INC-n] [done]`"),
        Topic::IncidentSnooze => format!("`{inc} snooze [INC-n] <duration>` ({} `15m`, `30m`)", l.t("e.g.", "ex.")),
        Topic::JuliaPause => format!("`{jul} pause <reason> [--handoff]`"),
        Topic::JuliaJobs => format!("`{jul} jobs` {} `{jul} jobs kill <job-id>`", l.t("or", "ou")),
        Topic::JuliaDeploys => format!("`{jul} deploys [service]`, `{jul} restart <service>`, `{jul} redeploy <service>`, `{jul} rollback <service> [deployment-id]`"),
        Topic::JuliaEvolution => format!("`{jul} evolution [qr|restart]`, `{jul} webhook [reset]`"),
        Topic::Incident | Topic::Julia => return None,
    };
    Some(s)
}

fn is_incident(topic: Topic) -> bool {
    !matches!(
        topic,
        Topic::Julia
            | Topic::JuliaPause
            | Topic::JuliaJobs
            | Topic::JuliaDeploys
            | Topic::JuliaEvolution
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

/// The answer to a malformed command: what was wrong, then the usage.
pub fn problem(p: &Problem, incident_cmd: &str, julia_cmd: &str, l: Locale) -> Msg {
    let (headline, topic) = match p {
        Problem::Empty(t) => (None, *t),
        Problem::Usage(t) => (
            Some(format!(
                "{} {}",
                l.t("Usage:", "Uso:"),
                topic_line(*t, incident_cmd, julia_cmd, l).unwrap_or_default()
            )),
            *t,
        ),
        Problem::Unknown {
            topic,
            given,
            suggestion,
        } => {
            let mut s = format!(
                "{} `{}`.",
                l.t("Unknown subcommand", "Subcomando desconhecido"),
                escape(given)
            );
            if let Some(sug) = suggestion {
                s.push_str(&format!(
                    " {} `{sug}`?",
                    l.t("Did you mean", "Você quis dizer")
                ));
            }
            (Some(s), *topic)
        }
        Problem::BadSeverity(s) => (
            Some(format!(
                "`{}` {}",
                escape(s),
                l.t(
                    "is not a severity. Use P0, P1, P2 or P3 (also `p1`, `sev1`, `SEV-1`).",
                    "não é uma severidade. Use P0, P1, P2 ou P3 (também `p1`, `sev1`, `SEV-1`)."
                )
            )),
            Topic::Incident,
        ),
        Problem::TitleLength { len, min, max } => (
            Some(match l {
                Locale::En => {
                    format!("The title must be {min} to {max} characters (it has {len}).")
                }
                Locale::PtBr => {
                    format!("O título deve ter de {min} a {max} caracteres (tem {len}).")
                }
            }),
            Topic::Incident,
        ),
        Problem::TextTooLong { max } => (
            Some(match l {
                Locale::En => format!("That text is too long: at most {max} characters."),
                Locale::PtBr => format!("Texto longo demais: no máximo {max} caracteres."),
            }),
            Topic::Incident,
        ),
        Problem::BadDuration(s) => (
            Some(format!(
                "`{}` {}",
                escape(s),
                l.t(
                    "is not a duration; use e.g. `15m`, `1h`.",
                    "não é uma duração; use por ex. `15m`, `1h`."
                )
            )),
            Topic::IncidentSnooze,
        ),
        Problem::BadId(s) => (
            Some(format!(
                "`{}` {}",
                escape(s),
                l.t(
                    "is not an incident id; ids look like `INC-12`.",
                    "não é um id de incidente; ids são como `INC-12`."
                )
            )),
            Topic::Incident,
        ),
    };
    let body = if is_incident(topic) {
        incident_usage(incident_cmd, l)
    } else {
        julia_usage(julia_cmd, l)
    };
    match headline {
        Some(h) if matches!(p, Problem::Usage(_)) => Msg::text(h),
        Some(h) => Msg::text(format!("{h}\n\n{body}")),
        None => Msg::text(body),
    }
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
        assert!(m.text.contains("/incident declare"));
    }

    #[test]
    fn usage_follows_the_configured_command_name() {
        let m = help(Topic::Julia, "/incident", "/julia-staging", Locale::PtBr);
        assert!(m.text.contains("/julia-staging pause"));
    }
}
