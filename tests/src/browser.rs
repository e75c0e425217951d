//! A real headless Chromium driven through WebDriver (`fantoccini`), for tests that check what a
//! visitor sees. Each `Browser` starts its own `chromedriver` on a free loopback port with a fresh
//! profile folder, and stops both when dropped.
//!
//! Debian's `chromium` and `chromium-driver` must be installed (`scripts/test.sh` installs them).
//! Without them `Browser::start` panics with what to install: a browser test never passes
//! silently on a machine that cannot run it. `CHROMEDRIVER` and `CHROMIUM` override the paths.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::db::TempDir;

/// The flags every session runs with: headless, no sandbox (CI runs as root), and nothing that
/// reaches out to the network by itself.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
];

/// A phone's viewport width, in CSS pixels.
pub const PHONE_WIDTH: u32 = 375;
const PHONE_HEIGHT: u32 = 812;

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

/// A program on `PATH` (or the override), or a panic naming the package.
fn program(var: &str, names: &[&str], package: &str) -> PathBuf {
    if let Ok(p) = std::env::var(var) {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "browser tests need `{}` (Debian package `{package}`): run `apt-get install chromium \
         chromium-driver` (scripts/test.sh does it) or set {var}",
        names[0]
    );
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    l.local_addr().unwrap().port()
}

impl Browser {
    /// Chromium with a 375-px-wide phone viewport.
    pub async fn phone() -> Browser {
        Browser::start(PHONE_WIDTH, PHONE_HEIGHT).await
    }

    pub async fn start(width: u32, height: u32) -> Browser {
        let driver_bin = program("CHROMEDRIVER", &["chromedriver"], "chromium-driver");
        let chromium = program("CHROMIUM", &["chromium", "chromium-browser"], "chromium");
        let profile = TempDir::new("chatops-chromium");
        let mut last_err = String::new();
        // A port freed by `free_port` may be taken again before chromedriver binds it: retry.
        for _ in 0..5 {
            let port = free_port();
            let mut driver = Command::new(&driver_bin)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver_bin.display()));
            let url = format!("http://127.0.0.1:{port}");
            if !driver_ready(&url, &mut driver).await {
                last_err = format!("chromedriver did not answer on {url}");
                let _ = driver.kill().await;
                continue;
            }
            match session(&url, &chromium, profile.path(), width, height).await {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        _profile: profile,
                    }
                }
                Err(e) => {
                    last_err = format!("chromedriver could not start chromium: {e}");
                    let _ = driver.kill().await;
                }
            }
        }
        panic!("{last_err}");
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("loading {url}: {e}"));
    }

    /// The visible text of the page (what a visitor reads).
    pub async fn text(&self) -> String {
        let body = self.client.find(Locator::Css("body")).await.expect("body");
        body.text().await.expect("body text")
    }

    /// The visible text of the first element matching `css`, or None.
    pub async fn text_of(&self, css: &str) -> Option<String> {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => Some(e.text().await.expect("element text")),
            Err(_) => None,
        }
    }

    /// How many elements match `css`.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    pub async fn script(&self, js: &str) -> Value {
        self.client
            .execute(js, vec![])
            .await
            .unwrap_or_else(|e| panic!("script {js}: {e}"))
    }

    /// `(document width, viewport width)`: the page scrolls sideways when the first is larger.
    pub async fn widths(&self) -> (u64, u64) {
        let v = self
            .script("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        (
            v[0].as_u64().expect("scrollWidth"),
            v[1].as_u64().expect("innerWidth"),
        )
    }

    /// The browser's console messages at SEVERE level since the last call (errors a visitor's
    /// console would show: failed loads, refused content, script errors).
    pub async fn console_errors(&self) -> Vec<String> {
        let v = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("reading the browser log");
        v.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Saves a PNG of the viewport as `<screenshots dir>/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).expect("screenshots folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("writing the screenshot");
        path
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}

/// `target/statuspage-screenshots/` (or under `CARGO_TARGET_DIR`): the artifacts of a run.
pub fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("workspace");
            workspace.join("target")
        });
    target.join("statuspage-screenshots")
}

async fn driver_ready(url: &str, driver: &mut Child) -> bool {
    let http = reqwest::Client::new();
    // Start-up wait, not a timing assertion: chromedriver takes a moment to listen.
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = driver.try_wait() {
            return false;
        }
        if let Ok(r) = http.get(format!("{url}/status")).send().await {
            if let Ok(v) = r.json::<Value>().await {
                if v["value"]["ready"] == true {
                    return true;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn session(
    url: &str,
    chromium: &Path,
    profile: &Path,
    width: u32,
    height: u32,
) -> Result<Client, String> {
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.push(format!("--window-size={width},{height}"));
    let mut caps = Capabilities::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium_binary(chromium),
            "args": args,
            // The viewport itself is `width` CSS pixels wide, like a phone's.
            "mobileEmulation": {
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0, "touch": true }
            }
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(url)
        .await
        .map_err(|e| e.to_string())
}

/// Debian's `/usr/bin/chromium` is a shell wrapper; chromedriver needs the browser itself.
fn chromium_binary(found: &Path) -> String {
    let real = Path::new("/usr/lib/chromium/chromium");
    if found == Path::new("/usr/bin/chromium") && real.is_file() {
        return real.display().to_string();
    }
    found.display().to_string()
}

/// `POST /session/{id}/se/log {"type":"browser"}`: chromedriver's console log (not in the W3C
/// standard, so not a method of fantoccini's client).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or("")))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}
