//! Background work that must survive a crash: each unit is a row of `jobs`, written in the same
//! transaction as the change that causes it, then run by [`run_worker`] (or by a test calling
//! [`run_once`]).
//!
//! - **Leases.** A worker claims a due job with a short lease (`JOBS_LEASE`, 5 s; `FOR UPDATE
//!   SKIP LOCKED` on PostgreSQL) and renews it every third of the lease while the job runs. A
//!   process that dies stops renewing, so a restarted process or another replica takes the job
//!   over within one lease. A worker that loses its lease stops the job at once.
//! - **Retries.** A failed attempt is retried with exponential backoff (1 s, 2 s, 4 s … 60 s); after
//!   `JOBS_MAX_ATTEMPTS` the job is `failed` for good: counted in `/health/ready` and `/metrics`,
//!   and for a declaration, announced once in the incidents channel (in the same transaction).
//! - **Steps safe to repeat.** A job records each finished step in `progress` (or on the row it
//!   changes) and skips it when it runs again; its last writes and its completion are one
//!   transaction ([`Lease::complete_in`]).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use crate::Ctx;

pub mod confirmed;
pub use confirmed::ConfirmedAction;

/// How a declaration's outcome reaches the person who declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum DeclaredReply {
    /// The slash command's `response_url` (valid 30 minutes).
    ResponseUrl { url: String },
    /// A direct message (the declare form has no `response_url`).
    Dm { user: String },
}

/// The deployment a restart / redeploy / rollback started, followed until it settles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployFollow {
    pub user: String,
    pub channel: String,
    pub response_url: String,
    pub action: crate::control::Action,
    pub verb: String,
    pub service_id: String,
    pub service_name: String,
    pub deployment: String,
    /// Follow the deployment by id (redeploy) rather than the service's latest.
    pub by_id: bool,
    /// When following stops (`JULIA_FOLLOW_LIMIT` after the action), epoch ms.
    pub deadline_ms: i64,
}

/// A unit of background work (the typed payload of a `jobs` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Finish a declaration: war room, invites, posts, pin, topic, the declarer's answer.
    Declaration {
        incident: i64,
        #[serde(default)]
        reply: Option<DeclaredReply>,
    },
    /// Follow a deployment and `/health/deep`, then post the outcome.
    DeployFollow(Box<DeployFollow>),
    /// Render the post-mortem draft and queue its upload.
    Postmortem { incident: i64 },
    /// Carry out a confirmed `/julia` action (never repeated after a crash mid-way).
    ConfirmedAction(Box<ConfirmedAction>),
    /// Check a runbook action's follow-up until it holds or its time is up, then post it.
    OpsFollow(Box<crate::ops::follow::OpsFollow>),
    /// Carry out a confirmed runbook action (never repeated after a crash mid-way).
    OpsConfirmed(Box<crate::ops::job::OpsConfirmed>),
}

impl Job {
    pub fn kind(&self) -> &'static str {
        match self {
            Job::Declaration { .. } => "declaration",
            Job::DeployFollow(_) => "deploy_follow",
            Job::Postmortem { .. } => "postmortem",
            Job::ConfirmedAction(_) => "confirmed_action",
            Job::OpsFollow(_) => "ops_follow",
            Job::OpsConfirmed(_) => "ops_confirmed",
        }
    }
}

pub const KINDS: [&str; 6] = [
    "declaration",
    "deploy_follow",
    "postmortem",
    "confirmed_action",
    "ops_follow",
    "ops_confirmed",
];

/// Writes a job due now in the caller's transaction; returns its id.
pub async fn enqueue(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    job: &Job,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    let payload = serde_json::to_string(job).expect("a job serialises");
    let row = sqlx::query(
        "INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, progress, created_at)
         VALUES ($1, $2, 'pending', $3, 0, $4, '{}', $5) RETURNING id",
    )
    .bind(job.kind())
    .bind(payload)
    .bind(now_ms)
    .bind(ctx.config.jobs_max_attempts.max(1) as i64)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    row.try_get::<i64, _>(0)
}

