//! A loopback Socket Mode server: accepts WebSocket connections like Slack's `wss://` links,
//! says `hello`, sends envelopes on demand and records every frame the bot sends back (acks).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

enum Cmd {
    Send(String),
    /// Drop the TCP connection without a close frame.
    Drop,
}

#[derive(Default)]
struct Inner {
    conns: Vec<mpsc::UnboundedSender<Cmd>>,
    received: Vec<(usize, Value)>,
    closed: Vec<usize>,
}

#[derive(Clone)]
pub struct FakeSocket {
    inner: Arc<Mutex<Inner>>,
    pub addr: std::net::SocketAddr,
}

impl FakeSocket {
    pub async fn start() -> FakeSocket {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let inner: Arc<Mutex<Inner>> = Default::default();
        let st = inner.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
                    continue;
                };
                let (tx, rx) = mpsc::unbounded_channel();
                let n = {
                    let mut i = st.lock().unwrap();
                    i.conns.push(tx);
                    i.conns.len() - 1
                };
                tokio::spawn(connection(n, ws, rx, st.clone()));
            }
        });
        FakeSocket { inner, addr }
    }

    /// The URL to hand out from `apps.connections.open`.
    pub fn url(&self) -> String {
        format!("ws://{}/link/?ticket=test-ticket&app_id=A0TEST", self.addr)
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.inner.lock().unwrap().conns.len()
    }

    /// Indexes of connections the bot closed (or that were dropped).
    pub fn closed(&self) -> Vec<usize> {
        self.inner.lock().unwrap().closed.clone()
    }

    /// Sends a frame on the newest connection.
    pub fn send(&self, frame: &Value) {
        let i = self.inner.lock().unwrap();
        let tx = i.conns.last().expect("a connection");
        let _ = tx.send(Cmd::Send(frame.to_string()));
    }

    /// Drops the newest connection abruptly (no close frame).
    pub fn drop_newest(&self) {
        let i = self.inner.lock().unwrap();
        let _ = i.conns.last().expect("a connection").send(Cmd::Drop);
    }

    /// Every JSON frame received, with the index of the connection it came on.
    pub fn received(&self) -> Vec<(usize, Value)> {
        self.inner.lock().unwrap().received.clone()
    }

    /// The acks for `envelope_id` received so far.
    pub fn acks_for(&self, envelope_id: &str) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|(_, v)| v["envelope_id"] == envelope_id)
            .map(|(_, v)| v)
            .collect()
    }

    /// Waits for the first ack of `envelope_id`.
    pub async fn ack(&self, envelope_id: &str, timeout: Duration) -> Option<Value> {
        crate::eventually(timeout, || async {
            self.acks_for(envelope_id).into_iter().next()
        })
        .await
    }

    /// Waits until `n` connections were accepted.
    pub async fn wait_connections(&self, n: usize, timeout: Duration) -> bool {
        crate::eventually(timeout, || async {
            (self.connections() >= n).then_some(())
        })
        .await
        .is_some()
    }
}

/// Slack's `hello` frame.
pub fn hello(num_connections: usize) -> Value {
    json!({"type": "hello", "num_connections": num_connections,
           "debug_info": {"host": "applink-fake-1", "build_number": 105, "approximate_connection_time": 18060},
           "connection_info": {"app_id": "A0TEST"}})
}

async fn connection(
    n: usize,
    ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    mut rx: mpsc::UnboundedReceiver<Cmd>,
    st: Arc<Mutex<Inner>>,
) {
    let (mut sink, mut stream) = ws.split();
    let _ = sink
        .send(Message::Text(hello(n + 1).to_string().into()))
        .await;
    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(Cmd::Send(t)) => {
                    if sink.send(Message::Text(t.into())).await.is_err() {
                        break;
                    }
                }
                Some(Cmd::Drop) | None => break,
            },
            m = stream.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                    st.lock().unwrap().received.push((n, v));
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    st.lock().unwrap().closed.push(n);
}
