//! `/incident …` -> [`IncidentCmd`]: one small parser per subcommand.

use std::time::Duration;

use messages::usage::{Problem, Topic};

use super::{clean_text, closest, split_first, text_arg};
use chatops_core::flags;
use chatops_core::ids::{IncidentId, IncidentTitle, UserId};
use incident::{IncidentStatus, Role, Severity};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentCmd {
    Help,
    /// `declare` with no arguments opens the modal (`severity`/`title` are None).
    Declare {
        severity: Option<Severity>,
        title: Option<IncidentTitle>,
        private: bool,
        /// `--drill`.
        drill: bool,
        /// `--drill --page`: the drill pages phones (a drill pages nobody otherwise).
        drill_pages: bool,
        /// `--affects component[:state][,…]` (repeatable), checked against the components later.
        affects: Vec<String>,
    },
    Update {
        id: Option<IncidentId>,
        status: Option<IncidentStatus>,
        text: Option<String>,
        /// `--affects component[:state][,…]`.
        affects: Vec<String>,
        /// `--stakeholders`: the text also goes to management (it needs a text).
        stakeholders: bool,
    },
    Severity {
        id: Option<IncidentId>,
        severity: Severity,
    },
    Role {
        id: Option<IncidentId>,
        role: Role,
        user: UserId,
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
    Oncall(paging::OncallCmd),
    /// `action …` (action items) and `drill on|off`.
    Followup(followup::FollowupCmd),
    /// `recovered [INC-n] <component>`: a component is back (its RTO clock stops).
    Recovered(recovery::RecoveredCmd),
    /// `notify-customers [INC-n] [back]`: the customer WhatsApp notice.
    NotifyCustomers(customers::NotifyCmd),
    /// `update --public …`, `unpublish <n>`: the status page.
    StatusPage(statuspage::command::Cmd),
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
    "action",
    "drill",
    "recovered",
    "notify-customers",
    "unpublish",
    "help",
];

pub fn parse_incident(text: &str) -> Result<IncidentCmd, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Empty(Topic::Incident));
    }
    let (sub, rest) = split_first(text);
    let sub_l = sub.to_lowercase();
    match sub_l.as_str() {
        "help" | "-h" | "--help" => Ok(IncidentCmd::Help),
        "declare" | "open" | "new" => declare(rest),
        "update" if statuspage::command::is_public(rest) => {
            statuspage::command::parse_update(rest).map(IncidentCmd::StatusPage)
        }
        "update" => update(rest),
        "unpublish" => statuspage::command::parse_unpublish(rest).map(IncidentCmd::StatusPage),
        "severity" | "sev" => severity(rest),
        "commander" | "ic" => commander(rest),
        "role" => role(rest),
        "note" => note(rest),
        "status" | "show" => id_only(rest).map(|id| IncidentCmd::Status { id }),
        "list" | "ls" => list(rest),
        "resolve" | "close" => resolve(rest),
        "reopen" => id_only(rest).map(|id| IncidentCmd::Reopen { id }),
        "postmortem" | "pm" => postmortem(rest),
        "snooze" => snooze(rest),
        "stats" => stats(rest),
        "ack" | "acknowledge" => id_only(rest).map(|id| IncidentCmd::Ack { id }),
        "oncall" | "on-call" => paging::command::parse(rest).map(IncidentCmd::Oncall),
        "action" | "actions" => followup::parse_action(rest).map(IncidentCmd::Followup),
        "drill" => followup::parse_drill(rest).map(IncidentCmd::Followup),
        "recovered" => recovery::command::parse(rest).map(IncidentCmd::Recovered),
        "notify-customers" => customers::command::parse(rest).map(IncidentCmd::NotifyCustomers),
        _ => Err(Problem::Unknown {
            topic: Topic::Incident,
            given: clean_text(sub).chars().take(40).collect(),
            suggestion: closest(&sub_l, INCIDENT_SUBCOMMANDS),
        }),
    }
}

/// `stats [7d|30d|90d]`: the range in days, 30 by default.
fn stats(rest: &str) -> Result<IncidentCmd, Problem> {
    let days = match rest.trim().to_ascii_lowercase().as_str() {
        "" | "30d" | "30" => 30,
        "7d" | "7" => 7,
        "90d" | "90" => 90,
        _ => return Err(Problem::Usage(Topic::IncidentStats)),
    };
    Ok(IncidentCmd::Stats { days })
}

/// Takes an optional leading `INC-n`.
fn take_id(rest: &str) -> (Option<IncidentId>, &str) {
    let (first, tail) = split_first(rest);
    match IncidentId::parse(first) {
        Some(id) => (Some(id), tail),
        None => (None, rest.trim()),
    }
}

/// An optional `INC-n` and nothing else.
fn id_only(rest: &str) -> Result<Option<IncidentId>, Problem> {
    let (id, rest) = take_id(rest);
    if !rest.is_empty() {
        return Err(Problem::BadId(clean_text(rest)));
    }
    Ok(id)
}

