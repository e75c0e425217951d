//! Stakeholder variables (#27): the escalation matrix (`STAKEHOLDERS_NOTIFY_P0..P3`,
//! `STAKEHOLDERS_LATE_*`), management updates (`STAKEHOLDERS_CHANNEL_P*`, `STAKEHOLDERS_EMAILS_P*`,
//! `STAKEHOLDERS_CADENCE_P*`, `STAKEHOLDERS_DRILL_EMAILS`) and the mail server (`SMTP_*`).

use std::time::Duration;

use chatops_core::config::reader::list;
use chatops_core::config::{checks, Reader, Secret};
use chatops_core::severity::Severity;

/// Someone the escalation matrix notifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `U…`/`W…`: a direct message.
    User(String),
    /// `S…`: a direct message to each member.
    Group(String),
    /// `C…`/`G…`: a post in the channel.
    Channel(String),
}

impl Target {
    pub fn id(&self) -> &str {
        match self {
            Target::User(s) | Target::Group(s) | Target::Channel(s) => s,
        }
    }
}

/// How the connection to the mail server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (required), port 587 by default.
    StartTls,
    /// TLS from the first byte (SMTPS), port 465 by default.
    Tls,
    /// No encryption (a relay on the same host or a private network only), port 25 by default.
    None,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// `Name <address>` or a bare address.
    pub from: String,
    pub timeout: Duration,
}

#[derive(Clone, Debug, Default)]
pub struct StakeholdersConfig {
    /// Who is notified when an incident of each severity is declared (or raised to it).
    pub notify: [Vec<Target>; 4],
    /// Who is notified when an incident is still open after `late_after`.
    pub late_notify: Vec<Target>,
    pub late_after: Option<Duration>,
    /// The severities the late level applies to.
    pub late_severities: Vec<Severity>,
    /// The management channel of each severity.
    pub channel: [Option<String>; 4],
    /// The management email addresses of each severity.
    pub emails: [Vec<String>; 4],
    /// How often management hears while the incident is open.
    pub cadence: [Option<Duration>; 4],
    /// Where a drill's management mails go instead (never the real lists).
    pub drill_emails: Vec<String>,
    pub smtp: Option<SmtpConfig>,
    /// Every user, group and channel id the matrix and the management channels name (for
    /// `chatops doctor`).
    pub people: Vec<String>,
}

const SEVERITIES: [Severity; 4] = [Severity::P0, Severity::P1, Severity::P2, Severity::P3];

/// A list of `U…`/`W…` users, `S…` groups and `C…`/`G…` channels.
pub fn targets(raw: &str) -> Result<Vec<Target>, String> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for id in list(Some(raw.to_string())) {
        let id = id.trim_start_matches('@').to_string();
        let shaped = id.len() >= 2
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let t = match id.chars().next() {
            Some('U' | 'W') if shaped => Target::User(id),
            Some('S') if shaped => Target::Group(id),
            Some('C' | 'G') if shaped => Target::Channel(id),
            _ => {
                bad.push(format!("`{id}`"));
                continue;
            }
        };
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "{} not a Slack user (`U0123ABCD`), user group (`S0123ABCD`) or channel id (`C0123ABCD`): \
             in Slack open the person's profile, ⋮ (More) → Copy member ID; a group's id is the \
             last part of its page address; a channel's is at the bottom of its About tab",
            bad.join(", ") + if bad.len() == 1 { " is" } else { " are" }
        ))
    }
}

/// `user@example.com`, also as `Name <user@example.com>` for the sender.
pub fn email(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    let addr = match (t.rfind('<'), t.strip_suffix('>')) {
        (Some(i), Some(_)) => &t[i + 1..t.len() - 1],
        _ => t,
    };
    let ok = addr.parse::<lettre::Address>().is_ok()
        && addr.rsplit_once('@').is_some_and(|(_, d)| d.contains('.'));
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "`{t}` is not an email address (e.g. `cto@julia.health`)"
        ))
    }
}

/// A comma- or space-separated list of addresses; every malformed one is named.
pub fn emails(raw: &str) -> Result<Vec<String>, String> {
    let items = list(Some(raw.to_string()));
    let bad: Vec<String> = items
        .iter()
        .filter(|e| email(e).is_err())
        .map(|e| format!("`{e}`"))
        .collect();
    if !bad.is_empty() {
        return Err(format!(
            "{} {} not an email address (e.g. `cto@julia.health`)",
            bad.join(", "),
            if bad.len() == 1 { "is" } else { "are" }
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for e in items {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&e)) {
            out.push(e);
        }
    }
    Ok(out)
}

fn security(raw: &str) -> Result<Security, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "starttls" => Ok(Security::StartTls),
        "tls" | "smtps" | "ssl" => Ok(Security::Tls),
        "none" | "plain" | "off" => Ok(Security::None),
        _ => Err(format!(
            "`{raw}` is not `starttls` (port 587), `tls` (port 465) or `none` (a local relay)"
        )),
    }
}

