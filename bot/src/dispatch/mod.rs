//! Where every request from Slack is routed: slash commands ([`slash`]), buttons and modals
//! ([`interaction`]), events ([`event`]). Each parses once and hands a typed command to the
//! capability that owns it; `/incident` is routed in [`incident`] (incidents, paging, stats),
//! its buttons and forms in [`incident_interactive`], the App Home tab is [`home`].

pub mod event;
pub mod home;
pub mod incident;
pub mod incident_interactive;
pub mod interaction;
pub mod slash;
