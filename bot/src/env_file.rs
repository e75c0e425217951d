//! `./.env`: read by the binary itself for every subcommand (not only by `scripts/run.sh`).
//! A variable already set in the environment wins over the file, so Railway's or the shell's
//! values are never overridden. Parsed by `dotenvy` (the maintained fork of `dotenv`): quotes,
//! `export`, comments and `${VAR}` work as in the shell and in `docker --env-file`.

use std::path::{Path, PathBuf};

use chatops_core::config::ConfigProblem;

/// What reading `.env` did.
#[derive(Debug, Default)]
pub struct EnvFile {
    /// The file read, when there was one.
    pub path: Option<PathBuf>,
    /// Variables set from it.
    pub applied: Vec<String>,
    /// Variables it has that the environment already set (the environment won).
    pub kept: Vec<String>,
    /// Lines that could not be read (by number: the content may hold a secret).
    pub problems: Vec<ConfigProblem>,
}

/// Reads `path` (normally `./.env`) into the process environment without overriding
/// variables already set. Must run before any other thread exists (`set_var`).
pub fn load(path: &Path) -> EnvFile {
    let mut out = EnvFile::default();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) => {
            out.problems.push(ConfigProblem::error(
                path.display().to_string(),
                format!("cannot be read: {e}"),
            ));
            return out;
        }
    };
    out.path = Some(path.to_path_buf());
    for item in dotenvy::Iter::new(text.as_bytes()) {
        match item {
            Ok((k, v)) => {
                if std::env::var_os(&k).is_some() {
                    out.kept.push(k);
                } else {
                    std::env::set_var(&k, v);
                    out.applied.push(k);
                }
            }
            Err(dotenvy::Error::LineParse(line, _)) => {
                // `line` is the whole line or only its value: find the first line holding it.
                let first = line.lines().next().unwrap_or("").trim();
                let n = text
                    .lines()
                    .position(|l| !first.is_empty() && l.contains(first))
                    .map(|i| format!("line {}", i + 1))
                    .unwrap_or_else(|| "a line".into());
                out.problems.push(ConfigProblem::error(
                    path.display().to_string(),
                    format!(
                        "{n} cannot be read; write `NAME=value`, and quote a value that has \
                         spaces, `#` or quotes"
                    ),
                ));
            }
            Err(e) => out.problems.push(ConfigProblem::error(
                path.display().to_string(),
                format!("cannot be read: {e}"),
            )),
        }
    }
    out
}

impl EnvFile {
    fn count(&self) -> String {
        match self.applied.len() {
            1 => "1 variable read".into(),
            n => format!("{n} variables read"),
        }
    }

    /// One line for check-config and the start-up log.
    pub fn summary(&self) -> String {
        match &self.path {
            None => "no .env in the current folder (the environment only)".into(),
            Some(p) if self.kept.is_empty() => {
                format!("{}: {}", p.display(), self.count())
            }
            Some(p) => format!(
                "{}: {}; already set in the environment, so not taken from it: {}",
                p.display(),
                self.count(),
                self.kept.join(", ")
            ),
        }
    }
}
