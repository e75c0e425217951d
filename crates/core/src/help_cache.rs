//! The help bodies (`/incident help`, `/julia help`), built and serialized once per process:
//! they depend only on the configured command names and locale, and building the Block Kit
//! value and serializing it was the costliest part of answering help.

use std::sync::OnceLock;

use bytes::Bytes;
use messages::usage::Topic;

use crate::config::Config;

/// One serialized ephemeral body per topic, filled on first use.
#[derive(Debug, Default)]
pub struct HelpCache {
    incident: OnceLock<Bytes>,
    julia: OnceLock<Bytes>,
}

impl HelpCache {
    /// The JSON body answering help on `topic`, as the ack serializes it.
    pub fn body(&self, topic: Topic, cfg: &Config) -> Bytes {
        let cell = match topic {
            Topic::Incident => &self.incident,
            Topic::Julia => &self.julia,
            // The per-subcommand topics are shown inside usage errors, never alone.
            _ => return build(topic, cfg),
        };
        cell.get_or_init(|| build(topic, cfg)).clone()
    }
}

fn build(topic: Topic, cfg: &Config) -> Bytes {
    let msg = messages::usage::help(topic, &cfg.incident_command, &cfg.julia_command, cfg.locale);
    let body = serde_json::to_vec(&msg.ephemeral()).expect("a JSON value serializes");
    Bytes::from(body)
}
