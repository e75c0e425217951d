//! Management mail: written as a row of `stakeholder_mails` in the transaction of the update
//! (its `Message-ID`, `In-Reply-To` and `References` fixed then, so every mail of an incident
//! is one thread and a resend is the same mail), sent by a job (`stakeholder_mail`) over SMTP.
//!
//! A mail server that is down delays the mail and loses nothing: a failed attempt plans the
//! next one with backoff (30 s, 1 min, 2 min … at most 15 min), for as long as it takes; after
//! [`WARN_AFTER`] failed attempts the war room hears it once (and once more when mail gets
//! through again). The job's lease keeps two workers from sending the same mail; a process
//! that dies after the server took a mail but before it was recorded sends it again, with the
//! same `Message-ID` (mail clients show it once).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::settings::{self, Security, SmtpConfig};
use crate::state;
use chatops_core::jobs::{enqueue, JobResult, Lease};
use chatops_core::outbox::{self, OutboxItem};
use chatops_core::Ctx;
use incident::store;
use messages::stakeholders as tpl;

pub const MAIL: &str = "stakeholder_mail";

/// Failed attempts before the war room is told.
pub const WARN_AFTER: i64 = 3;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendMail {
    pub mail: i64,
}

/// A mail to write.
pub struct Draft {
    pub incident: i64,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Backoff before attempt `attempts + 1`: 30 s, 1 min, 2 min … at most 15 min.
pub fn backoff(attempts: i64) -> Duration {
    let s = 30u64 << (attempts - 1).clamp(0, 5) as u32;
    Duration::from_secs(s.min(15 * 60))
}

fn domain_of(from: &str) -> String {
    let addr = from.trim().trim_end_matches('>');
    addr.rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "chatops.invalid".into())
}

/// Writes the mail and the job that sends it (in the caller's transaction).
pub async fn write(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    m: &Draft,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let Some(smtp) = &settings::of(ctx).smtp else {
        return Ok(0);
    };
    let earlier: Vec<String> =
        sqlx::query("SELECT message_id FROM stakeholder_mails WHERE incident_id = $1 ORDER BY id")
            .bind(m.incident)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
    let message_id = format!(
        "<inc-{}.{}@{}>",
        m.incident,
        uuid::Uuid::new_v4().simple(),
        domain_of(&smtp.from)
    );
    // The thread: the first mail and the one before (RFC 5322 §3.6.4 keeps at least those).
    let in_reply_to = earlier.last().cloned();
    let refs = match (earlier.first(), earlier.last()) {
        (Some(a), Some(b)) if a != b => Some(format!("{a} {b}")),
        (Some(a), _) => Some(a.clone()),
        _ => None,
    };
    let row = sqlx::query(
        "INSERT INTO stakeholder_mails (incident_id, recipients, subject, text_body, html_body, message_id, in_reply_to, refs, written_at, state, attempts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0) RETURNING id",
    )
    .bind(m.incident)
    .bind(m.to.join(","))
    .bind(&m.subject)
    .bind(&m.text)
    .bind(&m.html)
    .bind(&message_id)
    .bind(in_reply_to)
    .bind(refs)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = row.try_get(0)?;
    enqueue(conn, ctx, MAIL, &SendMail { mail: id }, now).await?;
    Ok(id)
}

/// A stored mail, as it is sent.
struct Stored {
    incident: i64,
    to: String,
    subject: String,
    text: String,
    html: String,
    message_id: String,
    in_reply_to: Option<String>,
    refs: Option<String>,
    written_at: i64,
    state: String,
    attempts: i64,
}

async fn load(pool: &sqlx::AnyPool, id: i64) -> Result<Option<Stored>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT incident_id, recipients, subject, text_body, html_body, message_id, in_reply_to, refs, written_at, state, attempts
         FROM stakeholder_mails WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(r.map(|r| Stored {
        incident: r.get(0),
        to: r.get(1),
        subject: r.get(2),
        text: r.get(3),
        html: r.get(4),
        message_id: r.get(5),
        in_reply_to: r.get(6),
        refs: r.get(7),
        written_at: r.get(8),
        state: r.get(9),
        attempts: r.get(10),
    }))
}

