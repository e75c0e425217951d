//! A lean HTTP/1.1 client for the acknowledgement benchmarks (`examples/ack_bench.rs`,
//! `examples/ack_profile.rs`): pre-signed `/incident …` slash commands sent over keep-alive
//! connections with hyper's low-level client connection (no pool, no redirects, no timeouts
//! on the hot path), so the load generator takes as little of the machine as it can.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

use crate::app::{now_secs, SECRET};

const FORM: &str = "application/x-www-form-urlencoded";

/// A pre-signed request: body, timestamp header, signature header.
#[derive(Clone)]
pub struct Signed {
    pub body: Bytes,
    pub ts: String,
    pub sig: String,
}

/// `n` distinct signed `/incident <text>` forms (users and trigger ids vary), signed now with
/// the test secret: valid for Slack's 300 s window.
pub fn presign(n: usize, text: &str) -> Arc<Vec<Signed>> {
    let ts = now_secs().to_string();
    let v = (0..n)
        .map(|i| {
            let body = serde_urlencoded::to_string([
                ("token", "legacy"),
                ("team_id", "T1"),
                ("team_domain", "julia"),
                ("channel_id", "C1BENCH"),
                ("channel_name", "bench"),
                ("user_id", &format!("U{:06}", i % 50)),
                ("user_name", "bench"),
                ("command", "/incident"),
                ("text", text),
                ("response_url", "http://127.0.0.1:9/unused"),
                ("trigger_id", &format!("trig.{i}")),
            ])
            .unwrap();
            let sig = chatops_core::signature::sign(SECRET, &ts, body.as_bytes());
            Signed {
                body: Bytes::from(body),
                ts: ts.clone(),
                sig,
            }
        })
        .collect();
    Arc::new(v)
}

/// One keep-alive connection.
pub struct Conn {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Option<Conn> {
        let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        stream.set_nodelay(true).ok()?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .ok()?;
        tokio::spawn(conn);
        Some(Conn {
            sender,
            host: addr.to_string(),
        })
    }

    /// POSTs `s` to `/slack/commands`: (status, body), `None` when the connection failed.
    pub async fn send(&mut self, s: &Signed) -> Option<(u16, Bytes)> {
        let req = hyper::Request::post("/slack/commands")
            .header("host", &self.host)
            .header("content-type", FORM)
            .header("x-slack-request-timestamp", &s.ts)
            .header("x-slack-signature", &s.sig)
            .body(Full::new(s.body.clone()))
            .ok()?;
        self.sender.ready().await.ok()?;
        let r = self.sender.send_request(req).await.ok()?;
        let status = r.status().as_u16();
        let body = r.into_body().collect().await.ok()?.to_bytes();
        Some((status, body))
    }
}

/// The same request with a forged signature.
pub fn forged(s: &Signed) -> Signed {
    Signed {
        sig: format!("v0={}", "0".repeat(64)),
        ..s.clone()
    }
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
