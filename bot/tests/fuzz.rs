//! Property-based fuzz targets (proptest: `cargo fuzz` needs a nightly toolchain).
//!
//! Each target mixes random inputs with mutations of the committed seed corpus in
//! `bot/fuzz/corpus/<target>/`; failures are persisted to
//! `bot/fuzz/regressions/<target>.txt` (committed) and replayed first on every run.
//!
//! Default: a few hundred cases per target (seconds). Extended mode (`scripts/test.sh
//! --extended`, or `CHATOPS_EXTENDED=1`): each target runs for `CHATOPS_FUZZ_SECS` (default
//! 60) seconds.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bot::command::{parse_incident, parse_julia, IncidentCmd, JuliaCmd};
use chatops_core::request::SlashCommand;
use chatops_core::signature::{sign, verify, SignatureError};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The seed corpus of a target, one input per file.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(dir().join("corpus").join(target))
        .unwrap_or_else(|e| panic!("corpus for {target}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, u8),
    Delete(usize),
    Flip(usize, u8),
    Splice(usize, Vec<u8>),
}

/// Nasty fragments spliced into corpus inputs.
const FRAGMENTS: &[&str] = &[
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123|x>",
    "<#C1|general>",
    "{{user}}",
    "${env:SLACK_BOT_TOKEN}",
    "'; DROP TABLE outbox; --",
    "%00",
    "%FF%FE",
    "\u{0}",
    "\u{1b}[2J",
    "\u{202e}",
    "🚨",
    "&",
    "=",
    "%",
    "+",
    "\n",
    "v0=",
    "INC-",
    "--private",
    "--handoff",
];

fn apply(mut v: Vec<u8>, edits: Vec<Edit>) -> Vec<u8> {
    for e in edits {
        let n = v.len();
        match e {
            Edit::Insert(i, b) => v.insert(i % (n + 1), b),
            Edit::Delete(i) if n > 0 => {
                v.remove(i % n);
            }
            Edit::Flip(i, b) if n > 0 => v[i % n] ^= b,
            Edit::Splice(i, s) => {
                let at = i % (n + 1);
                v.splice(at..at, s);
            }
            _ => {}
        }
    }
    v
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), 1u8..).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), prop::sample::select(FRAGMENTS))
            .prop_map(|(i, f)| Edit::Splice(i, f.as_bytes().to_vec())),
    ]
}

/// Corpus inputs, mutated corpus inputs, and plain random bytes.
fn input(target: &str) -> impl Strategy<Value = Vec<u8>> {
    let seeds = corpus(target);
    prop_oneof![
        prop::sample::select(seeds.clone()),
        (
            prop::sample::select(seeds),
            prop::collection::vec(edit(), 1..8)
        )
            .prop_map(|(s, e)| apply(s, e)),
        prop::collection::vec(any::<u8>(), 0..512),
        ".{0,300}".prop_map(String::into_bytes),
    ]
}

fn extended() -> bool {
    std::env::var("CHATOPS_EXTENDED").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Runs `test` over `strategy`: one round of 256 cases, or rounds for the extended duration.
fn fuzz<S: Strategy>(
    target: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let secs: u64 = std::env::var("CHATOPS_FUZZ_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let deadline = Instant::now() + Duration::from_secs(if extended() { secs } else { 0 });
    let regressions = dir().join("regressions").join(format!("{target}.txt"));
    let leaked: &'static str = Box::leak(regressions.display().to_string().into_boxed_str());
    let (mut rounds, mut cases) = (0u64, 0u64);
    loop {
        let config = Config {
            cases: if extended() { 4096 } else { 256 },
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(leaked))),
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("fuzz target {target} failed: {e}");
        }
        rounds += 1;
        cases += runner.config().cases as u64;
        if Instant::now() >= deadline {
            break;
        }
    }
    eprintln!("fuzz {target}: {cases} cases in {rounds} rounds");
}

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const NOW: i64 = 1531420618;

/// Splits a signature corpus entry into timestamp, signature and body.
fn split3(v: &[u8]) -> (String, String, Vec<u8>) {
    let mut it = v.splitn(3, |b| *b == b'\n');
    let ts = String::from_utf8_lossy(it.next().unwrap_or_default()).into_owned();
    let sig = String::from_utf8_lossy(it.next().unwrap_or_default()).into_owned();
    (ts, sig, it.next().unwrap_or_default().to_vec())
}

