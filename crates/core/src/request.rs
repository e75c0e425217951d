//! What a Slack request is and how the bot answers it, below every flow: the dispatcher
//! ([`crate::slash`]) and the flows ([`incident`], [`julia`]) import these, and
//! nothing here imports a flow.

mod ack;
mod form;

pub use ack::{reply_later, Ack};
pub use form::{BadForm, SlashCommand};
