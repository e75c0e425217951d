//! Slack Web API client: configurable base URL, a timeout on every call, typed `ok:false`
//! errors, 429 `Retry-After`. The token goes only in the `Authorization` header, never logged.

mod client;
mod methods;

pub use client::{SlackError, error_fields, SlackClient, Transport, METHODS, transport, form_pairs};