fn severities(raw: &str) -> Result<Vec<Severity>, String> {
    list(Some(raw.to_string()))
        .iter()
        .map(|s| {
            Severity::parse(s).ok_or_else(|| format!("`{s}` is not a severity; use P0, P1, P2, P3"))
        })
        .collect()
}

fn smtp(r: &Reader) -> Option<SmtpConfig> {
    let host = r.get("SMTP_HOST");
    let security = r
        .check("SMTP_SECURITY", security)
        .unwrap_or(Security::StartTls);
    let default_port = match security {
        Security::StartTls => 587,
        Security::Tls => 465,
        Security::None => 25,
    };
    let port = r.integer("SMTP_PORT", default_port, 1..=65535);
    let username = r.get("SMTP_USERNAME");
    let password = r.get("SMTP_PASSWORD").map(Secret::new);
    let from = r.check("SMTP_FROM", email);
    let timeout = r.duration("SMTP_TIMEOUT", "10s");
    if username.is_some() != password.is_some() {
        r.problem(
            "SMTP_PASSWORD",
            "SMTP_USERNAME and SMTP_PASSWORD go together: set both, or neither for a server without login",
        );
    }
    let host = host?;
    let Some(from) = from else {
        r.problem(
            "SMTP_FROM",
            "not set, but SMTP_HOST is: the sender address of management mails (e.g. `Julia Incidents <incidents@julia.health>`)",
        );
        return None;
    };
    Some(SmtpConfig {
        host,
        port,
        security,
        username,
        password,
        from,
        timeout,
    })
}

impl StakeholdersConfig {
    pub fn read(r: &Reader) -> StakeholdersConfig {
        let notify = [
            "STAKEHOLDERS_NOTIFY_P0",
            "STAKEHOLDERS_NOTIFY_P1",
            "STAKEHOLDERS_NOTIFY_P2",
            "STAKEHOLDERS_NOTIFY_P3",
        ]
        .map(|v| r.check(v, targets).unwrap_or_default());
        let channel = [
            "STAKEHOLDERS_CHANNEL_P0",
            "STAKEHOLDERS_CHANNEL_P1",
            "STAKEHOLDERS_CHANNEL_P2",
            "STAKEHOLDERS_CHANNEL_P3",
        ]
        .map(|v| r.checked(v, checks::channel_id));
        let emails_of = [
            "STAKEHOLDERS_EMAILS_P0",
            "STAKEHOLDERS_EMAILS_P1",
            "STAKEHOLDERS_EMAILS_P2",
            "STAKEHOLDERS_EMAILS_P3",
        ]
        .map(|v| r.check(v, emails).unwrap_or_default());
        let cadence = [
            r.cadence("STAKEHOLDERS_CADENCE_P0", "30m"),
            r.cadence("STAKEHOLDERS_CADENCE_P1", "30m"),
            r.cadence("STAKEHOLDERS_CADENCE_P2", "off"),
            r.cadence("STAKEHOLDERS_CADENCE_P3", "off"),
        ];
        let smtp = smtp(r);
        let mut c = StakeholdersConfig {
            notify,
            late_notify: r
                .check("STAKEHOLDERS_LATE_NOTIFY", targets)
                .unwrap_or_default(),
            late_after: r.cadence("STAKEHOLDERS_LATE_AFTER", "1h"),
            late_severities: r
                .check("STAKEHOLDERS_LATE_SEVERITIES", severities)
                .unwrap_or_else(|| vec![Severity::P0, Severity::P1]),
            channel,
            emails: emails_of,
            cadence,
            drill_emails: r
                .check("STAKEHOLDERS_DRILL_EMAILS", emails)
                .unwrap_or_default(),
            smtp,
            people: Vec::new(),
        };
        c.people = c.slack_ids();
        if c.smtp.is_none() && c.emails.iter().any(|e| !e.is_empty()) {
            r.warn(
                "STAKEHOLDERS_EMAILS_P0",
                "management email addresses are set but SMTP_HOST is not: no mail is sent (Slack only)",
            );
        }
        c
    }

