//! The start-up log: what runs. The store (backend and file or host: never a password),
//! Redis, Socket Mode or HTTP, where `.env` came from, and each feature on or off with the
//! variables that turn it on.

use std::net::SocketAddr;

use crate::settings::Feature;
use crate::Settings as Config;
use chatops_core::config::ConfigProblem;

/// Taken before the configuration moves into the application.
pub struct Summary {
    pub store: String,
    pub redis: String,
    pub slack: String,
    pub env_file: String,
    pub features: Vec<Feature>,
}

impl Summary {
    pub fn of(config: &Config, env_file: &crate::env_file::EnvFile) -> Summary {
        Summary {
            store: chatops_core::store::describe(&config.database_url),
            redis: match &config.redis_url {
                Some(u) => format!("on, {}", host_of(u.expose())),
                None => "off (REDIS_URL unset: dedupe in the store, no rate limit)".into(),
            },
            slack: if config.slack_app_token.is_empty() {
                "HTTP: Slack calls /slack/commands, /slack/events, /slack/interactions \
                 (SLACK_APP_TOKEN unset, so no Socket Mode)"
                    .into()
            } else {
                "Socket Mode (SLACK_APP_TOKEN set; the HTTP endpoints keep working)".into()
            },
            env_file: env_file.summary(),
            features: config.features(),
        }
    }

    /// The lines, in the order they are logged.
    pub fn lines(&self, addr: SocketAddr) -> Vec<String> {
        let mut l = vec![
            format!("listening on {addr}"),
            format!("configuration: {}", self.env_file),
            format!("store: {}", self.store),
            format!("redis: {}", self.redis),
            format!("slack: {}", self.slack),
        ];
        l.extend(self.features.iter().map(|f| format!("feature {f}")));
        l
    }

    /// One info line each (the same text in JSON logs, as `message`).
    pub fn log(&self, addr: SocketAddr) {
        for line in self.lines(addr) {
            tracing::info!("{line}");
        }
    }
}

/// Warnings (a misspelt variable name…) once each, at start.
pub fn log_problems(problems: &[ConfigProblem]) {
    for p in problems {
        tracing::warn!(var = %p.var, "configuration: {}", p.problem);
    }
}

/// `redis://user:pw@host:6379/0` -> `host:6379`.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let rest = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    rest.split(['/', '?']).next().unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_runs_and_never_a_password() {
        let c = Config::from_pairs(&[
            (
                "DATABASE_URL",
                "postgres://bot:dbpw@db.internal:6543/chatops",
            ),
            ("REDIS_URL", "redis://:redispw@cache.internal:6379/0"),
            ("SLACK_APP_TOKEN", "xapp-1-secret"),
        ])
        .unwrap();
        let s = Summary::of(&c, &Default::default());
        let all = s.lines("127.0.0.1:3000".parse().unwrap()).join("\n");
        assert!(
            all.contains("store: PostgreSQL at db.internal:6543 (database `chatops`)"),
            "{all}"
        );
        assert!(all.contains("redis: on, cache.internal:6379"), "{all}");
        assert!(all.contains("slack: Socket Mode"), "{all}");
        assert!(
            all.contains("feature julia railway: off, set RAILWAY_API_TOKEN or RAILWAY_TOKEN"),
            "{all}"
        );
        assert!(all.contains("feature socket mode: on"), "{all}");
        for secret in ["dbpw", "redispw", "secret"] {
            assert!(!all.contains(secret), "{all}");
        }
        let c = Config::from_pairs(&[]).unwrap();
        let all = Summary::of(&c, &Default::default())
            .lines("127.0.0.1:3000".parse().unwrap())
            .join("\n");
        assert!(
            all.contains("store: SQLite file ./data/chatops.db"),
            "{all}"
        );
        assert!(all.contains("redis: off (REDIS_URL unset"), "{all}");
        assert!(all.contains("slack: HTTP"), "{all}");
    }
}
