//! What `check-config` finds wrong: [`ConfigProblem`] (an error stops the server, a warning
//! is logged) and how the list is printed.

/// One thing wrong with the configuration. `chatops check-config` lists every one found in a
/// single run; an [`Level::Error`] stops the server, a [`Level::Warning`] is logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct ConfigProblem {
    /// The variable (or `.env`) the problem is about.
    pub var: String,
    /// What is wrong and what to do, never the value of a secret.
    pub problem: String,
    pub level: Level,
}

/// Kept for callers that take the first problem only (`Config::from_pairs`).
pub type ConfigError = ConfigProblem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

impl ConfigProblem {
    pub fn error(var: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigProblem {
            var: var.into(),
            problem: problem.into(),
            level: Level::Error,
        }
    }
    pub fn warning(var: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigProblem {
            var: var.into(),
            problem: problem.into(),
            level: Level::Warning,
        }
    }
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

/// The problems as `check-config` prints them: errors first, each on its line.
pub fn render_problems(problems: &[ConfigProblem]) -> String {
    let mut out = String::new();
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let warnings = problems.len() - errors;
    if problems.is_empty() {
        out.push_str("No problems found.\n");
        return out;
    }
    out.push_str(&format!(
        "{errors} error{}, {warnings} warning{}:\n",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    ));
    for p in problems.iter().filter(|p| p.is_error()) {
        out.push_str(&format!("  error: {}: {}\n", p.var, p.problem));
    }
    for p in problems.iter().filter(|p| !p.is_error()) {
        out.push_str(&format!("  warning: {}: {}\n", p.var, p.problem));
    }
    out
}
