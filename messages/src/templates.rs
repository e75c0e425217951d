//! Templates teams can change: `declared`, `update`, `resolved`, `reminder` and `postmortem`
//! can be overridden by files `<name>.j2` in `TEMPLATES_DIR` (minijinja), without recompiling.
//! They are validated when the configuration loads (syntax, and a render against a sample with
//! strict undefined variables); an error names the file and the line. Without an override the
//! built-in template is used.
//!
//! Variables (user text already escaped for mrkdwn): `key`, `id`, `title`, `severity`, `status`,
//! `status_label`, `started`, `duration`, `next_update`, `commander`, `war_room`, `impact`,
//! `findings`, `actions`, `eta`, `root_cause`, `resolution`, `preventive`, `postmortem_due`,
//! `author`, `locale`; for `reminder`: `minutes_silent`, `level`, `escalate_to`; for
//! `postmortem`: `timeline` (list of `time`, `actor`, `kind`, `text`, and `label`, `said`: the
//! kind and the bot's words in the configured language), `action_items` (list of `action`,
//! `owner`, `due`, `status`), `drill`. `stakeholder` (management
//! updates, Slack and email; plain text, not escaped) has its own: see
//! [`crate::stakeholders::template_context`].

use std::collections::BTreeSet;
use std::path::Path;

use minijinja::{Environment, UndefinedBehavior};
use serde_json::{json, Value};

use crate::incident::{self as tpl, IncidentView, ReminderView, TimelineRow};
use crate::{blocks, datetime_token, escape, human_duration, time_token, utc_ymd_hm, Locale, Msg};

pub const NAMES: &[&str] = &[
    "declared",
    "update",
    "resolved",
    "reminder",
    "postmortem",
    "stakeholder",
    "customers_outage",
    "customers_recovery",
    "statuspage_first",
    "statuspage_resolved",
    "rto_breach",
    "recovery_report",
];