fn build(smtp: &SmtpConfig, m: &Stored) -> Result<Message, String> {
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|e| format!("SMTP_FROM cannot be used as a sender: {e}"))?;
    let mut b = Message::builder()
        .from(from)
        .subject(m.subject.clone())
        .date(SystemTime::UNIX_EPOCH + Duration::from_millis(m.written_at.max(0) as u64))
        .message_id(Some(m.message_id.clone()));
    for to in m.to.split(',').filter(|s| !s.is_empty()) {
        b = b.to(to
            .parse()
            .map_err(|e| format!("`{to}` cannot be used as a recipient: {e}"))?);
    }
    if let Some(r) = &m.in_reply_to {
        b = b.in_reply_to(r.clone());
    }
    if let Some(r) = &m.refs {
        b = b.references(r.clone());
    }
    b.multipart(
        MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(m.text.clone()),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(m.html.clone()),
            ),
    )
    .map_err(|e| format!("the mail could not be built: {e}"))
}

/// Sends one message; the error names the mail server and never a credential.
async fn send(smtp: &SmtpConfig, msg: Message) -> Result<(), String> {
    let named = |e: lettre::transport::smtp::Error| {
        let mut s = e.to_string();
        if let Some(p) = &smtp.password {
            s = s.replace(p.expose(), "[redacted]");
        }
        format!("{}:{}: {s}", smtp.host, smtp.port)
    };
    let builder = match smtp.security {
        Security::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host).map_err(named)?
        }
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host).map_err(named)?,
        Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
    };
    let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout));
    if let (Some(u), Some(p)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.expose().to_string()));
    }
    let transport = builder.build();
    transport.send(msg).await.map(|_| ()).map_err(named)
}

pub fn run<'a>(ctx: &'a Arc<Ctx>, job: SendMail, lease: &'a Lease) -> BoxFuture<'a, JobResult> {
    Box::pin(async move {
        let m = load(&ctx.store.pool, job.mail).await?;
        let smtp = settings::of(ctx).smtp.clone();
        let (Some(m), Some(smtp)) = (m, smtp) else {
            return Ok(());
        };
        if m.state == "sent" {
            return Ok(());
        }
        let outcome = match build(&smtp, &m) {
            Ok(msg) => send(&smtp, msg).await,
            Err(e) => Err(e),
        };
        let now = ctx.clock.now_ms();
        let mut tx = ctx.store.begin().await?;
        match outcome {
            Ok(()) => sent(&mut tx, ctx, job.mail, &m, now).await?,
            Err(e) => failed(&mut tx, ctx, job.mail, &m, &e, now).await?,
        }
        lease.complete_in(&mut tx, now).await?;
        tx.commit().await?;
        ctx.outbox_wake.notify_one();
        Ok(())
    })
}

async fn sent(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    id: i64,
    m: &Stored,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE stakeholder_mails SET state = 'sent', sent_at = $1, last_error = NULL WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    tracing::info!(
        mail = id,
        incident = m.incident,
        "stakeholders: management mail sent"
    );
    if state::set_mail_failing(conn, m.incident, false).await? {
        let delayed = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM stakeholder_mails WHERE incident_id = $1 AND state = 'sent' AND attempts > 0",
        )
        .bind(m.incident)
        .fetch_one(&mut *conn)
        .await?;
        say(
            conn,
            ctx,
            m.incident,
            |key, l| tpl::mail_recovered(key, delayed, l),
            now,
        )
        .await?;
    }
    Ok(())
}

async fn failed(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    id: i64,
    m: &Stored,
    error: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let attempts = m.attempts + 1;
    let error: String = crate::privacy::mask_phones(error)
        .chars()
        .take(300)
        .collect();
    tracing::warn!(mail = id, incident = m.incident, attempts, error = %error, "stakeholders: management mail not sent; retrying with backoff");
    sqlx::query("UPDATE stakeholder_mails SET attempts = $1, last_error = $2 WHERE id = $3")
        .bind(attempts)
        .bind(&error)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let next = enqueue(conn, ctx, MAIL, &SendMail { mail: id }, now).await?;
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE id = $2")
        .bind(now + backoff(attempts).as_millis() as i64)
        .bind(next)
        .execute(&mut *conn)
        .await?;
    if attempts >= WARN_AFTER && state::set_mail_failing(conn, m.incident, true).await? {
        say(
            conn,
            ctx,
            m.incident,
            |key, l| tpl::mail_failing(key, attempts, &error, l),
            now,
        )
        .await?;
    }
    Ok(())
}

/// One line where the incident lives (its war room, else its thread).
async fn say(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    incident: i64,
    msg: impl FnOnce(&str, messages::Locale) -> messages::Msg,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(i) = store::get(conn, incident).await? else {
        return Ok(());
    };
    let m = msg(&format!("INC-{}", i.id), ctx.locale());
    match &i.channel_id {
        Some(w) => {
            outbox::enqueue(conn, &OutboxItem::post(w, &m), now).await?;
        }
        None => incident::shared::post_to_incident(conn, ctx, &i, &m, false, now).await?,
    }
    Ok(())
}
