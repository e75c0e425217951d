//! Management updates (#27), by Slack and by email through a REAL SMTP server on loopback
//! (`testkit::smtp`: aiosmtpd in its own process, requiring AUTH): at the declaration, at each
//! stakeholder update (never at war-room chatter), on the cadence, at the resolution; proper
//! MIME (Date, Message-ID, UTF-8 subject and body, text and HTML parts), one thread per
//! incident, one mail per update; a server that is down delays and loses nothing, and the war
//! room hears it once; drills mail the drill list only; no secret and no phone number anywhere.

use std::time::Duration;

use testkit::incident_kit::*;
use testkit::smtp::{Mail, SmtpServer};
use testkit::*;

const PASSWORD: &str = "smtp-secret-pass-7731";
const PHONE: &str = "+5511912345678";
const MGMT: &str = "C0MGMT";

fn options(smtp: &SmtpServer) -> AppOptions {
    let mut o = AppOptions::default()
        .env("STAKEHOLDERS_CHANNEL_P1", MGMT)
        .env(
            "STAKEHOLDERS_EMAILS_P1",
            "cto@julia.example.com, ceo@julia.example.com",
        )
        .env("STAKEHOLDERS_CADENCE_P1", "30m")
        .env("STAKEHOLDERS_DRILL_EMAILS", "drill@julia.example.com")
        .env("CHATOPS_LOCALE", "pt-BR")
        .env("ONCALL_ROTATION", "U0ANA")
        .env("ONCALL_PHONES", &format!("U0ANA:{PHONE}"));
    for (k, v) in smtp.env() {
        o = o.env(k, &v);
    }
    o
}

/// No mail and nothing management reads in Slack carries the SMTP password, the Slack token or
/// a phone number (the configured ones, or one typed in an update); the SMTP password reaches
/// no Slack call at all (the war room's mail notice included).
fn assert_clean(mails: &[Mail], slack: &FakeSlack) {
    let all_slack: String = slack.calls().iter().map(|c| c.body.to_string()).collect();
    assert!(
        !all_slack.contains(PASSWORD),
        "the SMTP password reached Slack"
    );
    let mgmt: String = slack.posts_in(MGMT).iter().map(|p| p.to_string()).collect();
    for secret in [
        PASSWORD,
        "xoxb-test-token",
        PHONE,
        "5511912345678",
        "91234-5678",
    ] {
        assert!(
            !mgmt.contains(secret),
            "{secret} reached management's channel"
        );
        for m in mails {
            assert!(!m.raw.contains(secret), "{secret} in a mail:\n{}", m.raw);
            for p in &m.parts {
                assert!(!p.text.contains(secret), "{secret} in a mail part");
            }
        }
    }
}

fn text_part(m: &Mail) -> String {
    m.part("text/plain")
        .expect("a text/plain part")
        .text
        .clone()
}

async fn mgmt_posts(slack: &FakeSlack) -> Vec<String> {
    slack.posts_in(MGMT).iter().map(|p| p.to_string()).collect()
}

/// Declares (in Portuguese: the answers are not English) and waits for the war room.
async fn declare_pt(app: &TestApp, text: &str) -> String {
    let ack = app.incident(text, "U0ANA", "CORIGIN").await;
    assert!(text_of(&ack).contains("declarado"), "{ack}");
    app.settle().await;
    let room = eventually(WAIT, || async {
        sqlx::query_scalar::<_, Option<String>>("SELECT channel_id FROM incidents WHERE id = 1")
            .fetch_one(&app.ctx.store.pool)
            .await
            .unwrap()
    })
    .await
    .expect("war room");
    app.settle().await;
    room
}