#[derive(Clone, Default)]
pub struct Templates {
    env: Option<Environment<'static>>,
    overridden: BTreeSet<String>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.overridden.is_empty() {
            f.write_str("built-in")
        } else {
            write!(
                f,
                "overridden: {}",
                self.overridden
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

fn where_(file: &str, e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!(
            "{file} line {line}: {}",
            e.detail().unwrap_or(&e.kind().to_string())
        ),
        None => format!("{file}: {e}"),
    }
}

impl Templates {
    pub fn builtin() -> Self {
        Templates::default()
    }

    /// Loads and validates every `<name>.j2` in `dir`.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        let mut overridden = BTreeSet::new();
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let file = path
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or("")
                .to_string();
            let Some(name) = file.strip_suffix(".j2") else {
                continue;
            };
            if !NAMES.contains(&name) {
                return Err(format!(
                    "{file}: unknown template (known: {})",
                    NAMES
                        .iter()
                        .map(|n| format!("{n}.j2"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let source = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| where_(&file, &e))?;
            overridden.insert(name.to_string());
        }
        let t = Templates {
            env: Some(env),
            overridden,
        };
        // Render each against a sample so a typo in a variable name fails now, not mid-incident.
        for name in t.overridden.clone() {
            t.try_render(&name, &sample_context(&name))
                .map_err(|e| where_(&format!("{name}.j2"), &e))?;
        }
        Ok(t)
    }

    pub fn is_overridden(&self, name: &str) -> bool {
        self.overridden.contains(name)
    }

    fn try_render(&self, name: &str, ctx: &Value) -> Result<String, minijinja::Error> {
        let env = self.env.as_ref().expect("only called for overrides");
        env.get_template(name)?.render(ctx)
    }

    fn render(&self, name: &str, ctx: &Value) -> Option<String> {
        if !self.is_overridden(name) {
            return None;
        }
        self.try_render(name, ctx).ok()
    }

    pub fn declared(&self, v: &IncidentView, l: Locale) -> Msg {
        match self.render("declared", &incident_context(v, None, l)) {
            Some(text) => custom(text, Some(tpl::buttons_for(v, l))),
            None => tpl::declared(v, l),
        }
    }

    pub fn update(&self, v: &IncidentView, author: &str, l: Locale) -> Msg {
        match self.render("update", &incident_context(v, Some(author), l)) {
            Some(text) => custom(text, Some(tpl::buttons_for(v, l))),
            None => tpl::update(v, author, l),
        }
    }

    pub fn resolved(&self, v: &IncidentView, by: &str, l: Locale) -> Msg {
        match self.render("resolved", &incident_context(v, Some(by), l)) {
            Some(text) => custom(text, None),
            None => tpl::resolved(v, by, l),
        }
    }

    pub fn reminder(&self, r: &ReminderView, l: Locale) -> Msg {
        let ctx = json!({
            "key": format!("INC-{}", r.id), "id": r.id, "title": escape(&r.title), "severity": r.severity,
            "minutes_silent": r.minutes_silent, "commander": r.commander.as_ref().map(|u| format!("<@{u}>")),
            "level": r.level, "escalate_to": r.escalate_to.iter().map(|u| format!("<@{u}>")).collect::<Vec<_>>(),
            "war_room": r.war_room.as_ref().map(|w| format!("<#{w}>")), "locale": l.code(),
        });
        match self.render("reminder", &ctx) {
            Some(text) => {
                let base = tpl::reminder(r, l);
                let mut m = custom(text, None);
                // Keep the built-in buttons (Post update, Snooze 15m).
                if let (Some(Value::Array(mine)), Some(Value::Array(theirs))) =
                    (m.blocks.as_mut(), base.blocks.as_ref())
                {
                    if let Some(actions) = theirs.iter().find(|b| b["type"] == "actions") {
                        mine.push(actions.clone());
                    }
                }
                m
            }
            None => tpl::reminder(r, l),
        }
    }

    /// The WhatsApp text of the customer notice (`customers_outage`) or the back-to-normal one
    /// (`customers_recovery`), when overridden (plain text: no mrkdwn).
    pub fn customers(&self, recovery: bool, v: &IncidentView, l: Locale) -> Option<String> {
        let name = if recovery {
            "customers_recovery"
        } else {
            "customers_outage"
        };
        // WhatsApp shows text as typed: the variables' Slack escaping is undone.
        self.render(name, &incident_context(v, None, l))
            .map(|t| {
                t.trim()
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&")
            })
            .filter(|t| !t.is_empty())
    }

    pub fn postmortem(&self, v: &IncidentView, timeline: &[TimelineRow], l: Locale) -> String {
        let mut ctx = incident_context(v, None, l);
        // `kind`/`text` as stored; `label`/`said`: the same in the configured language (#28).
        let names = tpl::timeline_words::Names::default();
        ctx["timeline"] = timeline
            .iter()
            .map(|r| {
                json!({"time": utc_ymd_hm(r.at), "actor": r.actor, "kind": r.kind, "text": r.text,
                            "label": tpl::timeline_words::kind_label(&r.kind, l),
                            "said": tpl::timeline_words::row_text(&r.kind, &r.text, &names, l)})
            })
            .collect::<Vec<_>>()
            .into();
        ctx["drill"] = v.drill.into();
        ctx["action_items"] = v
            .action_items
            .iter()
            .map(|[action, owner, due, status]| json!({"action": action, "owner": owner, "due": due, "status": status}))
            .collect::<Vec<_>>()
            .into();
        self.render("postmortem", &ctx)
            .unwrap_or_else(|| tpl::postmortem_markdown(v, timeline, l))
    }
}

impl Templates {
    /// A management update's plain text (`stakeholder.j2` when overridden).
    pub fn stakeholder(&self, v: &crate::stakeholders::UpdateView, l: Locale) -> String {
        self.render("stakeholder", &crate::stakeholders::template_context(v, l))
            .unwrap_or_else(|| v.text(l))
    }
}

impl Templates {
    /// A recovery message (`rto_breach`, `recovery_report`) when overridden; the variables are
    /// [`crate::recovery::breach_context`] and [`crate::recovery::report_context`].
    pub fn recovery(&self, name: &str, ctx: &Value) -> Option<Msg> {
        self.render(name, ctx).map(|t| custom(t, None))
    }
}

/// A message from an overriding template: its first line is the notification text.
fn custom(text: String, buttons: Option<blocks::Block>) -> Msg {
    let fallback = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string();
    let mut b = vec![blocks::section(text.trim().to_string())];
    if let Some(btn) = buttons {
        b.push(btn);
    }
    Msg::with_blocks(fallback, b)
}

fn incident_context(v: &IncidentView, author: Option<&str>, l: Locale) -> Value {
    let e = |s: &Option<String>| s.as_deref().map(escape);
    json!({
        "key": v.key(), "id": v.id, "title": escape(&v.title), "severity": v.severity, "status": v.status,
        "status_label": tpl::status_label(l, &v.status), "started": datetime_token(v.started_at),
        "duration": human_duration(v.resolved_at.unwrap_or(v.now) - v.started_at, l),
        "next_update": v.next_update_at.map(time_token), "commander": v.commander.as_ref().map(|u| format!("<@{u}>")),
        "war_room": v.war_room.as_ref().map(|w| format!("<#{w}>")), "impact": e(&v.impact), "findings": e(&v.findings),
        "actions": e(&v.actions), "eta": e(&v.eta), "root_cause": e(&v.root_cause), "resolution": e(&v.resolution),
        "preventive": e(&v.preventive), "postmortem_due": v.postmortem_due.map(datetime_token),
        "author": author.map(|a| format!("<@{a}>")), "locale": l.code(),
    })
}

fn sample_context(name: &str) -> Value {
    if name == "rto_breach" || name == "recovery_report" {
        return crate::recovery::sample_context(name);
    }
    if name.starts_with("statuspage_") {
        return crate::statuspage::sample_context();
    }
    let v = IncidentView {
        id: 1,
        title: "Sample".into(),
        severity: "P1".into(),
        status: "identified".into(),
        started_at: 1_700_000_000,
        now: 1_700_000_600,
        commander: Some("U0SAMPLE".into()),
        next_update_at: Some(1_700_001_500),
        war_room: Some("C0SAMPLE".into()),
        ..Default::default()
    };
    match name {
        "reminder" => {
            json!({"key": "INC-1", "id": 1, "title": "Sample", "severity": "P1", "minutes_silent": 15,
                             "commander": "<@U0SAMPLE>", "level": 1, "escalate_to": ["<@U0ESC>"], "war_room": "<#C0SAMPLE>", "locale": "en"})
        }
        "stakeholder" => crate::stakeholders::sample_context(),
        "postmortem" => {
            let mut c = incident_context(&v, None, Locale::En);
            c["timeline"] = json!([{"time": "2026-01-01 00:00", "actor": "U0SAMPLE", "kind": "declared", "text": "P1 Sample",
                                     "label": "declared", "said": "P1 Sample"}]);
            c["action_items"] = json!([{"action": "#1 Add an alert", "owner": "Ana", "due": "2026-01-08", "status": "open"}]);
            c["drill"] = false.into();
            c
        }
        _ => incident_context(&v, Some("U0SAMPLE"), Locale::En),
    }
}

impl Templates {
    /// An incident's public text on the status page (plain text, escaped by the page):
    /// `statuspage_first` (its first post) or `statuspage_resolved` (the resolution), when
    /// overridden. Variables: `title`, `status`, `status_label`, `text`, `next_update_minutes`
    /// (none when off), `locale`.
    pub fn public_text(
        &self,
        name: &str,
        v: &crate::statuspage::PublicView<'_>,
        l: Locale,
    ) -> Option<String> {
        self.render(name, &crate::statuspage::template_context(v, l))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A template folder removed when dropped (also when the test fails).
    struct Dir(std::path::PathBuf);

    impl std::ops::Deref for Dir {
        type Target = std::path::Path;
        fn deref(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn dir_with(files: &[(&str, &str)]) -> Dir {
        static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = std::env::temp_dir().join(format!("chatops-test-tpl-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        for (n, s) in files {
            std::fs::write(d.join(n), s).unwrap();
        }
        Dir(d)
    }

    #[test]
    fn an_override_replaces_the_builtin_and_keeps_escaping() {
        let d = dir_with(&[("declared.j2", "*{{ key }}* {{ severity }} — {{ title }} (IC {{ commander }})\nWar room: {{ war_room }}")]);
        let t = Templates::load(&d).unwrap();
        let v = IncidentView {
            id: 3,
            title: "<!channel> down".into(),
            severity: "P0".into(),
            status: "investigating".into(),
            commander: Some("U1".into()),
            ..Default::default()
        };
        let m = t.declared(&v, Locale::En);
        assert_eq!(m.text, "*INC-3* P0 — &lt;!channel&gt; down (IC <@U1>)");
        assert!(
            m.blocks
                .unwrap()
                .to_string()
                .contains("incident_update_open"),
            "buttons kept"
        );
        // Not overridden: built-in.
        assert!(t.update(&v, "U1", Locale::En).text.contains("INC-3 update"));
    }

    #[test]
    fn every_override_is_cut_to_slack_s_limits_and_the_cut_is_marked() {
        use crate::limits::{self, MARK};
        let huge = "{% for i in range(2000) %}{{ key }} line {{ i }}\n{% endfor %}";
        let files: Vec<(String, &str)> = ["declared", "update", "resolved", "reminder"]
            .iter()
            .map(|n| (format!("{n}.j2"), huge))
            .collect();
        let refs: Vec<(&str, &str)> = files.iter().map(|(n, s)| (n.as_str(), *s)).collect();
        let t = Templates::load(&dir_with(&refs)).unwrap();
        let v = IncidentView {
            id: 9,
            title: "t".into(),
            severity: "P1".into(),
            status: "investigating".into(),
            ..Default::default()
        };
        let r = ReminderView {
            id: 9,
            title: "t".into(),
            severity: "P1".into(),
            minutes_silent: 15,
            commander: None,
            level: 0,
            escalate_to: vec![],
            war_room: None,
        };
        for m in [
            t.declared(&v, Locale::En),
            t.update(&v, "U1", Locale::En),
            t.resolved(&v, "U1", Locale::En),
            t.reminder(&r, Locale::En),
        ] {
            let body = m.post("C1");
            let text = body["blocks"][0]["text"]["text"].as_str().unwrap();
            assert!(text.chars().count() <= limits::SECTION_TEXT);
            assert!(text.ends_with(MARK), "{text}");
            assert!(body["text"].as_str().unwrap().chars().count() <= limits::TEXT_ADVISED);
        }
    }

    #[test]
    fn errors_name_the_template_and_the_line() {
        let d = dir_with(&[("update.j2", "line one\n{{ key }\n")]);
        let e = Templates::load(&d).unwrap_err();
        assert!(e.starts_with("update.j2 line 2:"), "{e}");
        let d = dir_with(&[("resolved.j2", "ok\n\n{{ no_such_variable }}")]);
        let e = Templates::load(&d).unwrap_err();
        assert!(e.starts_with("resolved.j2 line 3:"), "{e}");
        let d = dir_with(&[("declard.j2", "x")]);
        assert!(Templates::load(&d)
            .unwrap_err()
            .contains("unknown template"));
    }
}
