//! The two types every builder uses: the [`Locale`] words are picked in and the [`Msg`] they
//! make.

use serde::Serialize;
use serde_json::Value;

use crate::blocks::Block;
use crate::limits;

/// The language of every message (`CHATOPS_LOCALE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    PtBr,
}

impl Locale {
    pub fn code(self) -> &'static str {
        self.t("en", "pt-BR")
    }
    /// Picks the words for this locale: the one translation helper, for fixed strings
    /// (`l.t("Resolve", "Resolver")`) and formatted ones (`l.t(format!(…), format!(…))`).
    pub fn t<T>(self, en: T, pt: T) -> T {
        match self {
            Locale::En => en,
            Locale::PtBr => pt,
        }
    }
}

/// A message: plain-text fallback (also the notification text) and optional Block Kit blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Msg {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Value>,
}

impl Msg {
    pub fn text(text: impl Into<String>) -> Self {
        Msg {
            text: text.into(),
            blocks: None,
        }
    }
    pub fn with_blocks(text: impl Into<String>, blocks: Vec<Block>) -> Self {
        Msg {
            text: text.into(),
            blocks: Some(serde_json::to_value(blocks).expect("blocks serialize")),
        }
    }
    /// The same message with one more line (a context block, and a line of the fallback text).
    pub fn with_context_line(mut self, line: &str) -> Self {
        self.text = format!("{}\n{line}", self.text);
        if let Some(Value::Array(blocks)) = &mut self.blocks {
            let b = serde_json::to_value(crate::blocks::context(line)).expect("block serializes");
            blocks.push(b);
        }
        self
    }
    /// The body of a slash-command reply or `response_url` post, shown only to the user.
    /// Fitted to Slack's limits ([`limits::fit_message`]).
    pub fn ephemeral(&self) -> Value {
        let mut v = serde_json::to_value(self).expect("msg serializes");
        limits::fit_message(&mut v);
        v["response_type"] = "ephemeral".into();
        v
    }
    /// The body of a `chat.postMessage` call.
    /// Fitted to Slack's limits ([`limits::fit_message`]).
    pub fn post(&self, channel: &str) -> Value {
        let mut v = serde_json::to_value(self).expect("msg serializes");
        limits::fit_message(&mut v);
        v["channel"] = channel.into();
        v["unfurl_links"] = false.into();
        v
    }
}