/// Why an attempt did not finish.
#[derive(Debug)]
pub enum JobError {
    /// Try again after a backoff (until the last attempt).
    Retry(String),
    /// No point trying again: failed for good now.
    Fail(String),
    /// Another worker holds the job now: record nothing.
    LeaseLost,
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        JobError::Retry(format!(
            "store: {}",
            crate::config::redact_url(&e.to_string())
        ))
    }
}

impl From<crate::FlowError> for JobError {
    fn from(e: crate::FlowError) -> Self {
        match e {
            crate::FlowError::User(m) => JobError::Fail(m.text),
            crate::FlowError::Internal(e) => JobError::Retry(format!("{e:#}")),
        }
    }
}

pub type JobResult = Result<(), JobError>;

/// A claimed job: its id, the lease token, which attempt this is and the steps already done.
#[derive(Debug)]
pub struct Lease {
    pub id: i64,
    pub token: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    pub max_attempts: i64,
    progress: std::sync::Mutex<Value>,
}

impl Lease {
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }

    /// A step recorded by an earlier attempt (or this one).
    pub fn step(&self, name: &str) -> Option<Value> {
        self.progress
            .lock()
            .expect("progress lock")
            .get(name)
            .cloned()
    }

    /// Records a finished step, so a rerun skips it. Fails when the lease was lost.
    pub async fn record_step(&self, ctx: &Ctx, name: &str, value: Value) -> JobResult {
        let mut conn = ctx.store.pool.acquire().await?;
        self.record_step_in(&mut conn, name, value).await
    }

    /// Records a step inside the caller's transaction (it commits with the step's writes).
    pub async fn record_step_in(
        &self,
        conn: &mut AnyConnection,
        name: &str,
        value: Value,
    ) -> JobResult {
        let json = {
            let mut p = self.progress.lock().expect("progress lock");
            p[name] = value;
            p.to_string()
        };
        let r = sqlx::query("UPDATE jobs SET progress = $1 WHERE id = $2 AND lease_token = $3")
            .bind(json)
            .bind(self.id)
            .bind(&self.token)
            .execute(&mut *conn)
            .await?;
        if r.rows_affected() == 0 {
            return Err(JobError::LeaseLost);
        }
        Ok(())
    }

    /// Marks the job done inside the caller's transaction, so the job's last writes and its
    /// completion commit together. `LeaseLost` (roll back!) when another worker holds it now.
    pub async fn complete_in(&self, conn: &mut AnyConnection, now_ms: i64) -> JobResult {
        let progress = self.progress.lock().expect("progress lock").to_string();
        let r = sqlx::query(
            "UPDATE jobs SET state = 'done', finished_at = $1, progress = $2, lease_token = NULL, lease_until = NULL, last_error = NULL
             WHERE id = $3 AND lease_token = $4 AND state = 'pending'",
        )
        .bind(now_ms)
        .bind(progress)
        .bind(self.id)
        .bind(&self.token)
        .execute(&mut *conn)
        .await?;
        if r.rows_affected() == 0 {
            return Err(JobError::LeaseLost);
        }
        Ok(())
    }
}

/// A claimed row before it runs.
struct Claimed {
    lease: Lease,
    kind: String,
    payload: String,
}

/// How many jobs one claim takes at most.
const BATCH: i64 = 8;
/// Jobs one worker runs at once.
const CONCURRENCY: usize = 16;

fn lease_ms(ctx: &Ctx) -> i64 {
    ctx.config.jobs_lease.as_millis().max(300) as i64
}

/// Claims up to `limit` due jobs (or only job `only`) under a fresh lease.
async fn claim(ctx: &Ctx, limit: i64, only: Option<i64>) -> Result<Vec<Claimed>, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let token = uuid::Uuid::new_v4().to_string();
    let sql = format!(
        "UPDATE jobs SET lease_token = $1, lease_until = $2, attempts = attempts + 1 WHERE id IN (
           SELECT id FROM jobs
           WHERE state = 'pending' AND run_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
             AND ($5 < 0 OR id = $5)
           ORDER BY run_at, id LIMIT $4{})
         RETURNING id, kind, payload, attempts, max_attempts, progress",
        ctx.store.skip_locked()
    );
    let rows = sqlx::query(&sql)
        .bind(&token)
        .bind(now + lease_ms(ctx))
        .bind(now)
        .bind(limit)
        .bind(only.unwrap_or(-1))
        .fetch_all(&ctx.store.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let progress: String = r.get(5);
            Claimed {
                lease: Lease {
                    id: r.get(0),
                    token: token.clone(),
                    attempt: r.get(3),
                    max_attempts: r.get(4),
                    progress: std::sync::Mutex::new(
                        serde_json::from_str(&progress).unwrap_or_else(|_| serde_json::json!({})),
                    ),
                },
                kind: r.get(1),
                payload: r.get(2),
            }
        })
        .collect())
}

