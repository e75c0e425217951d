//! [`Reader`]: reads variables from one snapshot of the environment, remembering every name
//! read and every problem found.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use super::{checks, ConfigProblem, Secret};

/// Variables read outside [`Config::read`] (logging, the test and fuzz scripts): known, so
/// never reported as a misspelling.
const OTHER_KNOWN: &[&str] = &[
    "RUST_LOG",
    "RUST_BACKTRACE",
    "TEST_DATABASE_URL",
    "CHATOPS_EXTENDED",
    "CHATOPS_FUZZ_SECS",
];

/// Reads variables from one snapshot of the environment. Each check pushes what it finds to
/// `problems` and the value falls back to its default, so one run finds every mistake; every
/// name read is remembered, so a misspelt name can be matched to the one meant.
pub struct Reader<'a> {
    pub env: &'a HashMap<String, String>,
    pub read: RefCell<Vec<&'static str>>,
    pub problems: RefCell<Vec<ConfigProblem>>,
}

impl<'a> Reader<'a> {
    pub fn new(env: &'a HashMap<String, String>) -> Self {
        Reader {
            env,
            read: RefCell::new(Vec::new()),
            problems: RefCell::new(Vec::new()),
        }
    }

    /// The trimmed value; empty means unset.
    pub fn get(&self, var: &'static str) -> Option<String> {
        self.read.borrow_mut().push(var);
        non_empty(self.env.get(var).cloned())
    }

    pub fn problem(&self, var: &str, problem: impl Into<String>) {
        self.problems
            .borrow_mut()
            .push(ConfigProblem::error(var, problem));
    }

    /// Something that works but probably not as meant: reported, never stops the server.
    pub fn warn(&self, var: &str, problem: impl Into<String>) {
        self.problems
            .borrow_mut()
            .push(ConfigProblem::warning(var, problem));
    }

    /// The value checked by `check`; a failed check is a problem and gives `None`.
    pub fn check<T>(
        &self,
        var: &'static str,
        check: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = self.get(var)?;
        match check(&raw) {
            Ok(v) => Some(v),
            Err(p) => {
                self.problem(var, p);
                None
            }
        }
    }

    /// A value whose check returns nothing: kept as is when it passes.
    pub fn checked(
        &self,
        var: &'static str,
        check: impl FnOnce(&str) -> Result<(), String>,
    ) -> Option<String> {
        let raw = self.get(var)?;
        match check(&raw) {
            Ok(()) => Some(raw),
            Err(p) => {
                self.problem(var, p);
                None
            }
        }
    }

    pub fn string(&self, var: &'static str, default: &str) -> String {
        self.get(var).unwrap_or_else(|| default.to_string())
    }

    pub fn duration(&self, var: &'static str, default: &str) -> Duration {
        self.check(var, checks::duration)
            .unwrap_or_else(|| checks::duration(default).expect("default duration"))
    }

    pub fn cadence(&self, var: &'static str, default: &str) -> Option<Duration> {
        match self.get(var) {
            None => checks::cadence(default).expect("default cadence"),
            Some(raw) => checks::cadence(&raw).unwrap_or_else(|p| {
                self.problem(var, p);
                checks::cadence(default).expect("default cadence")
            }),
        }
    }

    pub fn integer<T: TryFrom<i64>>(
        &self,
        var: &'static str,
        default: T,
        range: std::ops::RangeInclusive<i64>,
    ) -> T {
        self.check(var, |v| checks::integer(v, range))
            .and_then(|n| T::try_from(n).ok())
            .unwrap_or(default)
    }

    pub fn boolean(&self, var: &'static str, default: bool) -> bool {
        self.check(var, checks::boolean).unwrap_or(default)
    }

    pub fn users(&self, var: &'static str, groups: bool) -> Vec<String> {
        let l = list(self.get(var));
        if let Err(p) = checks::user_ids(&l, groups) {
            self.problem(var, p);
        }
        l
    }

    pub fn url(&self, var: &'static str, schemes: &[&str]) -> Option<String> {
        self.checked(var, |v| checks::url_with(v, schemes))
            .map(|u| u.trim_end_matches('/').to_string())
    }

    pub fn secret_url(&self, var: &'static str, schemes: &[&str]) -> Option<Secret> {
        self.checked(var, |v| checks::url_with(v, schemes))
            .map(Secret::new)
    }

    /// Every variable in the snapshot that the bot does not read but that is close to one it
    /// does: a warning naming the one probably meant.
    pub fn near_misses(&self) {
        let known: Vec<&str> = self
            .read
            .borrow()
            .iter()
            .chain(OTHER_KNOWN)
            .copied()
            .collect();
        let mut names: Vec<&String> = self.env.keys().collect();
        names.sort();
        for name in names {
            if known.contains(&name.as_str()) {
                continue;
            }
            if let Some(meant) = checks::near_miss(name, known.iter().copied()) {
                self.problems.borrow_mut().push(ConfigProblem::warning(
                    name.as_str(),
                    format!("not a variable the bot reads; did you mean `{meant}`?"),
                ));
            }
        }
    }
}

pub fn list(v: Option<String>) -> Vec<String> {
    v.unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}
