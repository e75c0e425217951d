//! The guarded-action path on its own, with an action that is not Julia's: what `/julia`
//! controls and the `/ops` runbooks share (permission, single-use confirmation, audit). The
//! path never names an action, so a new kind of control only implements `Control`. (The
//! confirmed action as a job, and what a crash does to it, is `confirmed_jobs.rs`.)

use std::sync::Arc;

use chatops_core::guarded::{self, Choice, Control, Outcome, Prepared, Refusal, Reply};
use chatops_core::store::named;
use chatops_core::Ctx;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use testkit::*;

const ADMIN: &str = "UADMIN";
const OTHER: &str = "UOTHER";
const STATE: &str = "guarded_test_switch";

/// A switch kept in the bot's own store: `set` writes `value`, refused when it already is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Set {
    value: String,
}

impl Control for Set {
    fn name(&self) -> std::borrow::Cow<'static, str> {
        "test.set".into()
    }
    fn describe(&self) -> String {
        format!("set {}", self.value)
    }
    async fn prepare(&self, ctx: &Ctx) -> Result<Prepared<Self>, Refusal> {
        let now = named::get_state(&ctx.store.pool, STATE).await.unwrap();
        if now.as_deref() == Some(self.value.as_str()) {
            let msg = messages::Msg::text(format!("already {}", self.value));
            return Err(Refusal::new("unchanged", msg).before(now));
        }
        let what = format!("set the switch to {}", self.value);
        let mut p = Prepared::new(what, self.clone(), now);
        // A second choice, as a resume offers "Resume only".
        p.alt = Some(Set {
            value: format!("{}-alt", self.value),
        });
        Ok(p)
    }
    fn command_line(&self, _ctx: &Ctx) -> String {
        format!("/test {}", self.describe())
    }
    fn interrupted(&self, _ctx: &Ctx, user: &str) -> messages::Msg {
        messages::Msg::text(format!("{user}: interrupted"))
    }
    /// No job kind for a test's control: it runs in the process that took the click.
    const JOB_KIND: Option<&'static str> = None;
    fn prompt(_ctx: &Ctx, p: &Prepared<Self>, token: &str) -> messages::Msg {
        messages::Msg::text(format!("confirm: {} [{token}]", p.what))
    }
    async fn execute(&self, ctx: &Arc<Ctx>, reply: &Reply) {
        let mut conn = ctx.store.pool.acquire().await.unwrap();
        named::put_state(&mut conn, STATE, &self.value)
            .await
            .unwrap();
        let o = Outcome::new("done").after(Some(self.value.clone()));
        let msg = messages::Msg::text(format!("done in {}", reply.channel));
        guarded::finish(ctx, reply, self, o, &msg).await;
    }
}

struct H {
    ctx: Arc<Ctx>,
    slack: FakeSlack,
    _db: TestDb,
}

impl H {
    fn reply(&self, user: &str, id: &str, channel: &str) -> Reply {
        Reply {
            user: user.into(),
            channel: channel.into(),
            response_url: self.slack.response_url(id),
        }
    }
    /// The token of the prompt answered on `id`.
    fn token(&self, id: &str) -> String {
        let t = self.text(id);
        let start = t.find('[').expect("a prompt") + 1;
        t[start..t.len() - 1].to_string()
    }
    fn text(&self, id: &str) -> String {
        let r = self.slack.responses_to(id);
        let last: &Value = r.last().expect("an answer");
        last["text"].as_str().unwrap_or_default().to_string()
    }
    async fn switch(&self) -> Option<String> {
        named::get_state(&self.ctx.store.pool, STATE).await.unwrap()
    }
    async fn audits(&self, actor: &str, outcome: &str) -> i64 {
        let sql = "SELECT COUNT(*) FROM audit_log WHERE action = 'test.set' AND actor = $1 AND outcome = $2";
        sqlx::query_scalar(sql)
            .bind(actor)
            .bind(outcome)
            .fetch_one(&self.ctx.store.pool)
            .await
            .unwrap()
    }
}

async fn harness(db: TestDb) -> H {
    let slack = FakeSlack::start().await;
    let opts = AppOptions::default().env("CHATOPS_ADMINS", ADMIN);
    let ctx = worker_ctx(&db, &slack, opts).await;
    H {
        ctx,
        slack,
        _db: db,
    }
}