/// `declare [--private] [--drill] [--affects c:state]` (the form) or
/// `declare <severity> <title> [--private] [--drill [--page]] [--affects c:state,…]`, flags
/// anywhere.
fn declare(rest: &str) -> Result<IncidentCmd, Problem> {
    let f = flags::take(rest, &["--private", "--drill", "--page"], &["--affects"]);
    let drill_pages = f.has("--drill") && f.has("--page");
    if f.missing_value().is_some() {
        return Err(Problem::Usage(Topic::IncidentDeclare));
    }
    let (private, drill, affects) = (
        f.has("--private"),
        f.has("--drill"),
        f.values_of("--affects"),
    );
    let words: Vec<&str> = f.rest.split_whitespace().collect();
    if words.is_empty() {
        return Ok(IncidentCmd::Declare {
            severity: None,
            title: None,
            private,
            drill,
            drill_pages,
            affects,
        });
    }
    let (severity, title_words) = leading_severity(&words)?;
    Ok(IncidentCmd::Declare {
        severity: Some(severity),
        title: Some(IncidentTitle::parse(&title_words.join(" "))?),
        private,
        drill,
        drill_pages,
        affects,
    })
}

/// The severity a declaration starts with (`P1`, `sev1`, or `sev 1` as two words) and the
/// words after it.
fn leading_severity<'a>(words: &'a [&'a str]) -> Result<(Severity, &'a [&'a str]), Problem> {
    let first = words[0];
    if let Some(s) = Severity::parse(first) {
        return Ok((s, &words[1..]));
    }
    if first.eq_ignore_ascii_case("sev") {
        let n = words.get(1).copied().unwrap_or_default();
        if let Some(s) = Severity::parse(&format!("sev{n}")) {
            return Ok((s, &words[2.min(words.len())..]));
        }
    }
    Err(Problem::BadSeverity(clean_text(first)))
}

/// `update [INC-n] [investigating|identified|monitoring] [--affects c:state,…] [--stakeholders] [text]`.
fn update(rest: &str) -> Result<IncidentCmd, Problem> {
    let f = flags::take(rest, &["--stakeholders"], &["--affects"]);
    if f.missing_value().is_some() {
        return Err(Problem::Usage(Topic::IncidentUpdate));
    }
    let (id, rest) = take_id(&f.rest);
    let (first, tail) = split_first(rest);
    let (status, text) = match IncidentStatus::parse_open(first) {
        Some(s) => (Some(s), tail),
        None => (None, rest),
    };
    let text = text_arg(text)?;
    let stakeholders = f.has("--stakeholders");
    if stakeholders && text.is_none() {
        return Err(Problem::Usage(Topic::IncidentUpdate));
    }
    Ok(IncidentCmd::Update {
        id,
        status,
        text,
        affects: f.values_of("--affects"),
        stakeholders,
    })
}

/// `severity [INC-n] <P0..P3>`.
fn severity(rest: &str) -> Result<IncidentCmd, Problem> {
    let (id, rest) = take_id(rest);
    let word = rest.trim();
    let severity = Severity::parse(word).ok_or_else(|| {
        if word.is_empty() {
            Problem::Usage(Topic::IncidentSeverity)
        } else {
            Problem::BadSeverity(clean_text(word))
        }
    })?;
    Ok(IncidentCmd::Severity { id, severity })
}

/// `commander [INC-n] @user`.
fn commander(rest: &str) -> Result<IncidentCmd, Problem> {
    let (id, rest) = take_id(rest);
    let user = UserId::parse_mention(rest).ok_or(Problem::Usage(Topic::IncidentRole))?;
    Ok(IncidentCmd::Role {
        id,
        role: Role::Commander,
        user,
    })
}

/// `role [INC-n] <role> @user`.
fn role(rest: &str) -> Result<IncidentCmd, Problem> {
    let (id, rest) = take_id(rest);
    let (role_word, who) = split_first(rest);
    let role = Role::parse(role_word).ok_or(Problem::Usage(Topic::IncidentRole))?;
    let user = UserId::parse_mention(who).ok_or(Problem::Usage(Topic::IncidentRole))?;
    Ok(IncidentCmd::Role { id, role, user })
}

/// `note [INC-n] <text>`.
fn note(rest: &str) -> Result<IncidentCmd, Problem> {
    let (id, rest) = take_id(rest);
    let text = text_arg(rest)?.ok_or(Problem::Usage(Topic::IncidentNote))?;
    Ok(IncidentCmd::Note { id, text })
}

/// `list [P0|P1|P2|P3|all] [page [N]]`, in any order: a number alone is the page.
fn list(rest: &str) -> Result<IncidentCmd, Problem> {
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

/// `resolve [INC-n] [resolution]` (without one, the form).
fn resolve(rest: &str) -> Result<IncidentCmd, Problem> {
    let (id, rest) = take_id(rest);
    Ok(IncidentCmd::Resolve {
        id,
        resolution: text_arg(rest)?,
    })
}

/// `postmortem [INC-n] [done]`.
fn postmortem(rest: &str) -> Result<IncidentCmd, Problem> {
    let (id, rest) = take_id(rest);
    match rest.trim().to_lowercase().as_str() {
        "" => Ok(IncidentCmd::Postmortem { id, done: false }),
        "done" => Ok(IncidentCmd::Postmortem { id, done: true }),
        _ => Err(Problem::Usage(Topic::IncidentPostmortem)),
    }
}

/// `snooze [INC-n] <duration>` (`15m`, `1h 30m`).
fn snooze(rest: &str) -> Result<IncidentCmd, Problem> {
    let (id, rest) = take_id(rest);
    let raw = rest.trim();
    if raw.is_empty() {
        return Err(Problem::Usage(Topic::IncidentSnooze));
    }
    let duration =
        humantime::parse_duration(raw).map_err(|_| Problem::BadDuration(clean_text(raw)))?;
    if duration.is_zero() {
        return Err(Problem::BadDuration(clean_text(raw)));
    }
    Ok(IncidentCmd::Snooze { id, duration })
}
