//! The runbook catalog, checked: systems, their guards and actions with typed arguments and
//! kinds. [`load`] reads `RUNBOOKS_FILE` and returns every problem with its line.

use std::time::Duration;

use serde_saphyr::Spanned;

use super::kinds::Kind;
use super::raw::{RawAction, RawArg, RawCheck, RawFile, RawFollowUp, RawSql, RawSystem};
use super::spec::{env_name, env_refs, http_check, ArgSpec, ArgType, Check, FollowUp, SqlCheck};

#[derive(Debug, Clone)]
pub struct Catalog {
    pub path: String,
    pub systems: Vec<System>,
}

#[derive(Debug, Clone)]
pub struct System {
    pub name: String,
    pub description: String,
    /// User ids and user group ids; empty: the bot's admins (`CHATOPS_ADMINS`/`_GROUP`).
    pub admins: Vec<String>,
    pub announce: Option<String>,
    pub guard: Option<Check>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone)]
pub struct Action {
    pub name: String,
    pub description: String,
    pub writes: bool,
    pub privileged: bool,
    pub confirm: bool,
    pub args: Vec<ArgSpec>,
    pub kind: Kind,
    pub follow_up: Option<FollowUp>,
}

/// One problem in the file: its line (0 when unknown) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub reason: String,
}

impl Catalog {
    pub fn system(&self, name: &str) -> Option<&System> {
        self.systems.iter().find(|s| s.name == name)
    }
    /// Every `${VAR}` and `*_env` the catalog reads from the environment.
    pub fn env_vars(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for s in &self.systems {
            if let Some(g) = &s.guard {
                v.extend(check_env(g));
            }
            for a in &s.actions {
                v.extend(a.kind.env_vars());
                if let Some(f) = &a.follow_up {
                    v.extend(check_env(&f.check));
                }
            }
        }
        v.sort();
        v.dedup();
        v
    }
}

impl System {
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.name == name)
    }
}

fn check_env(c: &Check) -> Vec<String> {
    match c {
        Check::Http(h) => {
            let mut v = env_refs(&h.url);
            for (_, val) in &h.headers {
                v.extend(env_refs(val));
            }
            v
        }
        Check::Sql(s) => vec![s.database_url_env.clone()],
    }
}

/// Reads and checks the catalog at `path`. Errors are `path:line: reason`, every one found.
pub fn load(path: &str) -> Result<Catalog, Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("{path}: cannot read the runbook file: {e}")])?;
    parse(path, &text).map_err(|problems| {
        problems
            .into_iter()
            .map(|p| {
                if p.line > 0 {
                    format!("{path}:{}: {}", p.line, p.reason)
                } else {
                    format!("{path}: {}", p.reason)
                }
            })
            .collect()
    })
}

/// Checks a catalog's text (`path` is only named in the result).
pub fn parse(path: &str, text: &str) -> Result<Catalog, Vec<Problem>> {
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0);
        // The message's first line: the rest is a rendered snippet of the file.
        let msg = e.to_string();
        let reason = msg.lines().next().unwrap_or("not valid YAML").to_string();
        vec![Problem { line, reason }]
    })?;
    let mut problems = Vec::new();
    let mut systems: Vec<System> = Vec::new();
    for s in raw.systems {
        let line = s.referenced.line();
        if let Some(sys) = system(s, &mut problems) {
            if systems.iter().any(|x| x.name == sys.name) {
                problems.push(Problem {
                    line,
                    reason: format!("system `{}` is defined twice", sys.name),
                });
            }
            systems.push(sys);
        }
    }
    if problems.is_empty() {
        Ok(Catalog {
            path: path.to_string(),
            systems,
        })
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

/// A system or action name: what is typed after `/ops`.
fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 40
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && n != "help"
}

