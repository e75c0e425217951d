//! A throwaway `redis-server` on a free loopback port, stopped when dropped
//! (`scripts/test.sh` installs `redis-server` where it is missing).

use std::time::Duration;

pub struct Redis {
    pub child: std::process::Child,
    pub port: u16,
}

impl Redis {
    pub fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/test.sh installs it)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Redis { child, port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops it now (as an outage would).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// One inline command; returns the first reply line.
    pub fn cmd(&self, c: &str) -> String {
        use std::io::{BufRead, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.write_all(format!("{c}\r\n").as_bytes()).unwrap();
        let mut line = String::new();
        std::io::BufReader::new(s).read_line(&mut line).unwrap();
        line.trim().to_string()
    }
}

impl Redis {
    /// `GET key`: the value, or `None` when the key does not exist.
    pub fn get(&self, key: &str) -> Option<String> {
        use std::io::{BufRead, Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.write_all(format!("GET {key}\r\n").as_bytes()).unwrap();
        let mut r = std::io::BufReader::new(s);
        let mut head = String::new();
        r.read_line(&mut head).unwrap();
        let len: i64 = head.trim().trim_start_matches('$').parse().ok()?;
        if len < 0 {
            return None;
        }
        let mut buf = vec![0u8; len as usize];
        r.read_exact(&mut buf).unwrap();
        Some(String::from_utf8(buf).unwrap())
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}
