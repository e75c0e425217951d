//! The repository stands on its own: a clone of it alone (nothing beside it) refers to nothing
//! outside it and has the specs its tests validate against; the vendored specs are the published
//! files, byte for byte; and a failing test leaves no database or folder behind.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};
use testkit::{specs, TempDir, TestDb};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn sha256_hex(path: &Path) -> String {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    hex::encode(Sha256::digest(&bytes))
}

/// `file -> sha256` from the table in `<specs dir>/README.md`.
fn recorded_checksums(specs_dir: &Path) -> BTreeMap<String, String> {
    let readme = read(&specs_dir.join("README.md"));
    let mut out = BTreeMap::new();
    for line in readme.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | file | repo | path | commit | licence | sha256 |
        if cells.len() < 7 {
            continue;
        }
        let file = cells[1].trim_matches('`');
        let sum = cells[6].trim_matches('`');
        if sum.len() == 64 && sum.chars().all(|c| c.is_ascii_hexdigit()) {
            out.insert(file.to_string(), sum.to_string());
        }
    }
    out
}

/// Every vendored file is listed with its source and checksum, and is unmodified.
fn check_specs(specs_dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let recorded = recorded_checksums(specs_dir);
    let present: BTreeSet<String> = std::fs::read_dir(specs_dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", specs_dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    for name in specs::ALL {
        if !present.contains(*name) {
            problems.push(format!("{name} is missing from {}", specs_dir.display()));
        }
    }
    for name in &present {
        match recorded.get(name) {
            None => problems.push(format!(
                "{name} is not in the table of {}/README.md (source, commit, licence, sha256)",
                specs_dir.display()
            )),
            Some(sum) => {
                let actual = sha256_hex(&specs_dir.join(name));
                if &actual != sum {
                    problems.push(format!(
                        "{name}: sha256 {actual}, the README records {sum}: the copy is not the published file"
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn vendored_specs_are_the_published_files() {
    let problems = check_specs(&specs::dir());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let readme = read(&specs::dir().join("README.md"));
    assert!(readme.contains("MIT"), "the licence of the vendored files");
}

#[test]
fn the_checksum_check_catches_an_edited_copy() {
    // The check above can fail: an edited copy is reported.
    let tmp = TempDir::new("chatops-test-specs");
    for name in specs::ALL.iter().chain(&["README.md"]) {
        std::fs::copy(specs::path(name), tmp.path().join(name)).unwrap();
    }
    assert!(check_specs(tmp.path()).is_empty());
    let edited = tmp.path().join(specs::SLACK_MANIFEST_SCHEMA_2);
    let mut text = read(&edited);
    text.push(' ');
    std::fs::write(&edited, text).unwrap();
    let problems = check_specs(tmp.path());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains(specs::SLACK_MANIFEST_SCHEMA_2));
}

/// The nearest folder at or above `file` (inside `root`) holding a Cargo.toml.
fn crate_dir(root: &Path, file: &Path) -> Option<PathBuf> {
    let mut dir = file.parent()?;
    loop {
        if dir.join("Cargo.toml").exists() {
            return Some(dir.to_path_buf());
        }
        if dir == root {
            return None;
        }
        dir = dir.parent()?;
    }
}

/// `base` joined with `rel`, lexically; `None` when it climbs above `root`.
fn resolve_inside(root: &Path, base: &Path, rel: &str) -> Option<PathBuf> {
    let mut parts: Vec<String> = base
        .strip_prefix(root)
        .ok()?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for c in Path::new(rel).components() {
        match c {
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    Some(parts.iter().fold(root.to_path_buf(), |p, s| p.join(s)))
}

/// References in `text` (a file at `file`) that lead outside `root` or to nothing in it.
fn outside_references(root: &Path, file: &Path, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Absolute paths of the machine this was written on, and the old sibling folder. Built at
    // run time so this file does not match itself.
    let forbidden = [
        format!("{}/{}", "..", "shared"),
        format!("{}/{}", "shared", "specs"),
        format!("{}/{}", "shared", "contracts"),
        format!("/{}/", "work"),
    ];
    for (n, line) in text.lines().enumerate() {
        for f in &forbidden {
            if line.contains(f.as_str()) {
                found.push(format!("line {}: `{f}` in: {}", n + 1, line.trim()));
            }
        }
        // Relative paths that climb (`../…`): fine when, from the file's folder or its crate's
        // folder, they lead to something that exists in the repository.
        let mut rest = line;
        while let Some(i) = rest.find("../") {
            let start = &rest[i..];
            let len = start
                .find(|c: char| !(c.is_ascii_alphanumeric() || "._-/".contains(c)))
                .unwrap_or(start.len());
            let rel = &start[..len];
            rest = &start[len.max(3)..];
            let bases: Vec<PathBuf> = [file.parent().map(Path::to_path_buf), crate_dir(root, file)]
                .into_iter()
                .flatten()
                .collect();
            let ok = bases
                .iter()
                .filter_map(|b| resolve_inside(root, b, rel))
                .any(|p| p.exists());
            if !ok {
                found.push(format!(
                    "line {}: `{rel}` leads outside the repository or to nothing in it: {}",
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn the_reference_scanner_catches_the_old_mistakes() {
    let root = repo_root();
    let file = root.join("tests/tests/example.rs");
    // Written with `{up}` so that this file does not hold the references it tests.
    let up = "..";
    for bad in [
        format!(r#"Path::new(env!("CARGO_MANIFEST_DIR")).join("{up}/{up}/shared")"#),
        format!(r#"Schema::load("{up}/{up}/elsewhere/railway-schema.json")"#),
        format!("see [the contract]({up}/{up}/contracts/slack.md)"),
    ] {
        assert!(
            !outside_references(&root, &file, &bad).is_empty(),
            "not caught: {bad}"
        );
    }
    let good = format!(r#"chatops-tests = {{ path = "{up}/tests" }}"#);
    assert!(outside_references(&root, &root.join("bot/Cargo.toml"), &good).is_empty());
}

#[test]
fn a_clone_of_the_repository_refers_to_nothing_outside_it() {
    // A clone of the committed tree (uncommitted changes are not in it) into an empty folder:
    // nothing beside it, as on a newcomer's machine.
    let tmp = TempDir::new("chatops-test-clone");
    let clone = tmp.path().join("julia-chatops");
    let out = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(repo_root())
        .arg(&clone)
        .output()
        .expect("git is installed (the repository is a git clone)");
    assert!(
        out.status.success(),
        "git clone of {} failed: {}",
        repo_root().display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = Command::new("git")
        .arg("-C")
        .arg(&clone)
        .args(["ls-files", "-z"])
        .output()
        .unwrap();
    let files: Vec<PathBuf> = String::from_utf8(listed.stdout)
        .unwrap()
        .split('\0')
        .filter(|f| !f.is_empty())
        .map(|f| clone.join(f))
        .collect();
    assert!(files.len() > 20, "the clone has files: {files:?}");

    let mut problems = Vec::new();
    let vendored = clone.join("tests/specs");
    for file in &files {
        // The vendored specs are upstream's text, checked by checksum instead.
        if file.starts_with(&vendored) && file.extension().is_some_and(|e| e == "json") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(file) else {
            continue; // not text
        };
        for p in outside_references(&clone, file, &text) {
            let rel = file.strip_prefix(&clone).unwrap().display();
            problems.push(format!("{rel} {p}"));
        }
    }
    assert!(
        problems.is_empty(),
        "the repository refers outside itself:\n{}",
        problems.join("\n")
    );

    // The spec-based checks find their files in the clone, and they are the published ones.
    let problems = check_specs(&vendored);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let schema = testkit::graphql_check::Schema::load(vendored.join(specs::RAILWAY_SCHEMA));
    for op in clients::railway::OPERATIONS {
        assert!(schema.validate(op).is_empty(), "{op}");
    }
    let manifest_schema = specs::json_at(&vendored.join(specs::SLACK_MANIFEST_SCHEMA_2));
    let validator = jsonschema::validator_for(&manifest_schema).expect("schema compiles");
    for name in ["manifest.yml", "manifest.socket.yml"] {
        let yaml: serde_yaml::Value = serde_yaml::from_str(&read(&clone.join(name))).unwrap();
        let m = serde_json::to_value(yaml).unwrap();
        let errors: Vec<String> = validator.iter_errors(&m).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    let openapi = specs::json_at(&vendored.join(specs::SLACK_WEB_OPENAPI));
    assert!(openapi["paths"].get("/chat.postMessage").is_some());
}

/// Counts `chatops_test_*` databases with these names and folders at these paths that exist.
async fn still_there(names: &[String], folders: &[PathBuf]) -> (usize, usize) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&testkit::db::admin_url())
        .await
        .unwrap();
    let mut dbs = 0;
    for n in names {
        let c: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
            .bind(n)
            .fetch_one(&mut conn)
            .await
            .unwrap();
        dbs += c as usize;
    }
    (dbs, folders.iter().filter(|f| f.exists()).count())
}

fn db_name(db: &TestDb) -> String {
    db.url.rsplit('/').next().unwrap().to_string()
}

fn sqlite_folder(db: &TestDb) -> PathBuf {
    let file = db.url.trim_start_matches("sqlite://");
    Path::new(file).parent().unwrap().to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_test_leaves_no_database_or_folder_behind() {
    // A "test" on its own thread and runtime that opens both stores, an app on each (so
    // connections are open), and then fails.
    let (tx, rx) = std::sync::mpsc::channel();
    let failed = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let pg = TestDb::postgres().await;
            let lite = TestDb::sqlite().await;
            let slack = testkit::FakeSlack::start().await;
            let _a = testkit::spawn_app(&pg, &slack, Default::default()).await;
            let _b = testkit::spawn_app(&lite, &slack, Default::default()).await;
            tx.send((db_name(&pg), sqlite_folder(&lite))).unwrap();
            let (dbs, folders) = still_there(&[db_name(&pg)], &[sqlite_folder(&lite)]).await;
            assert_eq!((dbs, folders), (1, 1), "both exist while the test runs");
            panic!("the test fails here");
        })
    })
    .join();
    assert!(failed.is_err(), "the inner test was meant to fail");
    let (name, folder) = rx.recv().unwrap();
    assert!(name.starts_with("chatops_test_"), "{name}");
    assert!(
        folder
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("chatops-test-"),
        "{}",
        folder.display()
    );
    let (dbs, folders) =
        still_there(std::slice::from_ref(&name), std::slice::from_ref(&folder)).await;
    assert_eq!(dbs, 0, "the database {name} outlived its failed test");
    assert_eq!(folders, 0, "{} outlived its failed test", folder.display());
}

/// Longest source file in `bot/`, `crates/`, `messages/` and `tests/` (a newcomer reads one room at a
/// time). Functions have their own limit: clippy's `too_many_lines` (80, `clippy.toml`).
const MAX_FILE_LINES: usize = 600;

/// Files allowed over [`MAX_FILE_LINES`], each with its reason. An entry whose file is back
/// under the limit (or gone) fails the test, so the list only shrinks.
const OVER_THE_LIMIT: &[(&str, &str)] = &[];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_is_over_600_lines() {
    let root = repo_root();
    let mut files = Vec::new();
    for krate in ["bot", "crates", "messages", "tests"] {
        rust_files(&root.join(krate), &mut files);
    }
    assert!(files.len() > 50, "only {} files found", files.len());
    let mut too_long = Vec::new();
    let mut over: BTreeSet<String> = BTreeSet::new();
    for f in &files {
        let lines = read(f).lines().count();
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if lines > MAX_FILE_LINES {
            over.insert(rel.clone());
            if !OVER_THE_LIMIT.iter().any(|(p, _)| *p == rel) {
                too_long.push(format!("{rel}: {lines} lines"));
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "over {MAX_FILE_LINES} lines (split by feature): {too_long:?}"
    );
    let stale: Vec<&str> = OVER_THE_LIMIT
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| !over.contains(*p))
        .collect();
    assert!(
        stale.is_empty(),
        "back under {MAX_FILE_LINES} lines (or gone): remove from OVER_THE_LIMIT: {stale:?}"
    );
}
