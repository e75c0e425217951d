//! Pause and resume: what a pause really does and leaves behind (`status` while paused,
//! prompts, results, announcements).

use super::common::who;
use crate::{escape, human_duration, Locale, Msg};

/// Messages blocked by safe mode (counts only).
pub struct BlockedView<'a> {
    pub since_pause: bool,
    pub total: i64,
    pub young: i64,
    pub by_tipo: &'a [(String, i64)],
    pub oldest_secs: Option<i64>,
    pub newest_secs: Option<i64>,
}

pub struct PausedView<'a> {
    pub mode: &'a str,
    pub since_secs: Option<i64>,
    pub by: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub blocked: Option<BlockedView<'a>>,
    /// (pending, oldest age) in handoff mode.
    pub handoffs: Option<(i64, Option<i64>)>,
}

/// Lines added to the pause state while Julia is paused.
pub fn paused_lines(l: Locale, v: &PausedView) -> Vec<String> {
    let mut out = Vec::new();
    let since = v
        .since_secs
        .map(|s| human_duration(s, l))
        .unwrap_or_else(|| "?".into());
    let by = v.by.map(who).unwrap_or_else(|| "?".into());
    let reason = escape(v.reason.unwrap_or("-"));
    out.push(l.t(
        format!("Paused for {since} by {by} — reason: {reason}"),
        format!("Pausada há {since} por {by} — motivo: {reason}"),
    ));
    if let Some(b) = &v.blocked {
        out.push(l.t(format!(
                ":no_entry_sign: {} messages blocked by safe mode since the pause, {} still young enough to send (created < 24 h ago). Julia never retries them: `resume` offers to requeue them; `queue blocked` shows them by type.",
                b.total, b.young
            ),
            format!(
                ":no_entry_sign: {} mensagens bloqueadas pelo safe mode desde a pausa, {} ainda novas o bastante para enviar (criadas há < 24 h). A Julia nunca as reenvia: o `resume` oferece recolocá-las na fila; `queue blocked` mostra por tipo.",
                b.total, b.young
            ),
        ));
    }
    if v.mode == "handoff" {
        let (n, oldest) = v.handoffs.unwrap_or((0, None));
        let oldest = oldest
            .map(|s| human_duration(s, l))
            .unwrap_or_else(|| "-".into());
        out.push(l.t(format!(":raising_hand: {n} handoffs pending (oldest {oldest}): in handoff mode every inbound message goes to a human, and someone must work them."),
            format!(":raising_hand: {n} handoffs pendentes (mais antigo {oldest}): no modo handoff toda mensagem recebida vai para um humano, e alguém precisa atendê-las."),
        ));
    }
    out.push(l.t("Not stopped by the pause: chip warming keeps sending. Julia's own dashboard and Slack status will say `ativo` (the scheduler heartbeat writes it every minute): only safe_mode tells the truth.", "A pausa não para: o aquecimento de chips continua enviando. O dashboard e o status no Slack da própria Julia vão dizer `ativo` (o heartbeat do scheduler grava isso a cada minuto): só o safe_mode diz a verdade.").to_string());
    out
}

/// What `safe_mode` stops and does not stop, for the confirmation.
pub fn what_pause(l: Locale, reason: &str, handoff: bool) -> String {
    let mode = if handoff { "handoff" } else { "wait" };
    let inbound = if handoff {
        l.t("inbound messages are handed to a human (each opens a handoff someone must work)", "mensagens recebidas vão para um humano (cada uma abre um handoff que alguém precisa atender)").to_string()
    } else {
        l.t(
            "replies to inbound messages (doctors get no answer)",
            "respostas a mensagens recebidas (os médicos ficam sem resposta)",
        )
        .to_string()
    };
    l.t(format!(
            "pause Julia (safe_mode on, mode `{mode}`) — reason: {}\n*Stops:* every proactive send — each due queued message becomes `bloqueada` and is never retried unless requeued at resume — and {inbound}.\n*Does not stop:* chip warming (it sends through the chips directly). Julia's dashboard will still say `ativo`.",
            escape(reason)
        ),
        format!(
            "pausar a Julia (safe_mode ligado, modo `{mode}`) — motivo: {}\n*Para:* todo envio proativo — cada mensagem da fila que vencer vira `bloqueada` e nunca é reenviada, a menos que seja recolocada na fila no resume — e {inbound}.\n*Não para:* o aquecimento de chips (envia direto pelos chips). O dashboard da Julia continuará dizendo `ativo`.",
            escape(reason)
        ),
    )
}