fn system(s: Spanned<RawSystem>, problems: &mut Vec<Problem>) -> Option<System> {
    let RawSystem {
        name,
        description,
        admins,
        announce,
        guard,
        actions,
    } = s.value;
    let mut ok = true;
    let mut bad = |line: u64, reason: String| {
        problems.push(Problem { line, reason });
        false
    };
    if !valid_name(&name.value) {
        ok &= bad(
            name.referenced.line(),
            format!(
                "system name `{}`: use lower-case letters, digits, `-` or `_` (not `help`)",
                name.value
            ),
        );
    }
    let admins_list = admins.as_ref().map(|a| a.value.clone()).unwrap_or_default();
    if let Some(a) = &admins {
        if let Err(e) = chatops_core::config::checks::user_ids(&a.value, true) {
            ok &= bad(a.referenced.line(), format!("admins: {e}"));
        }
    }
    if let Some(c) = &announce {
        if let Err(e) = chatops_core::config::checks::channel_id(&c.value) {
            ok &= bad(c.referenced.line(), format!("announce: {e}"));
        }
    }
    let guard = match guard {
        None => None,
        Some(g) => {
            let line = g.referenced.line();
            match check(g.value, line) {
                Ok(c) => Some(c),
                Err(p) => {
                    problems.push(p);
                    ok = false;
                    None
                }
            }
        }
    };
    if actions.is_empty() {
        problems.push(Problem {
            line: s.referenced.line(),
            reason: format!("system `{}` has no actions", name.value),
        });
        ok = false;
    }
    let start = problems.len();
    let out = actions_of(&name.value, actions, problems);
    ok &= problems.len() == start;
    ok.then(|| System {
        name: name.value,
        description,
        admins: admins_list,
        announce: announce.map(|a| a.value),
        guard,
        actions: out,
    })
}

/// The system's actions; each problem (and a name used twice) is pushed with its line.
fn actions_of(
    system: &str,
    actions: Vec<Spanned<RawAction>>,
    problems: &mut Vec<Problem>,
) -> Vec<Action> {
    let mut out: Vec<Action> = Vec::new();
    for a in actions {
        let line = a.referenced.line();
        if let Some(act) = action(a.value, line, problems) {
            if out.iter().any(|x| x.name == act.name) {
                problems.push(Problem {
                    line,
                    reason: format!("action `{}` is defined twice in `{system}`", act.name),
                });
            }
            out.push(act);
        }
    }
    out
}

