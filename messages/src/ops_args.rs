//! `/ops` typed-argument errors: which argument, why, and the usage line. Nothing runs.

use crate::{escape, Locale, Msg};

/// What is wrong with the typed arguments of `/ops <system> <action> …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgProblem {
    Missing(String),
    TooMany(String),
    Unknown {
        given: String,
        suggestion: Option<String>,
    },
    Twice(String),
    NotInt {
        name: String,
        given: String,
        min: i64,
        max: i64,
    },
    OutOfRange {
        name: String,
        given: i64,
        min: i64,
        max: i64,
    },
    NotOneOf {
        name: String,
        given: String,
        values: Vec<String>,
    },
    /// `given` is `None` for a secret argument (never echoed).
    NoMatch {
        name: String,
        given: Option<String>,
        pattern: String,
    },
}

fn arg_reason(l: Locale, p: &ArgProblem) -> String {
    match p {
        ArgProblem::Missing(n) => l.t(format!("`{n}` is missing"), format!("falta `{n}`")),
        ArgProblem::TooMany(w) => l.t(
            format!("too many arguments (`{}`)", escape(w)),
            format!("argumentos demais (`{}`)", escape(w)),
        ),
        ArgProblem::Unknown { given, suggestion } => {
            let near = suggestion
                .as_deref()
                .map(|s| {
                    l.t(
                        format!("; did you mean `{s}`?"),
                        format!("; quis dizer `{s}`?"),
                    )
                })
                .unwrap_or_default();
            l.t(
                format!("no argument named `{}`{near}", escape(given)),
                format!("nenhum argumento chamado `{}`{near}", escape(given)),
            )
        }
        ArgProblem::Twice(n) => l.t(
            format!("`{n}` is given twice"),
            format!("`{n}` foi dado duas vezes"),
        ),
        other => value_reason(l, other),
    }
}

/// A value of the wrong type, range or shape.
fn value_reason(l: Locale, p: &ArgProblem) -> String {
    match p {
        ArgProblem::NotInt {
            name,
            given,
            min,
            max,
        } => l.t(format!(
                "`{name}` must be a whole number from {min} to {max}; got `{}`",
                escape(given)
            ),
            format!(
                "`{name}` deve ser um número inteiro de {min} a {max}; veio `{}`",
                escape(given)
            ),
        ),
        ArgProblem::OutOfRange {
            name,
            given,
            min,
            max,
        } => l.t(format!("`{name}` must be from {min} to {max}; got {given}"),
            format!("`{name}` deve ser de {min} a {max}; veio {given}"),
        ),
        ArgProblem::NotOneOf {
            name,
            given,
            values,
        } => l.t(format!(
                "`{name}` must be one of {}; got `{}`",
                values.join(", "),
                escape(given)
            ),
            format!(
                "`{name}` deve ser um de {}; veio `{}`",
                values.join(", "),
                escape(given)
            ),
        ),
        ArgProblem::NoMatch {
            name,
            given,
            pattern,
        } => match given {
            Some(g) => l.t(format!("`{name}` must match `{pattern}`; got `{}`", escape(g)),
                format!("`{name}` deve casar com `{pattern}`; veio `{}`", escape(g)),
            ),
            None => l.t(format!("`{name}` must match `{pattern}` (the value given does not; it is secret, so it is not shown)"),
                format!("`{name}` deve casar com `{pattern}` (o valor dado não casa; é secreto, por isso não aparece)"),
            ),
        },
        _ => String::new(),
    }
}

/// A typed-argument error: the reason, then the action's usage line. Nothing was run.
pub fn bad_args(l: Locale, usage_line: &str, p: &ArgProblem) -> Msg {
    Msg::text(l.t(
        format!(
            ":warning: {}. Nothing was run.\nUsage: `{usage_line}`",
            arg_reason(l, p)
        ),
        format!(
            ":warning: {}. Nada foi executado.\nUso: `{usage_line}`",
            arg_reason(l, p)
        ),
    ))
}