#[test]
fn signature_check() {
    fuzz(
        "signature",
        (input("signature"), -400i64..400, any::<bool>()),
        |(raw, skew, resign)| {
            let (ts, sig, body) = split3(&raw);
            let now = ts.trim().parse::<i64>().unwrap_or(NOW).saturating_add(skew);
            // Never panics; accepts only the exact signature of this body and timestamp.
            let r = verify(SECRET, Some(&ts), Some(&sig), &body, now);
            if r.is_ok() {
                prop_assert_eq!(&sig, &sign(SECRET, &ts, &body));
                prop_assert!(skew.abs() <= 300);
            }
            if resign {
                let good = sign(SECRET, &ts, &body);
                let r = verify(SECRET, Some(&ts), Some(&good), &body, now);
                match ts.trim().parse::<i64>() {
                    Ok(_) if skew.abs() <= 300 => prop_assert_eq!(r, Ok(())),
                    Ok(_) => prop_assert_eq!(r, Err(SignatureError::Stale)),
                    Err(_) => prop_assert_eq!(r, Err(SignatureError::BadTimestamp)),
                }
                // Any change of the body, or another secret, is refused.
                let mut other = body.clone();
                other.push(b'x');
                prop_assert!(verify(SECRET, Some(&ts), Some(&good), &other, now).is_err());
                prop_assert!(verify("another", Some(&ts), Some(&good), &body, now).is_err());
                if !body.is_empty() {
                    prop_assert!(verify(
                        SECRET,
                        Some(&ts),
                        Some(&good),
                        &body[..body.len() - 1],
                        now
                    )
                    .is_err());
                }
            }
            Ok(())
        },
    );
}

#[test]
fn slash_command_form() {
    fuzz("form", input("form"), |raw| {
        // What the route does: never panics; a parsed command keeps its bytes as data.
        if let Ok(cmd) = serde_urlencoded::from_bytes::<SlashCommand>(&raw) {
            let _ = parse_incident(&cmd.text);
            let _ = parse_julia(&cmd.text);
        }
        let _ = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&raw);
        Ok(())
    });
}

#[test]
fn interaction_payload() {
    let wrapped = input("payload").prop_map(|p| {
        serde_urlencoded::to_string([("payload", String::from_utf8_lossy(&p).into_owned())])
            .unwrap()
            .into_bytes()
    });
    fuzz("payload", prop_oneof![wrapped, input("form")], |raw| {
        if let Some(v) = bot::dispatch::interaction::parse_form(&raw) {
            // The fields the handlers read are looked up without panicking.
            for p in [
                "/type",
                "/user/id",
                "/actions/0/action_id",
                "/actions/0/value",
                "/view/callback_id",
                "/view/private_metadata",
                "/view/state/values",
            ] {
                let _ = v.pointer(p).and_then(|x| x.as_str());
            }
        }
        Ok(())
    });
}

fn no_control(s: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !s.chars().any(char::is_control),
        "control character kept in {:?}",
        s
    );
    Ok(())
}

#[test]
fn command_grammar() {
    fuzz("command", input("command"), |raw| {
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (julia, text) = match text.strip_prefix("julia:") {
            Some(t) => (true, t.to_string()),
            None => (false, text),
        };
        if julia {
            if let Ok(JuliaCmd::Pause { reason, .. }) = parse_julia(&text) {
                no_control(&reason)?;
            }
            let _ = parse_incident(&text);
        } else {
            match parse_incident(&text) {
                Ok(IncidentCmd::Declare {
                    title: Some(t),
                    severity,
                    ..
                }) => {
                    no_control(t.as_str())?;
                    prop_assert!(severity.is_some());
                    let n = t.as_str().chars().count();
                    prop_assert!((3..=150).contains(&n), "title of {} chars", n);
                }
                Ok(IncidentCmd::Update { text: Some(t), .. })
                | Ok(IncidentCmd::Note { text: t, .. })
                | Ok(IncidentCmd::Resolve {
                    resolution: Some(t),
                    ..
                }) => {
                    no_control(&t)?;
                    prop_assert!(t.chars().count() <= 3000);
                }
                _ => {}
            }
            let _ = parse_julia(&text);
        }
        Ok(())
    });
}

#[test]
fn escape_never_lets_a_broadcast_through() {
    fuzz("escape", input("command"), |raw| {
        let text = String::from_utf8_lossy(&raw);
        let out = messages::escape(&text);
        prop_assert!(!out.contains("<!"), "broadcast kept: {:?}", out);
        Ok(())
    });
}