/// Steps the jobs until `n` mails arrived (each step runs what is due now).
async fn mails_after(app: &TestApp, smtp: &SmtpServer, n: usize) -> Vec<Mail> {
    app.settle().await;
    let got = eventually(WAIT, || async {
        let m = smtp.mails();
        (m.len() >= n).then_some(m)
    })
    .await
    .unwrap_or_else(|| smtp.mails());
    assert_eq!(
        got.len(),
        n,
        "{:#?}",
        got.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    got
}

#[allow(clippy::too_many_lines)] // an end-to-end scenario read top to bottom
async fn management_hears_by_slack_and_threaded_mail_and_nothing_is_lost(db: TestDb) {
    let mut smtp = SmtpServer::start("incidents-bot", PASSWORD);
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, options(&smtp)).await;
    let room = declare_pt(&app, "declare P1 Julia não responde às mensagens").await;

    // Declaration: one post in the management channel, one mail to both addresses.
    let mails = mails_after(&app, &smtp, 1).await;
    let first = &mails[0];
    assert_eq!(
        first.rcpt_tos(),
        vec!["cto@julia.example.com", "ceo@julia.example.com"]
    );
    assert_eq!(first.envelope["login"], "incidents-bot");
    assert!(
        first
            .subject
            .contains("[INC-1] Julia não responde às mensagens"),
        "{}",
        first.subject
    );
    // Encoded on the wire (RFC 2047): no raw 8-bit byte in the headers.
    assert!(first.raw.is_ascii(), "{}", first.raw);
    assert!(
        first.header("Subject").unwrap().contains("=?utf-8?"),
        "{:?}",
        first.header("Subject")
    );
    assert!(first.header("Date").is_some());
    let id1 = first.header("Message-ID").expect("Message-ID");
    assert!(
        id1.starts_with("<inc-1.") && id1.ends_with("@julia.example.com>"),
        "{id1}"
    );
    assert!(first.header("In-Reply-To").is_none());
    assert!(first
        .header("From")
        .unwrap()
        .contains("incidentes@julia.example.com"));
    assert_eq!(first.header("MIME-Version").as_deref(), Some("1.0"));
    assert_eq!(first.content_type, "multipart/alternative");
    let plain = first.part("text/plain").unwrap();
    assert_eq!(plain.charset.to_lowercase(), "utf-8");
    let t = &plain.text;
    assert!(
        t.contains("Novo incidente — INC-1 [P1]: Julia não responde às mensagens")
            && t.contains("Status: Investigando")
            && t.contains("Próxima atualização até"),
        "{t}"
    );
    assert!(first
        .part("text/html")
        .unwrap()
        .text
        .contains("às mensagens"));
    assert_eq!(mgmt_posts(&slack).await.len(), 1);

    // War-room chatter reaches nobody outside.
    app.incident(
        "update identified restarted pod julia-worker-7f9c, db pool at 98%",
        "U0ANA",
        &room,
    )
    .await;
    app.settle().await;
    assert_eq!(smtp.mails().len(), 1);
    assert_eq!(mgmt_posts(&slack).await.len(), 1);

    // A stakeholder update: its words are the impact; threaded under the first mail.
    let ack = app
        .incident(
            "update --stakeholders Médicos não recebem respostas da Julia; previsão: 40 minutos (plantão: +55 11 91234-5678)",
            "U0ANA",
            &room,
        )
        .await;
    assert!(
        text_of(&ack).contains(
            "Atualização de gestão de INC-1 enviada para <#C0MGMT> e 2 endereço(s) de email"
        ),
        "{ack}"
    );
    let mails = mails_after(&app, &smtp, 2).await;
    let second = &mails[1];
    assert_eq!(second.header("In-Reply-To").as_deref(), Some(id1.as_str()));
    assert!(second.header("References").unwrap().contains(&id1));
    let t2 = text_part(second);
    assert!(
        t2.contains("Impacto: Médicos não recebem respostas da Julia; previsão: 40 minutos"),
        "{t2}"
    );
    assert!(
        !t2.contains("julia-worker") && !t2.contains("98%"),
        "war-room chatter: {t2}"
    );
    let posts = mgmt_posts(&slack).await;
    assert_eq!(posts.len(), 2);
    assert!(
        posts[1].contains("Médicos não recebem respostas"),
        "{}",
        posts[1]
    );
    assert!(!posts.iter().any(|p| p.contains("julia-worker")));

    // The cadence: 30 minutes later, one update, whatever steps the worker twice.
    app.ctx.clock.advance(Duration::from_secs(30 * 60 + 1));
    let mails = mails_after(&app, &smtp, 3).await;
    app.settle().await;
    assert_eq!(smtp.mails().len(), 3);
    let t3 = text_part(&mails[2]);
    assert!(
        t3.contains("Atualização — INC-1") && t3.contains("Médicos não recebem respostas"),
        "{t3}"
    );
    let id2 = second.header("Message-ID").unwrap();
    assert_eq!(
        mails[2].header("In-Reply-To").as_deref(),
        Some(id2.as_str())
    );
    assert_eq!(mgmt_posts(&slack).await.len(), 3);

    // The mail server goes down: the update waits, retried with backoff, said once.
    smtp.stop();
    app.incident(
        "update monitoring --stakeholders Respostas voltando ao normal",
        "U0ANA",
        &room,
    )
    .await;
    app.settle().await;
    for step in 1..=4 {
        app.ctx
            .clock
            .advance(stakeholders::mail::backoff(step) + Duration::from_secs(1));
        app.settle().await;
    }
    let attempts = app
        .scalar("SELECT MAX(attempts) FROM stakeholder_mails WHERE state = 'pending'")
        .await;
    assert_eq!(attempts, 5, "one attempt at once, then one per backoff");
    let failing: Vec<String> = slack
        .posts_in(&room)
        .iter()
        .map(text_of)
        .filter(|t| t.contains("email para a gestão") && t.contains("não está sendo entregue"))
        .collect();
    assert_eq!(failing.len(), 1, "{failing:?}");
    assert!(!failing[0].contains(PASSWORD));
    assert_eq!(
        mgmt_posts(&slack).await.len(),
        4,
        "Slack does not wait for mail"
    );

    // Back up: the delayed mail arrives once, and the war room hears it.
    smtp.restart();
    app.ctx
        .clock
        .advance(stakeholders::mail::backoff(5) + Duration::from_secs(1));
    let mails = mails_after(&app, &smtp, 4).await;
    assert!(text_part(&mails[3]).contains("Respostas voltando ao normal"));
    let delayed = mails[3].header("Message-ID").unwrap();
    // Later steps (and the next cadence update) never send it again.
    app.ctx.clock.advance(Duration::from_secs(15 * 60));
    app.settle().await;
    app.settle().await;
    let mails = smtp.mails();
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.header("Message-ID").as_deref() == Some(delayed.as_str()))
            .count(),
        1
    );
    assert!(slack
        .posts_in(&room)
        .iter()
        .any(|p| text_of(p).contains("voltou a ser entregue")));

    // Resolved: the last update, and the cadence stops.
    app.settle().await;
    let n = smtp.mails().len() + 1;
    app.incident("resolve rollback do worker", "U0ANA", &room)
        .await;
    let mails = mails_after(&app, &smtp, n).await;
    let last = text_part(mails.last().unwrap());
    assert!(
        last.contains("Resolvido — INC-1") && last.contains("última atualização"),
        "{last}"
    );
    app.ctx.clock.advance(Duration::from_secs(2 * 3600));
    app.settle().await;
    assert_eq!(smtp.mails().len(), n);
    // Every mail of the incident is one thread: each refers to the first.
    for m in &smtp.mails()[1..] {
        assert!(m.header("References").unwrap().contains(&id1));
    }
    assert_clean(&smtp.mails(), &slack);
}
on_both_stores!(
    management_updates,
    management_hears_by_slack_and_threaded_mail_and_nothing_is_lost
);