    pub fn notify_of(&self, s: Severity) -> &[Target] {
        &self.notify[s.index()]
    }

    pub fn cadence_of(&self, s: Severity) -> Option<Duration> {
        self.cadence[s.index()]
    }

    /// Where a severity's management mails go (a drill's: only the drill list).
    pub fn mail_to(&self, s: Severity, drill: bool) -> &[String] {
        if self.smtp.is_none() {
            return &[];
        }
        if drill {
            &self.drill_emails
        } else {
            &self.emails[s.index()]
        }
    }

    /// Every id Slack must know: the matrix's users, groups and channels, and management's
    /// channels, once each.
    fn slack_ids(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let matrix = self.notify.iter().flatten().chain(&self.late_notify);
        let ids = matrix
            .map(|t| t.id().to_string())
            .chain(self.channel.iter().flatten().cloned());
        for id in ids {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }

    /// Every user and group the matrix names.
    pub fn people(&self) -> Vec<&Target> {
        let mut out: Vec<&Target> = Vec::new();
        for t in self.notify.iter().flatten().chain(&self.late_notify) {
            if !matches!(t, Target::Channel(_)) && !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    /// `check-config` lines (the password redacted).
    pub fn report_lines(&self) -> Vec<(&'static str, String)> {
        let ids = |t: &[Target]| {
            let v: Vec<&str> = t.iter().map(Target::id).collect();
            if v.is_empty() {
                "(nobody)".to_string()
            } else {
                v.join(",")
            }
        };
        let dur = |d: &Option<Duration>| {
            d.map(|d| humantime::format_duration(d).to_string())
                .unwrap_or_else(|| "off".into())
        };
        let per = |f: &dyn Fn(usize) -> String| {
            (0..4)
                .map(|i| format!("{}: {}", SEVERITIES[i].as_str(), f(i)))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let mut v = vec![
            ("STAKEHOLDERS_NOTIFY_P0..P3", per(&|i| ids(&self.notify[i]))),
            (
                "STAKEHOLDERS_LATE_AFTER",
                format!(
                    "{} ({}) -> {}",
                    dur(&self.late_after),
                    self.late_severities
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    ids(&self.late_notify)
                ),
            ),
            (
                "STAKEHOLDERS_CHANNEL_P0..P3",
                per(&|i| self.channel[i].clone().unwrap_or_else(|| "(none)".into())),
            ),
            (
                "STAKEHOLDERS_EMAILS_P0..P3",
                per(&|i| self.emails[i].len().to_string() + " address(es)"),
            ),
            (
                "STAKEHOLDERS_CADENCE_P0..P3",
                per(&|i| dur(&self.cadence[i])),
            ),
            (
                "STAKEHOLDERS_DRILL_EMAILS",
                format!("{} address(es)", self.drill_emails.len()),
            ),
        ];
        v.push(match &self.smtp {
            None => ("SMTP_HOST", "(unset: no management mail)".into()),
            Some(s) => (
                "SMTP_HOST",
                format!(
                    "{}:{} ({}), from {}, login {}",
                    s.host,
                    s.port,
                    s.security.as_str(),
                    s.from,
                    match (&s.username, &s.password) {
                        (Some(u), Some(p)) => format!("{u} / {p:?}"),
                        _ => "none".into(),
                    }
                ),
            ),
        });
        v
    }
}

/// These settings, as the composition root handed them to the context.
pub fn of(ctx: &chatops_core::Ctx) -> &StakeholdersConfig {
    ctx.ext()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_emails_name_what_is_wrong() {
        let t = targets("U0CTO, S0LEADS C0MGMT").unwrap();
        assert_eq!(
            t,
            vec![
                Target::User("U0CTO".into()),
                Target::Group("S0LEADS".into()),
                Target::Channel("C0MGMT".into())
            ]
        );
        let e = targets("U0CTO,@ceo,#mgmt").unwrap_err();
        assert!(e.contains("`ceo`, `#mgmt` are not"), "{e}");
        assert_eq!(
            emails("cto@julia.health, CTO@julia.health ceo@julia.health").unwrap(),
            vec!["cto@julia.health", "ceo@julia.health"]
        );
        let e = emails("cto@julia.health,ceo-at-julia.health").unwrap_err();
        assert!(
            e.contains("`ceo-at-julia.health` is not an email address"),
            "{e}"
        );
        assert!(email("Julia Incidents <incidents@julia.health>").is_ok());
        assert!(email("cto@localhost").is_err());
    }
}
