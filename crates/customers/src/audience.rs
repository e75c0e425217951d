//! Who a notice reaches: the doctors found (Julia's database, or `CUSTOMERS_PHONES` looked up
//! there), numbers normalised and deduplicated, then the rules applied in order. Always left
//! out: deleted doctors, any opt-out mark, a number Julia blocks or cannot send to, and outside
//! production anything not on the dev allowlist. Held (a person may choose to include them, and
//! that choice is audited): cooling-off, next contact not allowed yet, the weekly contact cap,
//! and quiet hours (for everyone at once).

use clients::julia_db::{DoctorQuery, DoctorRow, Doctors};
use serde::{Deserialize, Serialize};

use crate::phone::normalise;
use crate::settings::CustomersConfig;

/// One doctor who may receive the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub phone: String,
    pub cliente_id: Option<String>,
}

/// The recipients, and who was left out or held, by reason.
#[derive(Debug, Clone, Default)]
pub struct Audience {
    /// Sent to whatever the choice.
    pub clear: Vec<Recipient>,
    /// Held by a contact rule: sent to only when someone chooses to include them.
    pub held: Vec<Recipient>,
    /// (reason code, count), in the order of the rules.
    pub excluded: Vec<(String, usize)>,
    pub held_by: Vec<(String, usize)>,
    /// Julia is paused: sending is an exception to its own rule, owned by whoever confirms.
    pub safe_mode: bool,
}

impl Audience {
    /// Who receives it: the clear ones, and the held ones when `include_held`.
    pub fn recipients(&self, include_held: bool) -> Vec<Recipient> {
        let mut r = self.clear.clone();
        if include_held {
            r.extend(self.held.iter().cloned());
        }
        r
    }
}

fn bump(list: &mut Vec<(String, usize)>, code: &str) {
    match list.iter_mut().find(|(c, _)| c == code) {
        Some((_, n)) => *n += 1,
        None => list.push((code.to_string(), 1)),
    }
}

/// What the query asks for, from the settings.
pub fn query(cfg: &CustomersConfig) -> DoctorQuery {
    if cfg.phones.is_empty() {
        DoctorQuery::ActiveWithin(cfg.active_days)
    } else {
        DoctorQuery::Numbers(cfg.phones.clone())
    }
}

/// Whether the allowlist applies: Julia's database or `APP_ENV` says anything but production.
pub fn is_production(cfg: &CustomersConfig, db_environment: &str) -> bool {
    let app = cfg.app_env.as_deref().unwrap_or("production");
    db_environment == "production" && app == "production"
}

/// The rows found, and a row for each listed number Julia does not know (no mark says to
/// leave it out).
fn with_listed(found: &Doctors, listed: &[String]) -> Vec<DoctorRow> {
    let mut rows = found.rows.clone();
    for n in listed {
        if !rows
            .iter()
            .any(|r| normalise(&r.phone).as_deref() == Some(n))
        {
            rows.push(DoctorRow {
                phone: n.clone(),
                ..DoctorRow::default()
            });
        }
    }
    rows
}

/// The contact rule that holds a doctor (a person may include them), first one first.
fn held(r: &DoctorRow, quiet: bool) -> Option<&'static str> {
    if r.cooling_off {
        Some("cooling_off")
    } else if r.next_allowed {
        Some("next_allowed")
    } else if r.capped {
        Some("contact_cap")
    } else if quiet {
        Some("quiet_hours")
    } else {
        None
    }
}