fn action(a: RawAction, line: u64, problems: &mut Vec<Problem>) -> Option<Action> {
    let start = problems.len();
    if !valid_name(&a.name.value) {
        problems.push(Problem {
            line: a.name.referenced.line(),
            reason: format!(
                "action name `{}`: use lower-case letters, digits, `-` or `_` (not `help`)",
                a.name.value
            ),
        });
    }
    let args = args_of(a.args, problems);
    let params_line = a
        .params
        .as_ref()
        .map(|p| p.referenced.line())
        .unwrap_or(line);
    let params = a.params.map(|p| p.value).unwrap_or_default();
    let kind = Kind::from_raw(&a.kind.value, params, &args).map_err(|reason| Problem {
        line: if reason.starts_with("unknown kind") {
            a.kind.referenced.line()
        } else {
            params_line
        },
        reason: format!("action `{}`: {reason}", a.name.value),
    });
    let kind = match kind {
        Ok(k) => Some(k),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    let follow_up = match a.follow_up {
        None => None,
        Some(f) => {
            let l = f.referenced.line();
            match follow_up(f.value, l) {
                Ok(f) => Some(f),
                Err(p) => {
                    problems.push(p);
                    None
                }
            }
        }
    };
    let kind = kind?;
    if problems.len() > start {
        return None;
    }
    let writes = a.writes.unwrap_or(false);
    if writes != kind.writes() {
        problems.push(Problem {
            line,
            reason: format!(
                "action `{}`: kind `{}` {}; set `writes: {}`",
                a.name.value,
                kind.name(),
                if kind.writes() {
                    "changes something"
                } else {
                    "only reads"
                },
                kind.writes()
            ),
        });
        return None;
    }
    Some(Action {
        name: a.name.value,
        description: a.description,
        writes,
        privileged: a.privileged.unwrap_or(writes),
        confirm: a.confirm.unwrap_or(writes),
        args,
        kind,
        follow_up,
    })
}

fn args_of(raw: Vec<Spanned<RawArg>>, problems: &mut Vec<Problem>) -> Vec<ArgSpec> {
    let mut args: Vec<ArgSpec> = Vec::new();
    for r in raw {
        let line = r.referenced.line();
        match arg(r.value) {
            Ok(spec) if args.iter().any(|x| x.name == spec.name) => problems.push(Problem {
                line,
                reason: format!("argument `{}` is declared twice", spec.name),
            }),
            Ok(spec) => args.push(spec),
            Err(reason) => problems.push(Problem { line, reason }),
        }
    }
    args
}

fn arg(r: RawArg) -> Result<ArgSpec, String> {
    if !valid_name(&r.name) || r.name.contains('-') {
        return Err(format!(
            "argument name `{}`: use lower-case letters, digits or `_`",
            r.name
        ));
    }
    let ty = match r.ty.as_str() {
        "int" => {
            let (Some(min), Some(max)) = (r.min, r.max) else {
                return Err(format!(
                    "argument `{}`: an `int` needs `min` and `max`",
                    r.name
                ));
            };
            if min > max {
                return Err(format!("argument `{}`: min {min} > max {max}", r.name));
            }
            ArgType::Int { min, max }
        }
        "enum" => {
            let values = r.values.clone().unwrap_or_default();
            if values.is_empty() {
                return Err(format!("argument `{}`: an `enum` needs `values`", r.name));
            }
            ArgType::Enum(values)
        }
        "string" => {
            let Some(p) = r.pattern.clone() else {
                return Err(format!(
                    "argument `{}`: a `string` needs a `pattern` (a regular expression the whole value must match)",
                    r.name
                ));
            };
            let anchored = format!("^(?:{p})$");
            regex::Regex::new(&anchored)
                .map_err(|e| format!("argument `{}`: pattern: {e}", r.name))?;
            ArgType::String { pattern: p }
        }
        other => {
            return Err(format!(
                "argument `{}`: type `{other}` is not one of int, enum, string",
                r.name
            ))
        }
    };
    let extra = match &ty {
        ArgType::Int { .. } => r.values.is_some() || r.pattern.is_some(),
        ArgType::Enum(_) => r.min.is_some() || r.max.is_some() || r.pattern.is_some(),
        ArgType::String { .. } => r.min.is_some() || r.max.is_some() || r.values.is_some(),
    };
    if extra {
        return Err(format!(
            "argument `{}`: `min`/`max` go with int, `values` with enum, `pattern` with string",
            r.name
        ));
    }
    Ok(ArgSpec {
        name: r.name,
        ty,
        secret: r.secret,
        description: r.description,
    })
}

fn sql_check(s: RawSql) -> Result<SqlCheck, String> {
    env_name(&s.database_url_env)?;
    if s.query.trim().is_empty() {
        return Err("sql: `query` is empty".into());
    }
    Ok(SqlCheck {
        database_url_env: s.database_url_env,
        query: s.query,
        expect: s.expect,
    })
}

fn check(c: RawCheck, line: u64) -> Result<Check, Problem> {
    let p = |reason: String| Problem { line, reason };
    match (c.http, c.sql) {
        (Some(h), None) => http_check(h)
            .map(Check::Http)
            .map_err(|e| p(format!("guard: {e}"))),
        (None, Some(s)) => sql_check(s)
            .map(Check::Sql)
            .map_err(|e| p(format!("guard: {e}"))),
        _ => Err(p("guard: give exactly one of `http` and `sql`".into())),
    }
}

fn follow_up(f: RawFollowUp, line: u64) -> Result<FollowUp, Problem> {
    let p = |reason: String| Problem { line, reason };
    let c = match (f.http, f.sql) {
        (Some(h), None) => Check::Http(http_check(h).map_err(|e| p(format!("follow_up: {e}")))?),
        (None, Some(s)) => Check::Sql(sql_check(s).map_err(|e| p(format!("follow_up: {e}")))?),
        _ => return Err(p("follow_up: give exactly one of `http` and `sql`".into())),
    };
    let within = humantime::parse_duration(&f.within)
        .map_err(|e| p(format!("follow_up: within `{}`: {e}", f.within)))?;
    let every = match &f.every {
        None => Duration::from_secs(5),
        Some(e) => humantime::parse_duration(e)
            .map_err(|err| p(format!("follow_up: every `{e}`: {err}")))?,
    };
    if within.is_zero() || within > Duration::from_secs(3600) {
        return Err(p("follow_up: `within` must be between 1s and 1h".into()));
    }
    if every.is_zero() || every > within {
        return Err(p(
            "follow_up: `every` must be more than 0 and at most `within`".into(),
        ));
    }
    Ok(FollowUp {
        check: c,
        within,
        every,
    })
}
