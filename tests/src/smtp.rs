//! A real SMTP server on a free loopback port: Python's `aiosmtpd` (Debian's `python3-aiosmtpd`,
//! installed by `scripts/test.sh`) in its own process, not a mocked transport. It requires
//! `AUTH` with the given login (PLAIN or LOGIN, offered without TLS on loopback only: aiosmtpd's
//! `auth_require_tls=False`), and keeps every message exactly as it came over the wire (the
//! DATA bytes) with its envelope. [`SmtpServer::mails`] reads them back with Python's own
//! `email` parser, as a mail client would: headers, the decoded subject, each part decoded
//! with its charset. [`SmtpServer::stop`] / [`SmtpServer::restart`] make an outage.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::TempDir;

/// Debian's interpreter: `python3-aiosmtpd` is installed for it (a `python3` earlier on the
/// PATH, e.g. pyenv's, may not have it).
const PYTHON: &str = "/usr/bin/python3";

const SERVER: &str = r#"
import json, os, signal, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

host, port, spool, user, password = sys.argv[1:6]

def authenticator(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
    return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

class Keep:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(spool, "%d" % time.time_ns())
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(name + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "login": (session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None)}, f)
        os.rename(name + ".tmp", name + ".eml")
        return "250 OK"

c = Controller(Keep(), hostname=host, port=int(port), authenticator=authenticator,
               auth_required=True, auth_require_tls=False)
c.start()
print("ready", flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT])
c.stop()
"#;

const READ: &str = r#"
import email, email.policy, json, os, sys
from email.header import decode_header, make_header
spool = sys.argv[1]
out = []
for n in sorted(f for f in os.listdir(spool) if f.endswith(".eml")):
    raw = open(os.path.join(spool, n), "rb").read()
    env = json.load(open(os.path.join(spool, n[:-4] + ".json")))
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    parts = []
    for p in m.walk():
        if p.is_multipart():
            continue
        cs = p.get_content_charset() or "us-ascii"
        parts.append({"type": p.get_content_type(), "charset": cs,
                      "encoding": p.get("Content-Transfer-Encoding", ""),
                      "text": p.get_payload(decode=True).decode(cs)})
    out.append({"raw": raw.decode("ascii", "replace"), "envelope": env,
                "headers": [[k, str(v)] for k, v in m.items()],
                "subject": str(make_header(decode_header(m.get("Subject", "")))),
                "content_type": m.get_content_type(), "parts": parts})
print(json.dumps(out))
"#;

/// One message as it arrived.
#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    /// The DATA bytes as they came (non-ASCII bytes replaced: a proper mail has none).
    pub raw: String,
    /// `mail_from`, `rcpt_tos`, `login`.
    pub envelope: Value,
    pub headers: Vec<(String, String)>,
    /// The Subject, decoded (RFC 2047).
    pub subject: String,
    pub content_type: String,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Part {
    #[serde(rename = "type")]
    pub kind: String,
    pub charset: String,
    pub encoding: String,
    /// Decoded with its charset.
    pub text: String,
}

impl Mail {
    /// The first header named `name` (case-insensitive), as it was written (unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
    }
    /// The decoded part of this MIME type.
    pub fn part(&self, kind: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.kind == kind)
    }
    pub fn rcpt_tos(&self) -> Vec<String> {
        self.envelope["rcpt_tos"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    }
}

pub struct SmtpServer {
    pub port: u16,
    pub user: String,
    pub password: String,
    spool: TempDir,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts the server; it accepts `user` / `password` only.
    pub fn start(user: &str, password: &str) -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut s = SmtpServer {
            port,
            user: user.into(),
            password: password.into(),
            spool: TempDir::new("chatops-test-smtp"),
            child: None,
        };
        s.restart();
        s
    }

    /// The bot's variables for this server (no TLS: loopback).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SMTP_HOST", "127.0.0.1".into()),
            ("SMTP_PORT", self.port.to_string()),
            ("SMTP_SECURITY", "none".into()),
            ("SMTP_USERNAME", self.user.clone()),
            ("SMTP_PASSWORD", self.password.clone()),
            (
                "SMTP_FROM",
                "Julia Incidentes <incidentes@julia.example.com>".into(),
            ),
            ("SMTP_TIMEOUT", "3s".into()),
        ]
    }

    fn spool(&self) -> PathBuf {
        self.spool.path().to_path_buf()
    }

    /// Stops it (an outage): connections are refused until [`SmtpServer::restart`].
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // The port is free again once nothing answers.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts it again on the same port, keeping what it received.
    pub fn restart(&mut self) {
        self.stop();
        let mut child = Command::new(PYTHON)
            .args(["-c", SERVER, "127.0.0.1", &self.port.to_string()])
            .arg(self.spool())
            .args([&self.user, &self.password])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test.sh installs python3-aiosmtpd)");
        use std::io::BufRead;
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("aiosmtpd starts");
        assert_eq!(
            line.trim(),
            "ready",
            "aiosmtpd did not start: is python3-aiosmtpd installed?"
        );
        self.child = Some(child);
    }

    /// Every message received so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        let out = Command::new(PYTHON)
            .args(["-c", READ])
            .arg(self.spool())
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "reading the spool failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("spool JSON")
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
