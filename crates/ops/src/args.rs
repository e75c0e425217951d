//! `/ops` grammar: `/ops`, `/ops <system>`, `/ops <system> <action> [args]`, and the typed
//! arguments of an action (`int 0..10`, `enum`, `string` matching a pattern), given in order
//! or as `name=value`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::catalog::{Action, Catalog};
use super::spec::{ArgSpec, ArgType};

/// Typed argument values by name. Secret ones are kept apart so no `Display` shows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Args {
    pub values: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub secret: Vec<String>,
}

impl Args {
    /// `name=value` pairs for messages and the audit log, secrets as `[secret]`.
    pub fn shown(&self) -> String {
        self.values
            .iter()
            .map(|(k, v)| {
                if self.secret.contains(k) {
                    format!("{k}=[secret]")
                } else {
                    match v {
                        serde_json::Value::String(s) => format!("{k}={s}"),
                        other => format!("{k}={other}"),
                    }
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// The template context (every value, secrets included: only rendered into requests).
    pub fn context(&self) -> serde_json::Value {
        serde_json::Value::Object(self.values.clone().into_iter().collect())
    }
    /// The same arguments with secret values blanked (what a stored copy may hold).
    pub fn redacted(&self) -> Args {
        let mut a = self.clone();
        for k in &self.secret {
            a.values.insert(k.clone(), "[secret]".into());
        }
        a
    }
}

pub use messages::ops::ArgProblem;

/// One `/ops` command.
#[derive(Debug, Clone, PartialEq)]
pub enum OpsCmd {
    Help,
    List,
    System(String),
    Run {
        system: String,
        action: String,
        words: Vec<String>,
    },
}

/// `/ops …` text -> command (systems and actions are checked against the catalog later).
pub fn parse(text: &str) -> OpsCmd {
    let words: Vec<String> = text.split_whitespace().map(String::from).collect();
    match words.as_slice() {
        [] => OpsCmd::List,
        [h] if h.eq_ignore_ascii_case("help") => OpsCmd::Help,
        [s] => OpsCmd::System(s.to_lowercase()),
        [s, a, rest @ ..] => OpsCmd::Run {
            system: s.to_lowercase(),
            action: a.to_lowercase(),
            words: rest.to_vec(),
        },
    }
}

/// The closest system name, for "did you mean".
pub fn closest_system(catalog: &Catalog, given: &str) -> Option<String> {
    let names: Vec<&str> = catalog.systems.iter().map(|s| s.name.as_str()).collect();
    chatops_core::text::closest(given, &names)
}

pub fn closest_action(sys: &super::catalog::System, given: &str) -> Option<String> {
    let names: Vec<&str> = sys.actions.iter().map(|a| a.name.as_str()).collect();
    chatops_core::text::closest(given, &names)
}

/// Checks and types the words after the action name.
pub fn typed(action: &Action, words: &[String]) -> Result<Args, ArgProblem> {
    let mut given: BTreeMap<String, String> = BTreeMap::new();
    let mut positional = Vec::new();
    for w in words {
        match w.split_once('=') {
            Some((k, v)) if action.args.iter().any(|a| a.name == k) => {
                if given.insert(k.to_string(), v.to_string()).is_some() {
                    return Err(ArgProblem::Twice(k.to_string()));
                }
            }
            Some((k, _)) if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let names: Vec<&str> = action.args.iter().map(|a| a.name.as_str()).collect();
                return Err(ArgProblem::Unknown {
                    given: chatops_core::text::clean_text(k),
                    suggestion: chatops_core::text::closest(k, &names),
                });
            }
            _ => positional.push(w.clone()),
        }
    }
    let mut positional = positional.into_iter();
    let mut out = Args::default();
    for spec in &action.args {
        let raw = match given.remove(&spec.name) {
            Some(v) => v,
            None => match positional.next() {
                Some(v) => v,
                None => return Err(ArgProblem::Missing(spec.name.clone())),
            },
        };
        out.values.insert(spec.name.clone(), value(spec, &raw)?);
        if spec.secret {
            out.secret.push(spec.name.clone());
        }
    }
    if let Some(extra) = positional.next() {
        return Err(ArgProblem::TooMany(chatops_core::text::clean_text(&extra)));
    }
    Ok(out)
}

fn value(spec: &ArgSpec, raw: &str) -> Result<serde_json::Value, ArgProblem> {
    let name = spec.name.clone();
    match &spec.ty {
        ArgType::Int { min, max } => {
            let n: i64 = raw.parse().map_err(|_| ArgProblem::NotInt {
                name: name.clone(),
                given: chatops_core::text::clean_text(raw),
                min: *min,
                max: *max,
            })?;
            if n < *min || n > *max {
                return Err(ArgProblem::OutOfRange {
                    name,
                    given: n,
                    min: *min,
                    max: *max,
                });
            }
            Ok(n.into())
        }
        ArgType::Enum(values) => values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(raw))
            .map(|v| v.clone().into())
            .ok_or_else(|| ArgProblem::NotOneOf {
                name,
                given: chatops_core::text::clean_text(raw),
                values: values.clone(),
            }),
        ArgType::String { pattern } => {
            let re = regex::Regex::new(&format!("^(?:{pattern})$")).expect("checked at load");
            if re.is_match(raw) {
                Ok(raw.to_string().into())
            } else {
                Err(ArgProblem::NoMatch {
                    name,
                    // A secret that does not match is not echoed either.
                    given: (!spec.secret).then(|| chatops_core::text::clean_text(raw)),
                    pattern: pattern.clone(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, ty: ArgType, secret: bool) -> ArgSpec {
        ArgSpec {
            name: name.into(),
            ty,
            secret,
            description: String::new(),
        }
    }

    #[test]
    fn ints_enums_and_patterns() {
        let i = spec("replicas", ArgType::Int { min: 0, max: 10 }, false);
        assert_eq!(value(&i, "3").unwrap(), serde_json::json!(3));
        assert!(matches!(
            value(&i, "11"),
            Err(ArgProblem::OutOfRange { given: 11, .. })
        ));
        assert!(matches!(value(&i, "x"), Err(ArgProblem::NotInt { .. })));
        let e = spec(
            "mode",
            ArgType::Enum(vec!["on".into(), "off".into()]),
            false,
        );
        assert_eq!(value(&e, "OFF").unwrap(), serde_json::json!("off"));
        assert!(matches!(
            value(&e, "maybe"),
            Err(ArgProblem::NotOneOf { .. })
        ));
        let s = spec(
            "key",
            ArgType::String {
                pattern: "sk_[a-z0-9]+".into(),
            },
            true,
        );
        assert!(value(&s, "sk_abc").is_ok());
        // Anchored: a match inside is not enough; a secret is not echoed.
        assert_eq!(
            value(&s, "xx sk_abc"),
            Err(ArgProblem::NoMatch {
                name: "key".into(),
                given: None,
                pattern: "sk_[a-z0-9]+".into()
            })
        );
    }

    #[test]
    fn the_grammar() {
        assert_eq!(parse(""), OpsCmd::List);
        assert_eq!(parse(" help "), OpsCmd::Help);
        assert_eq!(parse("Kumon"), OpsCmd::System("kumon".into()));
        assert_eq!(
            parse("fabrica scale 3"),
            OpsCmd::Run {
                system: "fabrica".into(),
                action: "scale".into(),
                words: vec!["3".into()]
            }
        );
    }
}