/// Renews the lease every third of its length; returns when the lease is lost.
async fn keep_leased(ctx: &Ctx, id: i64, token: &str) {
    let every = Duration::from_millis((lease_ms(ctx) / 3).max(100) as u64);
    loop {
        tokio::time::sleep(every).await;
        let r = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_token = $3 AND state = 'pending'",
        )
        .bind(ctx.clock.now_ms() + lease_ms(ctx))
        .bind(id)
        .bind(token)
        .execute(&ctx.store.pool)
        .await;
        match r {
            Ok(r) if r.rows_affected() == 0 => return,
            Ok(_) => {}
            // The store is briefly away: keep trying while the lease may still hold.
            Err(e) => {
                tracing::warn!(job = id, error = %crate::config::redact_url(&e.to_string()), "jobs: lease renewal failed")
            }
        }
    }
}

/// Backoff before attempt `attempt + 1`: 1 s, 2 s, 4 s … at most 60 s.
pub fn backoff(attempt: i64) -> Duration {
    Duration::from_millis((1000u64 << (attempt - 1).clamp(0, 6) as u32).min(60_000))
}

async fn execute(ctx: &Arc<Ctx>, job: &Job, lease: &Lease) -> JobResult {
    match job {
        Job::Declaration { incident, reply } => {
            crate::incident::flows::run_declaration_job(ctx, *incident, reply.as_ref(), lease).await
        }
        Job::DeployFollow(f) => crate::control::deploys::run_follow_job(ctx, f, lease).await,
        Job::Postmortem { incident } => {
            crate::incident::flows::run_postmortem_job(ctx, *incident, lease).await
        }
        Job::ConfirmedAction(a) => confirmed::run_job(ctx, a, lease).await,
        Job::OpsFollow(f) => crate::ops::follow::run_follow_job(ctx, f, lease).await,
        Job::OpsConfirmed(c) => crate::ops::job::run_job(ctx, c, lease).await,
    }
}

/// What happened to one job in one run (what [`run_once`] returns, for tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub id: i64,
    pub kind: String,
    /// `done`, `retry`, `failed` or `lease_lost`.
    pub outcome: &'static str,
}

async fn run_claimed(ctx: &Arc<Ctx>, c: Claimed) -> Ran {
    let Claimed {
        lease,
        kind,
        payload,
    } = c;
    let job: Result<Job, _> = serde_json::from_str(&payload);
    let result = match &job {
        Err(e) => Err(JobError::Fail(format!("unreadable payload: {e}"))),
        Ok(job) => {
            let work = execute(ctx, job, &lease);
            let renew = keep_leased(ctx, lease.id, &lease.token);
            tokio::select! {
                r = work => r,
                _ = renew => Err(JobError::LeaseLost),
            }
        }
    };
    let outcome = record(ctx, &lease, &kind, job.ok().as_ref(), result).await;
    Ran {
        id: lease.id,
        kind,
        outcome,
    }
}

