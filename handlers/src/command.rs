//! The grammar: slash-command text -> typed commands. Raw strings stop here.
//!
//! `/incident …` parses into [`IncidentCmd`], `/julia …` into [`JuliaCmd`]. A parse error is a
//! [`messages::usage::Problem`] that `messages` renders as usage help.

use std::time::Duration;

use messages::usage::{Problem, Topic};

use crate::incident::{IncidentStatus, Role, Severity};

/// An incident number (`INC-12` -> 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentId(pub i64);

impl IncidentId {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let digits = s
            .strip_prefix("INC-")
            .or_else(|| s.strip_prefix("inc-"))
            .or_else(|| s.strip_prefix("Inc-"))
            .or_else(|| s.strip_prefix('#'))?;
        let n: i64 = digits.parse().ok()?;
        (n > 0).then_some(IncidentId(n))
    }
}

impl std::fmt::Display for IncidentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "INC-{}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentCmd {
    Help,
    /// `declare` with no arguments opens the modal (`severity`/`title` are None).
    Declare {
        severity: Option<Severity>,
        title: Option<String>,
        private: bool,
    },
    Update {
        id: Option<IncidentId>,
        status: Option<IncidentStatus>,
        text: Option<String>,
    },
    Severity {
        id: Option<IncidentId>,
        severity: Severity,
    },
    Role {
        id: Option<IncidentId>,
        role: Role,
        user: String,
    },
    Note {
        id: Option<IncidentId>,
        text: String,
    },
    Status {
        id: Option<IncidentId>,
    },
    /// `list [P0|P1|P2|P3|all] [page]`.
    List {
        severity: Option<Severity>,
        page: usize,
    },
    Resolve {
        id: Option<IncidentId>,
        resolution: Option<String>,
    },
    Reopen {
        id: Option<IncidentId>,
    },
    Postmortem {
        id: Option<IncidentId>,
        done: bool,
    },
    Snooze {
        id: Option<IncidentId>,
        duration: Duration,
    },
    /// `stats [7d|30d|90d]` (default 30 days).
    Stats {
        days: i64,
    },
    /// `ack [INC-n]`: acknowledge (stops the paging ladder).
    Ack {
        id: Option<IncidentId>,
    },
    /// `oncall`, `oncall set @user [for 8h|until mon 09:00]`.
    Oncall(crate::paging::OncallCmd),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JuliaCmd {
    Help,
    Status,
    Pause {
        reason: String,
        handoff: bool,
    },
    Resume {
        reason: Option<String>,
    },
    Health,
    Circuits,
    Queue,
    /// `queue blocked`: messages blocked by safe mode since the pause.
    QueueBlocked,
    Jobs,
    /// `flags [name]`
    Flags {
        name: Option<String>,
    },
    /// `campaigns off|on [reason]`: the `campaigns` flag.
    Campaigns {
        enabled: bool,
        reason: Option<String>,
    },
    /// `campaign pause|resume <id or name>`: one campaign's status.
    Campaign {
        pause: bool,
        name: String,
    },
    JobsKill {
        id: String,
    },
    Deploys {
        service: Option<String>,
    },
    Restart {
        service: String,
    },
    Redeploy {
        service: String,
    },
    Rollback {
        service: String,
        deployment: Option<String>,
    },
    Evolution,
    EvolutionQr,
    EvolutionRestart,
    Webhook,
    WebhookReset,
    Audit,
}

pub const INCIDENT_SUBCOMMANDS: &[&str] = &[
    "declare",
    "update",
    "severity",
    "commander",
    "role",
    "note",
    "status",
    "list",
    "resolve",
    "reopen",
    "postmortem",
    "snooze",
    "stats",
    "ack",
    "oncall",
    "help",
];

pub const JULIA_SUBCOMMANDS: &[&str] = &[
    "status",
    "pause",
    "resume",
    "health",
    "circuits",
    "queue",
    "jobs",
    "flags",
    "campaigns",
    "campaign",
    "deploys",
    "restart",
    "redeploy",
    "rollback",
    "evolution",
    "webhook",
    "audit",
    "help",
];

/// Removes control characters, bidirectional controls and zero-width spaces
/// ([`crate::text::is_removed`]); any run of whitespace (newlines, tabs, no-break spaces)
/// becomes one space; trims.
pub fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !crate::text::is_removed(*c))
        .collect::<String>()
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The closest known word, for "did you mean `update`?".
pub fn closest(word: &str, candidates: &[&str]) -> Option<String> {
    let w = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&w, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3) || c.starts_with(&w) && w.len() >= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