pub fn what_resume(l: Locale, reason: &str, blocked: Option<&BlockedView>) -> String {
    let mut s = l.t(
        format!("resume Julia (safe_mode off) — reason: {}", escape(reason)),
        format!(
            "retomar a Julia (safe_mode desligado) — motivo: {}",
            escape(reason)
        ),
    );
    if let Some(b) = blocked {
        let old = b.total - b.young;
        s.push('\n');
        s.push_str(&l.t(format!(
                "Since the pause {} messages were blocked by safe mode: {} are young enough to requeue (created < 24 h ago){}. Requeued messages are sent by Julia's worker as soon as it sees safe_mode off; the others stay `bloqueada`.",
                b.total,
                b.young,
                if old > 0 { format!(", {old} are older and will not be") } else { String::new() }
            ),
            format!(
                "Desde a pausa {} mensagens foram bloqueadas pelo safe mode: {} são novas o bastante para voltar à fila (criadas há < 24 h){}. As recolocadas são enviadas pelo worker da Julia assim que ele vir o safe_mode desligado; as outras continuam `bloqueada`.",
                b.total,
                b.young,
                if old > 0 { format!(", {old} são mais antigas e não voltam") } else { String::new() }
            ),
        ));
    }
    s
}

/// When Julia applies a flag change: at once (cache set) or within 30 s.
pub fn applies(l: Locale, applies_now: bool, cache_problem: Option<&str>) -> String {
    if applies_now {
        l.t(
            "Julia's flag cache was set to the new value: it applies now.",
            "O cache de flags da Julia recebeu o novo valor: vale agora.",
        )
        .to_string()
    } else {
        let why = cache_problem.map(|p| format!(" ({p})")).unwrap_or_default();
        l.t(
            format!("Julia applies it within 30 s (flag cache){why}."),
            format!("A Julia aplica em até 30 s (cache de flags){why}."),
        )
    }
}

/// `requeued`: `Some(n)` after a resume (n may be 0), `None` after a pause.
pub fn pause_done(
    l: Locale,
    paused: bool,
    db_now: &str,
    applies_now: bool,
    cache_problem: Option<&str>,
    requeued: Option<u64>,
    cmd: &str,
) -> Msg {
    let head = if paused {
        l.t(
            ":double_vertical_bar: *Julia paused.*",
            ":double_vertical_bar: *Julia pausada.*",
        )
        .to_string()
    } else {
        l.t(
            ":arrow_forward: *Julia resumed.*",
            ":arrow_forward: *Julia retomada.*",
        )
        .to_string()
    };
    let mut text = l.t(format!("{head}\nThe database now says: safe_mode = `{db_now}`, plus a julia_status row via slack.\n{}", applies(l, applies_now, cache_problem)),
        format!("{head}\nO banco agora diz: safe_mode = `{db_now}`, mais um registro em julia_status via slack.\n{}", applies(l, applies_now, cache_problem)),
    );
    if paused {
        text.push('\n');
        text.push_str(&l.t(format!("Chip warming is not stopped by safe_mode. Blocked messages are counted in `{cmd} status`."),
            format!("O aquecimento de chips não é parado pelo safe_mode. As mensagens bloqueadas aparecem no `{cmd} status`."),
        ));
    }
    if let Some(n) = requeued {
        text.push('\n');
        text.push_str(&requeued_line(l, n));
    }
    Msg::text(text)
}

fn requeued_line(l: Locale, n: u64) -> String {
    l.t(format!("{n} blocked messages were requeued (`pendente`, due now), in the same transaction."),
        format!("{n} mensagens bloqueadas voltaram para a fila (`pendente`, para agora), na mesma transação."),
    )
}