/// Records an attempt's outcome (unless the job already completed itself).
async fn record(
    ctx: &Ctx,
    lease: &Lease,
    kind: &str,
    job: Option<&Job>,
    result: JobResult,
) -> &'static str {
    let now = ctx.clock.now_ms();
    let progress = lease.progress.lock().expect("progress lock").to_string();
    let outcome = match result {
        Ok(()) => {
            // Most jobs complete inside their last transaction; this is a no-op for them.
            let r = sqlx::query(
                "UPDATE jobs SET state = 'done', finished_at = $1, progress = $2, lease_token = NULL, lease_until = NULL, last_error = NULL
                 WHERE id = $3 AND lease_token = $4 AND state = 'pending'",
            )
            .bind(now)
            .bind(progress)
            .bind(lease.id)
            .bind(&lease.token)
            .execute(&ctx.store.pool)
            .await;
            if let Err(e) = r {
                tracing::error!(job = lease.id, error = %crate::config::redact_url(&e.to_string()), "jobs: could not record completion; the job will run again and skip its finished steps");
            }
            "done"
        }
        Err(JobError::LeaseLost) => {
            tracing::warn!(
                job = lease.id,
                kind,
                "jobs: lease lost; another worker has the job"
            );
            "lease_lost"
        }
        Err(JobError::Retry(error)) if !lease.is_last_attempt() => {
            let at = now + backoff(lease.attempt).as_millis() as i64;
            tracing::warn!(job = lease.id, kind, attempt = lease.attempt, error = %error, "jobs: attempt failed; retrying");
            let r = sqlx::query(
                "UPDATE jobs SET run_at = $1, last_error = $2, progress = $3, lease_token = NULL, lease_until = NULL
                 WHERE id = $4 AND lease_token = $5",
            )
            .bind(at)
            .bind(truncate(&error))
            .bind(progress)
            .bind(lease.id)
            .bind(&lease.token)
            .execute(&ctx.store.pool)
            .await;
            if let Err(e) = r {
                tracing::error!(job = lease.id, error = %crate::config::redact_url(&e.to_string()), "jobs: could not record a retry; the lease will expire");
            }
            "retry"
        }
        Err(JobError::Retry(error)) | Err(JobError::Fail(error)) => {
            tracing::error!(job = lease.id, kind, attempt = lease.attempt, error = %error, "jobs: failed for good");
            if let Err(e) = fail(ctx, lease, job, &error, &progress, now).await {
                tracing::error!(job = lease.id, error = %crate::config::redact_url(&e.to_string()), "jobs: could not record the failure; the lease will expire");
            }
            "failed"
        }
    };
    metrics::counter!("jobs_runs_total", "kind" => kind.to_string(), "outcome" => outcome)
        .increment(1);
    outcome
}

/// Terminal failure and, for a job whose loss people notice, one notice in the same transaction.
async fn fail(
    ctx: &Ctx,
    lease: &Lease,
    job: Option<&Job>,
    error: &str,
    progress: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = ctx.store.begin().await?;
    let r = sqlx::query(
        "UPDATE jobs SET state = 'failed', finished_at = $1, last_error = $2, progress = $3, lease_token = NULL, lease_until = NULL
         WHERE id = $4 AND lease_token = $5 AND state = 'pending'",
    )
    .bind(now)
    .bind(truncate(error))
    .bind(progress)
    .bind(lease.id)
    .bind(&lease.token)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() == 1 {
        match job {
            Some(Job::Declaration { incident, .. }) => {
                crate::incident::flows::declaration_failed(
                    ctx,
                    &mut tx,
                    *incident,
                    lease.attempt,
                    now,
                )
                .await?;
            }
            Some(Job::DeployFollow(f)) if !f.channel.is_empty() => {
                // Whoever asked for the deploy would otherwise never hear how it went.
                let msg = messages::jobs::follow_up_lost(
                    &f.verb,
                    &f.service_name,
                    &f.deployment,
                    &ctx.config.julia_command,
                    ctx.locale(),
                );
                crate::outbox::enqueue(
                    &mut tx,
                    &crate::outbox::OutboxItem::post(&f.channel, &msg),
                    now,
                )
                .await?;
            }
            Some(Job::ConfirmedAction(a)) if !a.channel.is_empty() => {
                let command = format!("{} {}", ctx.config.julia_command, a.action.command());
                let msg = messages::jobs::action_not_carried_out(&command, &a.user, ctx.locale());
                crate::outbox::enqueue(
                    &mut tx,
                    &crate::outbox::OutboxItem::post(&a.channel, &msg),
                    now,
                )
                .await?;
            }
            _ => {}
        }
    }
    tx.commit().await?;
    ctx.outbox_wake.notify_one();
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(500).collect()
}