fn split_first(s: &str) -> (&str, &str) {
    let s = s.trim();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// `<@U123>`, `<@U123|ana>` or a bare `U123ABC` -> `U123`.
pub fn parse_user(s: &str) -> Option<String> {
    let s = s.trim();
    let id = if let Some(inner) = s.strip_prefix("<@").and_then(|r| r.strip_suffix('>')) {
        inner.split('|').next().unwrap_or("")
    } else {
        s
    };
    let ok = id.len() >= 3
        && (id.starts_with('U') || id.starts_with('W'))
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    ok.then(|| id.to_string())
}

/// Takes an optional leading `INC-n`.
fn take_id(rest: &str) -> (Option<IncidentId>, &str) {
    let (first, tail) = split_first(rest);
    match IncidentId::parse(first) {
        Some(id) => (Some(id), tail),
        None => (None, rest.trim()),
    }
}

const TITLE_MIN: usize = 3;
const TITLE_MAX: usize = 150;
/// Longest free text accepted in one command (Slack's message limit is 4,000).
const TEXT_MAX: usize = 3000;

/// An incident title, cleaned ([`clean_text`]): 3 to 150 characters, and not only invisible
/// ones (zero-width joiners, fillers, lone combining marks).
pub fn title(raw: &str) -> Result<String, Problem> {
    let t = clean_text(raw);
    let n = t.chars().count();
    if n > 0 && crate::text::visible_len(&t) == 0 {
        return Err(Problem::InvisibleTitle);
    }
    if !(TITLE_MIN..=TITLE_MAX).contains(&n) {
        return Err(Problem::TitleLength {
            len: n,
            min: TITLE_MIN,
            max: TITLE_MAX,
        });
    }
    Ok(t)
}

fn text_arg(s: &str) -> Result<Option<String>, Problem> {
    let t = clean_text(s);
    if t.chars().count() > TEXT_MAX {
        return Err(Problem::TextTooLong { max: TEXT_MAX });
    }
    Ok((!t.is_empty()).then_some(t))
}

/// `list [P0|P1|P2|P3|all] [page [N]]`, in any order: a number alone is the page.
fn parse_list(rest: &str) -> Result<IncidentCmd, Problem> {
    let (mut severity, mut page) = (None, 1usize);
    for w in rest.split_whitespace() {
        let lw = w.to_ascii_lowercase();
        if matches!(lw.as_str(), "all" | "todos" | "page" | "página" | "pagina") {
            continue;
        }
        if let Ok(n) = lw.parse::<usize>() {
            page = n.max(1);
        } else if let Some(s) = Severity::parse(&lw) {
            severity = Some(s);
        } else {
            return Err(Problem::BadSeverity(clean_text(w)));
        }
    }
    Ok(IncidentCmd::List { severity, page })
}

pub fn parse_incident(text: &str) -> Result<IncidentCmd, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Empty(Topic::Incident));
    }
    let (sub, rest) = split_first(text);
    let sub_l = sub.to_lowercase();
    let usage = |t: Topic| Problem::Usage(t);
    match sub_l.as_str() {
        "help" | "-h" | "--help" => Ok(IncidentCmd::Help),
        "declare" | "open" | "new" => {
            let mut private = false;
            let words: Vec<&str> = rest
                .split_whitespace()
                .filter(|w| {
                    if *w == "--private" {
                        private = true;
                        false
                    } else {
                        true
                    }
                })
                .collect();
            if words.is_empty() {
                return Ok(IncidentCmd::Declare {
                    severity: None,
                    title: None,
                    private,
                });
            }
            let mut words = words.into_iter();
            let sev_word = words.next().unwrap_or_default();
            // "sev 1" is accepted as two words.
            let (severity, title_words): (Option<Severity>, Vec<&str>) =
                match Severity::parse(sev_word) {
                    Some(s) => (Some(s), words.collect()),
                    None if sev_word.eq_ignore_ascii_case("sev") => {
                        let n = words.next().unwrap_or_default();
                        (Severity::parse(&format!("sev{n}")), words.collect())
                    }
                    None => (None, Vec::new()),
                };
            let Some(severity) = severity else {
                return Err(Problem::BadSeverity(clean_text(sev_word)));
            };
            Ok(IncidentCmd::Declare {
                severity: Some(severity),
                title: Some(title(&title_words.join(" "))?),
                private,
            })
        }
        "update" => {
            let (id, rest) = take_id(rest);
            let (first, tail) = split_first(rest);
            let (status, text) = match IncidentStatus::parse_open(first) {
                Some(s) => (Some(s), tail),
                None => (None, rest),
            };
            Ok(IncidentCmd::Update {
                id,
                status,
                text: text_arg(text)?,
            })
        }
        "severity" | "sev" => {
            let (id, rest) = take_id(rest);
            let s = Severity::parse(rest.trim()).ok_or_else(|| {
                if rest.trim().is_empty() {
                    usage(Topic::IncidentSeverity)
                } else {
                    Problem::BadSeverity(clean_text(rest))
                }
            })?;
            Ok(IncidentCmd::Severity { id, severity: s })
        }
        "commander" | "ic" => {
            let (id, rest) = take_id(rest);
            let user = parse_user(rest).ok_or_else(|| usage(Topic::IncidentRole))?;
            Ok(IncidentCmd::Role {
                id,
                role: Role::Commander,
                user,
            })
        }
        "role" => {
            let (id, rest) = take_id(rest);
            let (role_word, who) = split_first(rest);
            let role = Role::parse(role_word).ok_or_else(|| usage(Topic::IncidentRole))?;
            let user = parse_user(who).ok_or_else(|| usage(Topic::IncidentRole))?;
            Ok(IncidentCmd::Role { id, role, user })
        }
        "note" => {
            let (id, rest) = take_id(rest);
            let text = text_arg(rest)?.ok_or_else(|| usage(Topic::IncidentNote))?;
            Ok(IncidentCmd::Note { id, text })
        }
        "status" | "show" => {
            let (id, rest) = take_id(rest);
            if !rest.is_empty() {
                return Err(Problem::BadId(clean_text(rest)));
            }
            Ok(IncidentCmd::Status { id })
        }
        "list" | "ls" => parse_list(rest),
        "resolve" | "close" => {
            let (id, rest) = take_id(rest);
            Ok(IncidentCmd::Resolve {
                id,
                resolution: text_arg(rest)?,
            })
        }
        "reopen" => {
            let (id, rest) = take_id(rest);
            if !rest.is_empty() {
                return Err(Problem::BadId(clean_text(rest)));
            }
            Ok(IncidentCmd::Reopen { id })
        }
        "postmortem" | "pm" => {
            let (id, rest) = take_id(rest);
            match rest.trim().to_lowercase().as_str() {
                "" => Ok(IncidentCmd::Postmortem { id, done: false }),
                "done" => Ok(IncidentCmd::Postmortem { id, done: true }),
                _ => Err(usage(Topic::IncidentPostmortem)),
            }
        }
        "snooze" => {
            let (id, rest) = take_id(rest);
            let raw = rest.trim();
            if raw.is_empty() {
                return Err(usage(Topic::IncidentSnooze));
            }
            let d = humantime::parse_duration(raw)
                .map_err(|_| Problem::BadDuration(clean_text(raw)))?;
            if d.is_zero() {
                return Err(Problem::BadDuration(clean_text(raw)));
            }
            Ok(IncidentCmd::Snooze { id, duration: d })
        }
        "stats" => match rest.trim().to_ascii_lowercase().as_str() {
            "" => Ok(IncidentCmd::Stats { days: 30 }),
            "7d" | "7" => Ok(IncidentCmd::Stats { days: 7 }),
            "30d" | "30" => Ok(IncidentCmd::Stats { days: 30 }),
            "90d" | "90" => Ok(IncidentCmd::Stats { days: 90 }),
            _ => Err(usage(Topic::IncidentStats)),
        },
        "ack" | "acknowledge" => {
            let (id, rest) = take_id(rest);
            if !rest.is_empty() {
                return Err(Problem::BadId(clean_text(rest)));
            }
            Ok(IncidentCmd::Ack { id })
        }
        "oncall" | "on-call" => crate::paging::command::parse(rest).map(IncidentCmd::Oncall),
        _ => Err(Problem::Unknown {
            topic: Topic::Incident,
            given: clean_text(sub).chars().take(40).collect(),
            suggestion: closest(&sub_l, INCIDENT_SUBCOMMANDS),
        }),
    }
}

