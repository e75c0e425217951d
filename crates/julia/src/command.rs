//! `/julia …` -> [`JuliaCmd`].

use messages::usage::{Problem, Topic};

use chatops_core::text::{clean_text, closest, split_first, text_arg};

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

pub fn parse_julia(text: &str) -> Result<JuliaCmd, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Empty(Topic::Julia));
    }
    let (sub, rest) = split_first(text);
    let sub_l = sub.to_lowercase();
    let rest = rest.trim();
    let no_args = |cmd: JuliaCmd| -> Result<JuliaCmd, Problem> {
        if rest.is_empty() {
            Ok(cmd)
        } else {
            Err(Problem::Usage(Topic::Julia))
        }
    };
    match sub_l.as_str() {
        "help" | "-h" | "--help" => Ok(JuliaCmd::Help),
        "status" => no_args(JuliaCmd::Status),
        "pause" => pause(rest),
        "resume" => Ok(JuliaCmd::Resume {
            reason: text_arg(rest)?,
        }),
        "health" => no_args(JuliaCmd::Health),
        "circuits" | "circuit" => no_args(JuliaCmd::Circuits),
        "queue" | "fila" => queue(rest),
        "flags" | "flag" => flags(rest),
        "campaigns" => campaigns(rest),
        "campaign" => campaign(rest),
        "jobs" => jobs(rest),
        "deploys" | "deployments" => deploys(rest),
        "restart" => service(rest).map(|service| JuliaCmd::Restart { service }),
        "redeploy" => service(rest).map(|service| JuliaCmd::Redeploy { service }),
        "rollback" => rollback(rest),
        "evolution" | "whatsapp" => evolution(rest),
        "webhook" => webhook(rest),
        "audit" => no_args(JuliaCmd::Audit),
        _ => Err(Problem::Unknown {
            topic: Topic::Julia,
            given: clean_text(sub).chars().take(40).collect(),
            suggestion: closest(&sub_l, JULIA_SUBCOMMANDS),
        }),
    }
}

/// One service name and nothing else (`restart`, `redeploy`).
fn service(rest: &str) -> Result<String, Problem> {
    let (s, extra) = split_first(rest);
    if s.is_empty() || !extra.is_empty() {
        return Err(Problem::Usage(Topic::JuliaDeploys));
    }
    Ok(clean_text(s).to_lowercase())
}

/// `pause [--handoff] <reason>`.
fn pause(rest: &str) -> Result<JuliaCmd, Problem> {
    let mut handoff = false;
    let words: Vec<&str> = rest
        .split_whitespace()
        .filter(|w| {
            let flag = *w == "--handoff";
            handoff |= flag;
            !flag
        })
        .collect();
    let reason = text_arg(&words.join(" "))?.ok_or(Problem::Usage(Topic::JuliaPause))?;
    Ok(JuliaCmd::Pause { reason, handoff })
}

/// `queue [blocked]`.
fn queue(rest: &str) -> Result<JuliaCmd, Problem> {
    match rest.to_lowercase().as_str() {
        "" => Ok(JuliaCmd::Queue),
        "blocked" | "bloqueadas" => Ok(JuliaCmd::QueueBlocked),
        _ => Err(Problem::Usage(Topic::JuliaQueue)),
    }
}

/// `flags [name]`.
fn flags(rest: &str) -> Result<JuliaCmd, Problem> {
    let (name, extra) = split_first(rest);
    if !extra.is_empty() {
        return Err(Problem::Usage(Topic::JuliaSwitches));
    }
    Ok(JuliaCmd::Flags {
        name: (!name.is_empty()).then(|| clean_text(name).to_lowercase()),
    })
}

/// `campaigns on|off [reason]`.
fn campaigns(rest: &str) -> Result<JuliaCmd, Problem> {
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

/// `campaign pause|resume <id or name>`.
fn campaign(rest: &str) -> Result<JuliaCmd, Problem> {
    let (w, name) = split_first(rest);
    let pause = match w.to_lowercase().as_str() {
        "pause" => true,
        "resume" => false,
        _ => return Err(Problem::Usage(Topic::JuliaSwitches)),
    };
    let name = text_arg(name)?.ok_or(Problem::Usage(Topic::JuliaSwitches))?;
    Ok(JuliaCmd::Campaign { pause, name })
}

/// `jobs` or `jobs kill <id>`.
fn jobs(rest: &str) -> Result<JuliaCmd, Problem> {
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

/// `deploys [service]`.
fn deploys(rest: &str) -> Result<JuliaCmd, Problem> {
    let (s, extra) = split_first(rest);
    if !extra.is_empty() {
        return Err(Problem::Usage(Topic::JuliaDeploys));
    }
    Ok(JuliaCmd::Deploys {
        service: (!s.is_empty()).then(|| clean_text(s).to_lowercase()),
    })
}

/// `rollback <service> [deployment]`.
fn rollback(rest: &str) -> Result<JuliaCmd, Problem> {
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

/// `evolution [status|qr|restart]`.
fn evolution(rest: &str) -> Result<JuliaCmd, Problem> {
    match rest.to_lowercase().as_str() {
        "" | "status" => Ok(JuliaCmd::Evolution),
        "qr" => Ok(JuliaCmd::EvolutionQr),
        "restart" => Ok(JuliaCmd::EvolutionRestart),
        _ => Err(Problem::Usage(Topic::JuliaEvolution)),
    }
}

/// `webhook [reset]`.
fn webhook(rest: &str) -> Result<JuliaCmd, Problem> {
    match rest.to_lowercase().as_str() {
        "" => Ok(JuliaCmd::Webhook),
        "reset" => Ok(JuliaCmd::WebhookReset),
        _ => Err(Problem::Usage(Topic::JuliaEvolution)),
    }
}