/// Claims the due jobs (at most 8), runs them to the end, records each outcome. Tests call it
/// to drive the worker one step at a time; the loop in [`run_worker`] runs the same steps.
pub async fn run_once(ctx: &Arc<Ctx>) -> Result<Vec<Ran>, sqlx::Error> {
    let claimed = claim(ctx, BATCH, None).await?;
    Ok(futures::future::join_all(claimed.into_iter().map(|c| run_claimed(ctx, c))).await)
}

/// Runs one job now if it is due and free (e.g. in the simulator). `None` if it was not.
pub async fn run_job(ctx: &Arc<Ctx>, id: i64) -> Result<Option<Ran>, sqlx::Error> {
    match claim(ctx, 1, Some(id)).await?.into_iter().next() {
        Some(c) => Ok(Some(run_claimed(ctx, c).await)),
        None => Ok(None),
    }
}

/// Finished jobs are kept this long (for `/health/ready`, metrics and looking back), then deleted.
/// Failed jobs are kept until someone deletes them.
pub const KEEP_DONE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Deletes jobs that finished well before `now_ms` (older than [`KEEP_DONE`]); returns how many.
pub async fn prune(ctx: &Ctx, now_ms: i64) -> Result<u64, sqlx::Error> {
    let r = sqlx::query("DELETE FROM jobs WHERE state = 'done' AND finished_at < $1")
        .bind(now_ms - KEEP_DONE.as_millis() as i64)
        .execute(&ctx.store.pool)
        .await?;
    Ok(r.rows_affected())
}

/// How long a stopping worker (SIGTERM, e.g. a redeploy) lets running jobs finish before it
/// hands the rest over.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The job loop: claims due jobs while it has room (16 at once), each in its own task so a long
/// job (a deployment followed for minutes) never holds the others. Wakes on `ctx.jobs_wake`
/// (a local write) or every `JOBS_POLL_INTERVAL` (other replicas' writes, retries, expired leases).
/// On shutdown it gives running jobs [`SHUTDOWN_GRACE`] to finish, then releases the leases of
/// the others (that attempt not counted), so the next process takes them over at once instead
/// of after a lease.
pub async fn run_worker(ctx: Arc<Ctx>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let held: Arc<std::sync::Mutex<std::collections::HashSet<(i64, String)>>> = Default::default();
    let mut last_prune: Option<std::time::Instant> = None;
    loop {
        if *shutdown.borrow() {
            hand_over(&ctx, &slots, &held).await;
            return;
        }
        if last_prune.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
            last_prune = Some(std::time::Instant::now());
            if let Err(e) = prune(&ctx, ctx.clock.now_ms()).await {
                tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "jobs: pruning failed");
            }
        }
        let room = slots.available_permits().min(BATCH as usize) as i64;
        let mut claimed_any = false;
        if room > 0 {
            match claim(&ctx, room, None).await {
                Ok(claimed) => {
                    claimed_any = !claimed.is_empty();
                    for c in claimed {
                        let permit = slots.clone().acquire_owned().await.expect("semaphore");
                        let ctx = ctx.clone();
                        let key = (c.lease.id, c.lease.token.clone());
                        held.lock().expect("held").insert(key.clone());
                        let held = held.clone();
                        tokio::spawn(async move {
                            run_claimed(&ctx, c).await;
                            held.lock().expect("held").remove(&key);
                            drop(permit);
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %crate::config::redact_url(&e.to_string()), "jobs: store unavailable, retrying")
                }
            }
        }
        if !claimed_any {
            tokio::select! {
                _ = ctx.jobs_wake.notified() => {}
                _ = tokio::time::sleep(ctx.config.jobs_poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Waits up to [`SHUTDOWN_GRACE`] for running jobs, then releases the leases still held.
async fn hand_over(
    ctx: &Ctx,
    slots: &tokio::sync::Semaphore,
    held: &std::sync::Mutex<std::collections::HashSet<(i64, String)>>,
) {
    let until = std::time::Instant::now() + SHUTDOWN_GRACE;
    while slots.available_permits() < CONCURRENCY && std::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left: Vec<(i64, String)> = held.lock().expect("held").iter().cloned().collect();
    for (id, token) in left {
        let r = sqlx::query(
            "UPDATE jobs SET lease_token = NULL, lease_until = NULL, attempts = attempts - 1
             WHERE id = $1 AND lease_token = $2 AND state = 'pending'",
        )
        .bind(id)
        .bind(&token)
        .execute(&ctx.store.pool)
        .await;
        match r {
            Ok(_) => tracing::info!(job = id, "jobs: shutting down; job handed over"),
            Err(e) => {
                tracing::warn!(job = id, error = %crate::config::redact_url(&e.to_string()), "jobs: could not hand a job over; its lease will run out")
            }
        }
    }
}

/// The newest job's id (0 without jobs).
pub async fn last_id(ctx: &Ctx) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COALESCE(MAX(id), 0) FROM jobs")
        .fetch_one(&ctx.store.pool)
        .await?
        .try_get::<i64, _>(0)
}

/// Pending jobs newer than `after`, oldest first (the simulator runs only its own).
pub async fn pending_after(ctx: &Ctx, after: i64) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query("SELECT id FROM jobs WHERE id > $1 AND state = 'pending' ORDER BY id")
        .bind(after)
        .fetch_all(&ctx.store.pool)
        .await?;
    Ok(rows.iter().map(|r| r.get::<i64, _>(0)).collect())
}

/// Jobs by kind and state, the failures of the last 24 hours and the age of the oldest due job.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub by_kind_state: Vec<(String, String, i64)>,
    pub failed_last_24h: i64,
    pub oldest_due_age_ms: i64,
}

pub async fn summary(ctx: &Ctx) -> Result<Summary, sqlx::Error> {
    let now = ctx.clock.now_ms();
    let rows = sqlx::query("SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state")
        .fetch_all(&ctx.store.pool)
        .await?;
    let by_kind_state = rows
        .iter()
        .map(|r| {
            (
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<i64, _>(2),
            )
        })
        .collect();
    let r = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM jobs WHERE state = 'failed' AND finished_at >= $1),
                (SELECT MIN(run_at) FROM jobs WHERE state = 'pending' AND run_at <= $2)",
    )
    .bind(now - 24 * 3600 * 1000)
    .bind(now)
    .fetch_one(&ctx.store.pool)
    .await?;
    let oldest: Option<i64> = r.get(1);
    Ok(Summary {
        by_kind_state,
        failed_last_24h: r.get(0),
        oldest_due_age_ms: oldest.map(|t| (now - t).max(0)).unwrap_or(0),
    })
}