/// Applies every rule to what the query found, at `now_ms`.
/// `listed`: the numbers asked for by name (`CUSTOMERS_PHONES`, or those an outage notice
/// reached); one Julia does not know is kept (no mark says to leave it out).
pub fn classify(
    cfg: &CustomersConfig,
    found: &Doctors,
    listed: &[String],
    now_ms: i64,
) -> Audience {
    let production = is_production(cfg, &found.environment);
    let quiet = !cfg.hours.open_at(now_ms);
    let mut a = Audience {
        safe_mode: found.safe_mode,
        ..Audience::default()
    };
    let mut seen: Vec<String> = Vec::new();
    let rows = with_listed(found, listed);
    // Any row of a number that must be left out leaves the number out (duplicates after
    // normalisation included): the strictest row wins.
    let out_numbers: Vec<String> = rows
        .iter()
        .filter(|r| r.deleted || r.opted_out || r.blocked)
        .filter_map(|r| normalise(&r.phone))
        .collect();
    for r in &rows {
        let Some(n) = normalise(&r.phone) else {
            bump(
                &mut a.excluded,
                if r.deleted {
                    "deleted"
                } else {
                    "invalid_number"
                },
            );
            continue;
        };
        if seen.contains(&n) {
            bump(&mut a.excluded, "duplicate");
            continue;
        }
        seen.push(n.clone());
        let code = if r.deleted {
            Some("deleted")
        } else if r.opted_out || (out_numbers.contains(&n) && !r.blocked) {
            Some("opted_out")
        } else if r.blocked {
            Some("blocked")
        } else if !production && !cfg.allowlist.contains(&n) {
            Some("not_allowlisted")
        } else {
            None
        };
        if let Some(c) = code {
            bump(&mut a.excluded, c);
            continue;
        }
        let who = Recipient {
            phone: n,
            cliente_id: (!r.id.is_empty()).then(|| r.id.clone()),
        };
        match held(r, quiet) {
            Some(c) => {
                bump(&mut a.held_by, c);
                a.held.push(who);
            }
            None => a.clear.push(who),
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::BusinessHours;

    fn cfg() -> CustomersConfig {
        let env = std::collections::HashMap::new();
        let mut c = CustomersConfig::read(&chatops_core::config::Reader::new(&env));
        c.hours = BusinessHours::parse("always").unwrap();
        c
    }

    fn row(phone: &str) -> DoctorRow {
        DoctorRow {
            id: format!("id-{phone}"),
            phone: phone.into(),
            ..DoctorRow::default()
        }
    }

    #[test]
    fn every_rule_is_counted_once_and_duplicates_removed() {
        let rows = vec![
            row("5511900000001"),
            DoctorRow {
                deleted: true,
                ..row("5511900000002")
            },
            DoctorRow {
                opted_out: true,
                ..row("5511900000003")
            },
            row("11900000001"), // the first number again, before normalisation
            row("123"),
            DoctorRow {
                cooling_off: true,
                ..row("5511900000004")
            },
            DoctorRow {
                capped: true,
                ..row("5511900000005")
            },
        ];
        let found = Doctors {
            environment: "production".into(),
            rows,
            ..Doctors::default()
        };
        let a = classify(&cfg(), &found, &[], 0);
        assert_eq!(a.clear.len(), 1);
        assert_eq!(a.held.len(), 2);
        assert_eq!(
            a.excluded,
            vec![
                ("deleted".to_string(), 1),
                ("opted_out".to_string(), 1),
                ("duplicate".to_string(), 1),
                ("invalid_number".to_string(), 1)
            ]
        );
        assert_eq!(a.recipients(true).len(), 3);
    }

    #[test]
    fn outside_production_only_the_allowlist() {
        let mut c = cfg();
        c.allowlist = vec!["5511900000001".into()];
        let found = Doctors {
            environment: "staging".into(),
            rows: vec![row("5511900000001"), row("5511900000002")],
            ..Doctors::default()
        };
        let a = classify(&c, &found, &[], 0);
        assert_eq!(a.clear.len(), 1);
        assert_eq!(a.excluded, vec![("not_allowlisted".to_string(), 1)]);
        c.app_env = Some("staging".into());
        let found = Doctors {
            environment: "production".into(),
            ..found
        };
        assert_eq!(classify(&c, &found, &[], 0).clear.len(), 1);
    }
}
