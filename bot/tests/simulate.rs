//! `chatops simulate` prints what the bot would post, using the real grammar and flows.

use std::process::Command;

fn simulate(args: &[&str], db: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_chatops"))
        .arg("simulate")
        .args(args)
        .env("DATABASE_URL", db)
        .env_remove("SLACK_API_URL")
        .env_remove("INCIDENTS_CHANNEL")
        .output()
        .expect("chatops runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn simulate_declare_prints_the_war_room_posts_and_blocks() {
    let dir = std::env::temp_dir().join(format!("chatops-sim-{}", std::process::id()));
    let db = format!("sqlite://{}/sim.db", dir.display());
    let out = simulate(
        &[
            "/incident declare P1 Evolução fora do ar",
            "--user",
            "U0ANA",
            "--json",
        ],
        &db,
    );
    assert!(out.contains("→ create channel #inc-"), "{out}");
    assert!(out.contains("-1-evolucao-fora-do-ar"), "{out}");
    assert!(out.contains("→ post to CINCIDENTS"), "{out}");
    assert!(
        out.contains("\"action_id\": \"incident_update_open\""),
        "--json prints Block Kit: {out}"
    );
    // The store is real: a second run sees INC-1.
    let out = simulate(&["/incident list"], &db);
    assert!(out.contains("INC-1"), "{out}");
    let out = simulate(&["/incident updte x"], &db);
    assert!(out.contains("Did you mean `update`?"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}