/// Sets the `jobs` gauges for `/metrics` (every kind and state, zeros included).
pub async fn export_metrics(ctx: &Ctx) {
    let Ok(s) = summary(ctx).await else {
        return;
    };
    for kind in KINDS {
        for state in ["pending", "done", "failed"] {
            let n = s
                .by_kind_state
                .iter()
                .find(|(k, st, _)| k == kind && st == state)
                .map(|t| t.2)
                .unwrap_or(0);
            metrics::gauge!("jobs", "kind" => kind, "state" => state).set(n as f64);
        }
    }
    metrics::gauge!("jobs_failed_last_24h").set(s.failed_last_24h as f64);
    metrics::gauge!("jobs_oldest_due_age_seconds").set(s.oldest_due_age_ms as f64 / 1000.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(4), Duration::from_secs(8));
        assert_eq!(backoff(7), Duration::from_secs(60));
        assert_eq!(backoff(30), Duration::from_secs(60));
    }

    #[test]
    fn payloads_are_typed_and_tagged() {
        let j = Job::Declaration {
            incident: 7,
            reply: Some(DeclaredReply::Dm { user: "U1".into() }),
        };
        let s = serde_json::to_string(&j).unwrap();
        assert!(s.contains(r#""kind":"declaration""#), "{s}");
        assert_eq!(serde_json::from_str::<Job>(&s).unwrap(), j);
        // The rows the migration writes for declarations cut short before it.
        let old: Job = serde_json::from_str(r#"{"kind":"declaration","incident":3}"#).unwrap();
        assert_eq!(
            old,
            Job::Declaration {
                incident: 3,
                reply: None
            }
        );
    }
}
