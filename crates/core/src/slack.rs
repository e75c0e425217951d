//! Slack Web API client: configurable base URL, a timeout on every call, typed `ok:false`
//! errors, 429 `Retry-After`. The token goes only in the `Authorization` header, never logged.

mod client;
mod methods;

pub use client::{
    error_fields, form_pairs, transport, SlackClient, SlackError, Transport, METHODS,
};
