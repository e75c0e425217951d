//! Deploy files at the repo root stay in step with the code: `.env.example` documents every
//! environment variable the code reads, and the Dockerfile / railway.toml point at real routes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    let p = repo_root().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `NAME` in `get("NAME")` / `var("NAME")` / `env!("NAME")`-style reads in handlers and bot.
fn variables_read_by_the_code() -> BTreeSet<String> {
    let mut files = Vec::new();
    for dir in ["crates", "bot/src"] {
        rust_files(&repo_root().join(dir), &mut files);
    }
    let mut vars = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for opener in ["get(\"", "var(\"", "var_os(\""] {
            for (i, _) in text.match_indices(opener) {
                let rest = &text[i + opener.len()..];
                let name: String = rest.chars().take_while(|c| *c != '"').collect();
                let is_env_name = name.len() > 2
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    && name.starts_with(|c: char| c.is_ascii_uppercase());
                if is_env_name {
                    vars.insert(name);
                }
            }
        }
    }
    vars
}

/// Variables `.env.example` documents, set or commented out (`VAR=` / `# VAR=`).
fn documented() -> BTreeSet<String> {
    read(".env.example")
        .lines()
        .filter_map(|l| {
            let l = l.trim_start_matches('#').trim();
            let (name, _) = l.split_once('=')?;
            name.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                .then(|| name.to_string())
        })
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn env_example_documents_every_variable_the_code_reads() {
    let mut read_by_code = variables_read_by_the_code();
    // The configuration's own list: every name `Config::read` reads, whatever the helper.
    read_by_code.extend(bot::Settings::variables().into_iter().map(String::from));
    for sure in [
        "SLACK_SIGNING_SECRET",
        "DATABASE_URL",
        "POSTMORTEM_REVIEW_DUE",
    ] {
        assert!(
            read_by_code.contains(sure),
            "scanner missed {sure}: {read_by_code:?}"
        );
    }
    let documented = documented();
    let missing: Vec<_> = read_by_code.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        ".env.example does not document {missing:?}"
    );
}

#[test]
fn env_example_has_no_inline_comments_and_one_entry_per_variable() {
    let mut seen = BTreeSet::new();
    for line in read(".env.example").lines() {
        let entry = line.trim_start_matches("# ");
        let Some((name, value)) = entry.split_once('=') else {
            continue;
        };
        if !name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            || name.is_empty()
        {
            continue;
        }
        assert!(
            !value.contains(" #") && !value.contains(' '),
            "{name}: value must be bare (docker --env-file keeps comments): `{value}`"
        );
        assert!(seen.insert(name.to_string()), "{name} is listed twice");
    }
    // Defaults shown equal the built-in ones.
    let config = bot::Settings::from_pairs(&[]).unwrap();
    let text = read(".env.example");
    for (name, default) in [
        ("INCIDENT_COMMAND", config.incident_command.as_str()),
        ("JULIA_COMMAND", config.julia_command.as_str()),
        ("SLACK_API_URL", config.slack_api_url.as_str()),
        ("DATABASE_URL", config.database_url.as_str()),
        ("BIND_ADDR", config.bind_addr.as_str()),
    ] {
        assert!(
            text.contains(&format!("{name}={default}\n")),
            "{name} default should read {default}"
        );
    }
    assert!(text.contains(&format!("PORT={}\n", config.port)));
    assert!(text.contains(&format!(
        "RATE_LIMIT_PER_MINUTE={}\n",
        config.rate_limit_per_minute
    )));
}

#[test]
fn dockerfile_and_railway_point_at_real_routes() {
    let docker = read("Dockerfile");
    assert!(docker.contains("cargo build --release --locked -p chatops"));
    assert!(docker.contains("ENTRYPOINT [\"chatops\"]") && docker.contains("CMD [\"serve\"]"));
    assert!(
        docker.contains("/health HTTP/1.0"),
        "HEALTHCHECK hits /health"
    );
    assert!(docker.contains("\nUSER "), "runs as a non-root user");
    assert!(
        !docker.contains("\nVOLUME"),
        "Railway rejects VOLUME; use a Railway volume instead"
    );
    let railway = read("railway.toml");
    assert!(railway.contains("builder = \"DOCKERFILE\""));
    assert!(railway.contains("startCommand = \"chatops serve\""));
    assert!(railway.contains("healthcheckPath = \"/health/ready\""));
    assert!(railway.contains("restartPolicyType = \"ON_FAILURE\""));
}

#[tokio::test]
async fn the_health_paths_used_by_docker_and_railway_answer_200() {
    let db = testkit::TestDb::sqlite().await;
    let slack = testkit::FakeSlack::start().await;
    let app = testkit::spawn_app(&db, &slack, testkit::AppOptions::default()).await;
    for path in ["/health", "/health/ready"] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    // What the HEALTHCHECK sends: HTTP/1.0, then the status line.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut buf))
        .await
        .expect("HTTP/1.0: the server closes the connection after answering")
        .unwrap();
    let head = String::from_utf8_lossy(&buf);
    assert!(
        head.lines().next().unwrap_or("").contains(" 200 "),
        "{head}"
    );
    app.kill();
}
