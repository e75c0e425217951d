//! The grammar: slash-command text -> typed commands. Raw strings stop here.
//!
//! `/incident …` parses into [`IncidentCmd`] ([`incident`]), `/julia …` into [`JuliaCmd`]
//! ([`julia`]). A parse error is a [`messages::usage::Problem`] that `messages` renders as usage
//! help. `/julia`'s grammar is the Julia capability's own (`julia::command`); the words shared by
//! every grammar (cleaning text, "did you mean") are `chatops_core::text`.

mod incident;
#[cfg(test)]
mod tests;

pub use chatops_core::ids::{IncidentId, IncidentTitle, UserId};
pub use chatops_core::text::{clean_text, closest, split_first, text_arg, TEXT_MAX};
pub use incident::{parse_incident, IncidentCmd, INCIDENT_SUBCOMMANDS};
pub use julia::command::{parse_julia, JuliaCmd, JULIA_SUBCOMMANDS};