pub fn parse_julia(text: &str) -> Result<JuliaCmd, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Empty(Topic::Julia));
    }
    let (sub, rest) = split_first(text);
    let sub_l = sub.to_lowercase();
    let rest = rest.trim();
    let service = |t: Topic| -> Result<String, Problem> {
        let (s, extra) = split_first(rest);
        if s.is_empty() || !extra.is_empty() {
            return Err(Problem::Usage(t));
        }
        Ok(clean_text(s).to_lowercase())
    };
    let no_args = |cmd: JuliaCmd, t: Topic| -> Result<JuliaCmd, Problem> {
        if rest.is_empty() {
            Ok(cmd)
        } else {
            Err(Problem::Usage(t))
        }
    };
    match sub_l.as_str() {
        "help" | "-h" | "--help" => Ok(JuliaCmd::Help),
        "status" => no_args(JuliaCmd::Status, Topic::Julia),
        "pause" => {
            let mut handoff = false;
            let words: Vec<&str> = rest
                .split_whitespace()
                .filter(|w| {
                    if *w == "--handoff" {
                        handoff = true;
                        false
                    } else {
                        true
                    }
                })
                .collect();
            let reason = text_arg(&words.join(" "))?.ok_or(Problem::Usage(Topic::JuliaPause))?;
            Ok(JuliaCmd::Pause { reason, handoff })
        }
        "resume" => Ok(JuliaCmd::Resume {
            reason: text_arg(rest)?,
        }),
        "health" => no_args(JuliaCmd::Health, Topic::Julia),
        "circuits" | "circuit" => no_args(JuliaCmd::Circuits, Topic::Julia),
        "queue" | "fila" => match rest.to_lowercase().as_str() {
            "" => Ok(JuliaCmd::Queue),
            "blocked" | "bloqueadas" => Ok(JuliaCmd::QueueBlocked),
            _ => Err(Problem::Usage(Topic::JuliaQueue)),
        },
        "flags" | "flag" => {
            let (name, extra) = split_first(rest);
            if !extra.is_empty() {
                return Err(Problem::Usage(Topic::JuliaSwitches));
            }
            Ok(JuliaCmd::Flags {
                name: (!name.is_empty()).then(|| clean_text(name).to_lowercase()),
            })
        }
        "campaigns" => {
            let (w, reason) = split_first(rest);
            let enabled = match w.to_lowercase().as_str() {
                "on" => true,
                "off" => false,
                _ => return Err(Problem::Usage(Topic::JuliaSwitches)),
            };
            Ok(JuliaCmd::Campaigns {
                enabled,
                reason: text_arg(reason)?,
            })
        }
        "campaign" => {
            let (w, name) = split_first(rest);
            let pause = match w.to_lowercase().as_str() {
                "pause" => true,
                "resume" => false,
                _ => return Err(Problem::Usage(Topic::JuliaSwitches)),
            };
            let name = text_arg(name)?.ok_or(Problem::Usage(Topic::JuliaSwitches))?;
            Ok(JuliaCmd::Campaign { pause, name })
        }
        "jobs" => {
            let (w, id) = split_first(rest);
            match w.to_lowercase().as_str() {
                "" => Ok(JuliaCmd::Jobs),
                "kill" => {
                    let id = id.trim();
                    if id.is_empty() || id.contains(char::is_whitespace) || id.len() > 64 {
                        return Err(Problem::Usage(Topic::JuliaJobs));
                    }
                    Ok(JuliaCmd::JobsKill { id: clean_text(id) })
                }
                _ => Err(Problem::Usage(Topic::JuliaJobs)),
            }
        }
        "deploys" | "deployments" => {
            let (s, extra) = split_first(rest);
            if !extra.is_empty() {
                return Err(Problem::Usage(Topic::JuliaDeploys));
            }
            Ok(JuliaCmd::Deploys {
                service: (!s.is_empty()).then(|| clean_text(s).to_lowercase()),
            })
        }
        "restart" => Ok(JuliaCmd::Restart {
            service: service(Topic::JuliaDeploys)?,
        }),
        "redeploy" => Ok(JuliaCmd::Redeploy {
            service: service(Topic::JuliaDeploys)?,
        }),
        "rollback" => {
            let words: Vec<&str> = rest.split_whitespace().collect();
            match words.as_slice() {
                [s] => Ok(JuliaCmd::Rollback {
                    service: clean_text(s).to_lowercase(),
                    deployment: None,
                }),
                [s, d] => Ok(JuliaCmd::Rollback {
                    service: clean_text(s).to_lowercase(),
                    deployment: Some(clean_text(d)),
                }),
                _ => Err(Problem::Usage(Topic::JuliaDeploys)),
            }
        }
        "evolution" | "whatsapp" => match rest.to_lowercase().as_str() {
            "" | "status" => Ok(JuliaCmd::Evolution),
            "qr" => Ok(JuliaCmd::EvolutionQr),
            "restart" => Ok(JuliaCmd::EvolutionRestart),
            _ => Err(Problem::Usage(Topic::JuliaEvolution)),
        },
        "webhook" => match rest.to_lowercase().as_str() {
            "" => Ok(JuliaCmd::Webhook),
            "reset" => Ok(JuliaCmd::WebhookReset),
            _ => Err(Problem::Usage(Topic::JuliaEvolution)),
        },
        "audit" => no_args(JuliaCmd::Audit, Topic::Julia),
        _ => Err(Problem::Unknown {
            topic: Topic::Julia,
            given: clean_text(sub).chars().take(40).collect(),
            suggestion: closest(&sub_l, JULIA_SUBCOMMANDS),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declare_accepts_every_severity_spelling() {
        for s in ["P1", "p1", "sev1", "SEV-1", "Sev1", "sev_1"] {
            let c = parse_incident(&format!("declare {s} Evolution fora do ar")).unwrap();
            assert_eq!(
                c,
                IncidentCmd::Declare {
                    severity: Some(Severity::P1),
                    title: Some("Evolution fora do ar".into()),
                    private: false
                },
                "{s}"
            );
        }
        assert_eq!(
            parse_incident("declare sev 0 Julia silent --private").unwrap(),
            IncidentCmd::Declare {
                severity: Some(Severity::P0),
                title: Some("Julia silent".into()),
                private: true
            }
        );
    }

    #[test]
    fn list_takes_a_severity_and_a_page() {
        let list = |s, p| IncidentCmd::List {
            severity: s,
            page: p,
        };
        assert_eq!(parse_incident("list").unwrap(), list(None, 1));
        assert_eq!(
            parse_incident("list p1").unwrap(),
            list(Some(Severity::P1), 1)
        );
        assert_eq!(
            parse_incident("ls SEV-0 page 3").unwrap(),
            list(Some(Severity::P0), 3)
        );
        assert_eq!(parse_incident("list 2").unwrap(), list(None, 2));
        assert!(matches!(
            parse_incident("list urgent"),
            Err(Problem::BadSeverity(_))
        ));
    }

    #[test]
    fn declare_without_arguments_opens_the_modal() {
        assert_eq!(
            parse_incident("declare").unwrap(),
            IncidentCmd::Declare {
                severity: None,
                title: None,
                private: false
            }
        );
    }

    #[test]
    fn declare_refuses_bad_titles_and_severities() {
        assert!(matches!(
            parse_incident("declare P1 ab"),
            Err(Problem::TitleLength { len: 2, .. })
        ));
        let long = "x".repeat(151);
        assert!(matches!(
            parse_incident(&format!("declare P1 {long}")),
            Err(Problem::TitleLength { .. })
        ));
        assert!(
            matches!(parse_incident("declare P7 db down"), Err(Problem::BadSeverity(s)) if s == "P7")
        );
        assert!(matches!(
            parse_incident("declare urgent db down"),
            Err(Problem::BadSeverity(_))
        ));
    }

    #[test]
    fn update_takes_optional_id_and_status() {
        assert_eq!(
            parse_incident("update INC-12 identified bad deploy").unwrap(),
            IncidentCmd::Update {
                id: Some(IncidentId(12)),
                status: Some(IncidentStatus::Identified),
                text: Some("bad deploy".into())
            }
        );
        assert_eq!(
            parse_incident("update rolled back worker").unwrap(),
            IncidentCmd::Update {
                id: None,
                status: None,
                text: Some("rolled back worker".into())
            }
        );
        assert_eq!(
            parse_incident("update").unwrap(),
            IncidentCmd::Update {
                id: None,
                status: None,
                text: None
            }
        );
    }

    #[test]
    fn unknown_subcommand_suggests_the_closest() {
        match parse_incident("updte foo") {
            Err(Problem::Unknown { suggestion, .. }) => {
                assert_eq!(suggestion.as_deref(), Some("update"))
            }
            other => panic!("{other:?}"),
        }
        match parse_julia("staus") {
            Err(Problem::Unknown { suggestion, .. }) => {
                assert_eq!(suggestion.as_deref(), Some("status"))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_julia(""), Err(Problem::Empty(Topic::Julia))));
    }

    #[test]
    fn roles_take_mentions() {
        assert_eq!(
            parse_incident("commander <@U0ANA|ana>").unwrap(),
            IncidentCmd::Role {
                id: None,
                role: Role::Commander,
                user: "U0ANA".into()
            }
        );
        assert_eq!(
            parse_incident("role INC-3 scribe <@U0BOB>").unwrap(),
            IncidentCmd::Role {
                id: Some(IncidentId(3)),
                role: Role::Scribe,
                user: "U0BOB".into()
            }
        );
        assert!(parse_incident("commander ana").is_err());
    }

    #[test]
    fn julia_grammar() {
        assert_eq!(
            parse_julia("pause --handoff evolution flapping").unwrap(),
            JuliaCmd::Pause {
                reason: "evolution flapping".into(),
                handoff: true
            }
        );
        assert!(matches!(
            parse_julia("pause"),
            Err(Problem::Usage(Topic::JuliaPause))
        ));
        assert_eq!(
            parse_julia("rollback julia-worker d-123").unwrap(),
            JuliaCmd::Rollback {
                service: "julia-worker".into(),
                deployment: Some("d-123".into())
            }
        );
        assert_eq!(
            parse_julia("jobs kill abc").unwrap(),
            JuliaCmd::JobsKill { id: "abc".into() }
        );
        assert_eq!(
            parse_julia("queue blocked").unwrap(),
            JuliaCmd::QueueBlocked
        );
        assert_eq!(
            parse_julia("queue nope"),
            Err(Problem::Usage(Topic::JuliaQueue))
        );
        assert_eq!(
            parse_julia("flags Campaigns").unwrap(),
            JuliaCmd::Flags {
                name: Some("campaigns".into())
            }
        );
        assert_eq!(
            parse_julia("campaigns off spam complaints").unwrap(),
            JuliaCmd::Campaigns {
                enabled: false,
                reason: Some("spam complaints".into())
            }
        );
        assert_eq!(
            parse_julia("campaigns maybe"),
            Err(Problem::Usage(Topic::JuliaSwitches))
        );
        assert_eq!(
            parse_julia("campaign pause Oferta plantão SP").unwrap(),
            JuliaCmd::Campaign {
                pause: true,
                name: "Oferta plantão SP".into()
            }
        );
        assert_eq!(
            parse_julia("campaign stop 12"),
            Err(Problem::Usage(Topic::JuliaSwitches))
        );
        assert_eq!(
            parse_julia("campaign resume"),
            Err(Problem::Usage(Topic::JuliaSwitches))
        );
        assert_eq!(parse_julia("evolution qr").unwrap(), JuliaCmd::EvolutionQr);
        assert_eq!(
            parse_julia("deploys").unwrap(),
            JuliaCmd::Deploys { service: None }
        );
    }

    #[test]
    fn control_characters_are_data_not_structure() {
        let c = parse_incident("note \u{0007}db\u{0000} is\n slow").unwrap();
        assert_eq!(
            c,
            IncidentCmd::Note {
                id: None,
                text: "db is slow".into()
            }
        );
        let big = "a ".repeat(6000);
        assert!(matches!(
            parse_incident(&format!("note {big}")),
            Err(Problem::TextTooLong { .. })
        ));
    }

    #[test]
    fn titles_of_invisible_characters_are_refused_and_bidi_controls_removed() {
        assert_eq!(
            parse_incident("declare P1 \u{200B}\u{200B}\u{200B}\u{200B}"),
            Err(Problem::TitleLength {
                len: 0,
                min: 3,
                max: 150
            }),
            "zero-width spaces are removed: nothing is left"
        );
        assert_eq!(
            parse_incident("declare P1 \u{200D}\u{3164}\u{FE0F}\u{2800}"),
            Err(Problem::InvisibleTitle)
        );
        assert_eq!(
            parse_incident("declare P1 \u{202E}nwod bd\u{202C} \u{2066}x\u{2069}").unwrap(),
            IncidentCmd::Declare {
                severity: Some(Severity::P1),
                title: Some("nwod bd x".into()),
                private: false
            }
        );
        assert_eq!(
            title("db\u{00A0}\u{00A0}down\u{200B}").unwrap(),
            "db down",
            "no-break spaces are spaces"
        );
        assert_eq!(title("👩\u{200D}💻 api"), Ok("👩\u{200D}💻 api".into()));
    }

    #[test]
    fn snooze_parses_humantime() {
        assert_eq!(
            parse_incident("snooze 15m").unwrap(),
            IncidentCmd::Snooze {
                id: None,
                duration: Duration::from_secs(900)
            }
        );
        assert!(matches!(
            parse_incident("snooze later"),
            Err(Problem::BadDuration(_))
        ));
    }
}