async fn a_drill_mails_only_the_drill_list(db: TestDb) {
    let smtp = SmtpServer::start("incidents-bot", PASSWORD);
    let slack = FakeSlack::start().await;
    let app = spawn_app(&db, &slack, options(&smtp)).await;
    let room = declare_pt(&app, "declare P1 --drill Failover drill").await;
    app.incident(
        "update --stakeholders Simulação: nenhum médico afetado",
        "U0ANA",
        &room,
    )
    .await;
    let mails = mails_after(&app, &smtp, 2).await;
    for m in &mails {
        assert_eq!(m.rcpt_tos(), vec!["drill@julia.example.com"]);
        assert!(m.subject.contains("[SIMULADO]"), "{}", m.subject);
    }
    // Management's channel hears nothing of a drill; its war room shows what was sent.
    assert!(slack.posts_in(MGMT).is_empty());
    assert!(slack
        .posts_in(&room)
        .iter()
        .any(|p| p.to_string().contains("Simulação: nenhum médico afetado")));
    assert_clean(&mails, &slack);
}
on_both_stores!(drill_mail, a_drill_mails_only_the_drill_list);

/// Announces `Published` as the status page does when a public text goes out.
async fn publish(app: &TestApp, text: &str, status: &str) {
    let now = app.ctx.clock.now_ms();
    let mut tx = app.ctx.store.begin().await.unwrap();
    let i = incident::store::get(&mut tx, 1).await.unwrap().unwrap();
    let e = incident::hooks::Event::Published {
        incident: &i,
        text,
        status,
        actor: "U0ANA",
    };
    incident::hooks::announce(&mut tx, &app.ctx, e, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn a_public_text_reaches_management_and_the_resolution_says_it_once(db: TestDb) {
    let slack = FakeSlack::start().await;
    let opts = AppOptions::default()
        .env("STAKEHOLDERS_CHANNEL_P1", MGMT)
        .env("STAKEHOLDERS_CADENCE_P1", "off");
    let app = spawn_app(&db, &slack, opts).await;
    let room = declare(&app, "declare P1 Julia silent", "U0ANA")
        .await
        .expect("war room");
    app.settle().await;
    assert_eq!(slack.posts_in(MGMT).len(), 1);
    assert!(text_of(&slack.posts_in(MGMT)[0]).contains("New incident — INC-1 [P1]: Julia silent"));

    publish(
        &app,
        "Some doctors get no answers; we are on it.",
        "investigating",
    )
    .await;
    app.settle().await;
    let posts = slack.posts_in(MGMT);
    assert_eq!(posts.len(), 2);
    let s = posts[1].to_string();
    assert!(
        s.contains("Impact: Some doctors get no answers; we are on it."),
        "{s}"
    );
    assert!(s.contains("Next update when the situation changes"), "{s}");

    // Resolved: the resolution's own public text is in the one last update.
    app.incident("resolve worker rolled back", "U0ANA", &room)
        .await;
    {
        // As the status page does: published while the resolution is announced.
        publish(&app, "All doctors get answers again.", "resolved").await;
    }
    app.settle().await;
    let posts = slack.posts_in(MGMT);
    assert_eq!(posts.len(), 3, "{posts:#?}");
    assert!(
        posts[2].to_string().contains("Resolved — INC-1"),
        "{}",
        posts[2]
    );
    assert!(
        !posts
            .iter()
            .any(|p| p.to_string().contains("worker rolled back")),
        "war-room words"
    );
}
on_both_stores!(
    public_text,
    a_public_text_reaches_management_and_the_resolution_says_it_once
);

async fn a_server_without_starttls_gets_no_mail_in_clear_and_the_war_room_hears(db: TestDb) {
    let smtp = SmtpServer::start("incidents-bot", PASSWORD);
    let slack = FakeSlack::start().await;
    // STARTTLS required, and this server offers none: the mail must not go out in clear.
    let app = spawn_app(&db, &slack, options(&smtp).env("SMTP_SECURITY", "starttls")).await;
    let room = declare_pt(&app, "declare P1 Julia lenta").await;
    for step in 1..=3 {
        app.ctx
            .clock
            .advance(stakeholders::mail::backoff(step) + Duration::from_secs(1));
        app.settle().await;
    }
    assert!(smtp.mails().is_empty());
    let said: Vec<String> = slack
        .posts_in(&room)
        .iter()
        .map(text_of)
        .filter(|t| t.contains("não está sendo entregue"))
        .collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains(&format!("127.0.0.1:{}", smtp.port)),
        "{}",
        said[0]
    );
    assert!(!said[0].contains(PASSWORD));
}
on_both_stores!(
    starttls_required,
    a_server_without_starttls_gets_no_mail_in_clear_and_the_war_room_hears
);
