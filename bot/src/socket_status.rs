//! Socket Mode's connection state, shared with `/health/ready`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Disabled,
    Connecting,
    Connected,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Disabled => "disabled",
            State::Connecting => "connecting",
            State::Connected => "connected",
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: State,
    since: Instant,
    connections_opened: u64,
    last_error: Option<String>,
    last_disconnect: Option<String>,
}

/// The Socket Mode state, shared with `/health/ready`.
#[derive(Debug)]
pub struct Status(Mutex<Inner>);

impl Status {
    pub fn new(enabled: bool) -> Arc<Status> {
        Arc::new(Status(Mutex::new(Inner {
            state: if enabled {
                State::Connecting
            } else {
                State::Disabled
            },
            since: Instant::now(),
            connections_opened: 0,
            last_error: None,
            last_disconnect: None,
        })))
    }

    pub fn state(&self) -> State {
        self.0.lock().expect("status lock").state
    }

    pub(crate) fn set(&self, state: State) {
        let mut i = self.0.lock().expect("status lock");
        if i.state != state {
            i.state = state;
            i.since = Instant::now();
        }
        if state == State::Connected {
            i.connections_opened += 1;
        }
    }

    pub(crate) fn error(&self, e: &str) {
        self.0.lock().expect("status lock").last_error = Some(e.to_string());
    }

    pub(crate) fn disconnect(&self, reason: &str) {
        self.0.lock().expect("status lock").last_disconnect = Some(reason.to_string());
    }

    /// The `checks.socket_mode` entry of `/health/ready`.
    pub fn health(&self) -> Value {
        let i = self.0.lock().expect("status lock");
        let mut v = json!({"status": i.state.as_str()});
        if i.state != State::Disabled {
            v["since_secs"] = i.since.elapsed().as_secs().into();
            v["connections_opened"] = i.connections_opened.into();
            if i.state == State::Connecting {
                v["detail"] = "reconnecting; HTTP endpoints keep serving".into();
            }
            if let Some(e) = &i.last_error {
                v["last_error"] = e.clone().into();
            }
            if let Some(r) = &i.last_disconnect {
                v["last_disconnect"] = r.clone().into();
            }
        }
        v
    }
}