fn set(v: &str) -> Set {
    Set { value: v.into() }
}

async fn a_confirmed_action_runs_once_for_its_requester_only(db: TestDb) {
    let h = harness(db).await;
    guarded::request(&h.ctx, &h.reply(ADMIN, "p1", "CPROMPT"), set("on")).await;
    assert!(h.text("p1").starts_with("confirm: set the switch to on"));
    assert_eq!(h.switch().await, None, "nothing changes before the click");
    let token = h.token("p1");
    // Someone else's click is refused and changes nothing.
    guarded::answer::<Set>(&h.ctx, &h.reply(OTHER, "c0", ""), &token, Choice::Confirm).await;
    assert_eq!(h.switch().await, None);
    assert_eq!(h.audits(OTHER, "rejected_click_not_yours").await, 1);
    // The requester's click runs it, in the prompt's channel.
    guarded::answer::<Set>(
        &h.ctx,
        &h.reply(ADMIN, "c1", "CELSEWHERE"),
        &token,
        Choice::Confirm,
    )
    .await;
    assert_eq!(h.switch().await.as_deref(), Some("on"));
    assert_eq!(h.text("c1"), "done in CPROMPT");
    assert_eq!(h.slack.responses_to("c1")[0]["replace_original"], true);
    // A second click (another replica, a double tap) does nothing.
    guarded::answer::<Set>(
        &h.ctx,
        &h.reply(ADMIN, "c2", ""),
        &token,
        Choice::Alternative,
    )
    .await;
    assert_eq!(h.switch().await.as_deref(), Some("on"));
    assert_eq!(h.audits(ADMIN, "rejected_click_used").await, 1);
    for outcome in ["requested", "confirmed", "done"] {
        assert_eq!(h.audits(ADMIN, outcome).await, 1, "{outcome}");
    }
    // Preconditions are checked at the request: already on.
    guarded::request(&h.ctx, &h.reply(ADMIN, "p2", "C1"), set("on")).await;
    assert_eq!(h.text("p2"), "already on");
    assert_eq!(h.audits(ADMIN, "unchanged").await, 1);
}
on_both_stores!(
    confirmed_once,
    a_confirmed_action_runs_once_for_its_requester_only
);

async fn the_alternative_cancel_and_a_non_admin_take_their_own_paths(db: TestDb) {
    let h = harness(db).await;
    guarded::request(&h.ctx, &h.reply(OTHER, "p0", "C1"), set("on")).await;
    assert!(h.text("p0").contains("`set on`"), "{}", h.text("p0"));
    assert_eq!(h.audits(OTHER, "refused").await, 1);
    assert!(h.slack.responses_to("p0").len() == 1 && h.switch().await.is_none());
    guarded::request(&h.ctx, &h.reply(ADMIN, "p1", "C1"), set("on")).await;
    let token = h.token("p1");
    guarded::answer::<Set>(&h.ctx, &h.reply(ADMIN, "c1", ""), &token, Choice::Cancel).await;
    assert_eq!(h.switch().await, None);
    assert_eq!(h.audits(ADMIN, "cancelled").await, 1);
    // A cancelled prompt is used up.
    guarded::answer::<Set>(&h.ctx, &h.reply(ADMIN, "c2", ""), &token, Choice::Confirm).await;
    assert_eq!(h.switch().await, None);
    guarded::request(&h.ctx, &h.reply(ADMIN, "p2", "C1"), set("on")).await;
    let token = h.token("p2");
    guarded::answer::<Set>(
        &h.ctx,
        &h.reply(ADMIN, "c3", ""),
        &token,
        Choice::Alternative,
    )
    .await;
    assert_eq!(h.switch().await.as_deref(), Some("on-alt"));
    // A token nobody issued.
    guarded::answer::<Set>(&h.ctx, &h.reply(ADMIN, "c4", ""), "nope", Choice::Confirm).await;
    assert_eq!(h.switch().await.as_deref(), Some("on-alt"));
    assert_eq!(h.slack.responses_to("c4").len(), 1, "told why");
}
on_both_stores!(
    choices,
    the_alternative_cancel_and_a_non_admin_take_their_own_paths
);