/// The incidents-channel announcement; `requeued` as in [`pause_done`].
pub fn pause_announcement(
    l: Locale,
    paused: bool,
    handoff: bool,
    reason: &str,
    user: &str,
    requeued: Option<u64>,
) -> Msg {
    Msg::text(if paused {
        let (stops_en, stops_pt) = if handoff {
            (
                "proactive sends stopped; inbound messages go to a human (handoffs)",
                "envios proativos parados; mensagens recebidas vão para um humano (handoffs)",
            )
        } else {
            (
                "proactive sends and replies stopped",
                "envios proativos e respostas parados",
            )
        };
        l.t(format!(
                ":rotating_light: EMERGENCY PAUSE of Julia (safe_mode on) — {} — by <@{user}>. {stops_en}; chip warming is NOT stopped. Due messages are blocked until a resume requeues them.",
                escape(reason)
            ),
            format!(
                ":rotating_light: PAUSA DE EMERGÊNCIA da Julia (safe_mode ligado) — {} — por <@{user}>. {stops_pt}; o aquecimento de chips NÃO para. Mensagens vencidas ficam bloqueadas até um resume recolocá-las na fila.",
                escape(reason)
            ),
        )
    } else {
        let mut s = l.t(
            format!(
                ":arrow_forward: Julia resumed — {} — by <@{user}>.",
                escape(reason)
            ),
            format!(
                ":arrow_forward: Julia retomada — {} — por <@{user}>.",
                escape(reason)
            ),
        );
        match requeued {
            Some(n) if n > 0 => {
                s.push(' ');
                s.push_str(&requeued_line(l, n));
            }
            _ => s.push_str(l.t(
                " Blocked messages were not requeued.",
                " As mensagens bloqueadas não voltaram para a fila.",
            )),
        }
        s
    })
}

/// The reason recorded for `resume` given without one.
pub fn resume_default_reason() -> String {
    "resume".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::julia::{
        hidden, resume_confirm, ConfirmView, ACTION_CANCEL, ACTION_CONFIRM, ACTION_CONFIRM_ALT,
    };

    #[test]
    fn slack_user_ids_become_mentions_and_anything_else_stays_text() {
        assert_eq!(who("UADMIN1"), "<@UADMIN1>");
        assert_eq!(who("scheduler"), "scheduler");
        assert_eq!(who("<!channel>"), "&lt;!channel&gt;");
    }

    #[test]
    fn the_hidden_rows_answer_names_the_role_and_what_to_connect_as_in_both_languages() {
        let tables = vec!["app_settings".to_string(), "feature_flags".to_string()];
        for l in [Locale::En, Locale::PtBr] {
            let t = hidden(l, "anon", &tables, Some("postgres"));
            for want in [
                "`anon`",
                "`app_settings`",
                "`feature_flags`",
                "BYPASSRLS",
                "`postgres`",
                "JULIA_DATABASE_URL",
            ] {
                assert!(t.contains(want), "{l:?} missing {want}: {t}");
            }
        }
    }

    #[test]
    fn the_resume_prompt_offers_requeue_resume_only_and_cancel_on_one_token() {
        let v = ConfirmView {
            what: "resume",
            environment: "production",
            project_ref: "ref",
            token: "tok",
        };
        let m = resume_confirm(Locale::PtBr, &v, 7);
        let b = m.blocks.unwrap().to_string();
        assert!(
            b.contains("Retomar e recolocar 7 mensagens") && b.contains("Só retomar"),
            "{b}"
        );
        for id in [ACTION_CONFIRM, ACTION_CONFIRM_ALT, ACTION_CANCEL] {
            assert!(b.contains(&format!("\"action_id\":\"{id}\"")), "{id}: {b}");
        }
        assert_eq!(b.matches("\"value\":\"tok\"").count(), 3);
    }

    #[test]
    fn a_pause_never_claims_julia_stopped() {
        for handoff in [false, true] {
            let t = pause_announcement(Locale::En, true, handoff, "r", "U1", None).text;
            assert!(
                !t.contains("Julia stopped") && t.contains("chip warming is NOT stopped"),
                "{t}"
            );
            let w = what_pause(Locale::En, "r", handoff);
            assert!(w.contains("*Does not stop:* chip warming"), "{w}");
        }
    }
}
