//! What the bot can see of Julia's database, and what a pause really does and leaves behind
//! (`/julia status` while paused, `pause`/`resume` prompts and announcements, `queue`,
//! `queue blocked`, `jobs kill`). English and Brazilian Portuguese.

use crate::blocks::{self, Style};
use crate::julia::{
    ago, confirm_text, tr, ConfirmView, ACTION_CANCEL, ACTION_CONFIRM, ACTION_CONFIRM_ALT,
};
use crate::{escape, human_duration, Locale, Msg};

/// `alterado_por` / `updated_by`: a Slack user id becomes a mention, anything else is text.
pub fn who(by: &str) -> String {
    let is_user = by.len() > 1
        && (by.starts_with('U') || by.starts_with('W'))
        && by
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if is_user {
        format!("<@{by}>")
    } else {
        escape(by)
    }
}

// ---------------------------------------------------------------- visibility (§6.1)

/// The one answer of every database subcommand when row-level security hides the rows.
pub fn hidden(l: Locale, role: &str, tables: &[String], owner: Option<&str>) -> String {
    let tables = tables
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let owner = owner
        .map(|o| format!("`{}`", escape(o)))
        .unwrap_or_else(|| "`postgres`".into());
    tr(
        l,
        format!(
            ":no_entry: *The bot cannot see Julia's data.* It connects to Julia's database as role `{}`, which is not the tables' owner, not a superuser and has no BYPASSRLS, so row-level security shows it zero rows of {tables} — without any error. Nothing was read or written: an answer now would be false. Set JULIA_DATABASE_URL to connect as the owner ({owner}) or a role with BYPASSRLS (Supabase: `service_role`).",
            escape(role)
        ),
        format!(
            ":no_entry: *O bot não consegue ver os dados da Julia.* Ele conecta no banco da Julia como o papel `{}`, que não é dono das tabelas, não é superusuário e não tem BYPASSRLS; a segurança por linha (RLS) mostra zero linhas de {tables} — sem erro algum. Nada foi lido nem gravado: uma resposta agora seria falsa. Defina JULIA_DATABASE_URL para conectar como o dono ({owner}) ou um papel com BYPASSRLS (Supabase: `service_role`).",
            escape(role)
        ),
    )
}

/// Zero visible `app_settings` rows: the guard cannot be checked (not a mismatch).
pub fn settings_hidden(l: Locale) -> Msg {
    Msg::text(tr(
        l,
        ":no_entry: *Cannot see the settings:* `app_settings` shows this connection no rows at all, so the hard guard (environment, project ref) cannot be checked. This is not a mismatch: the rows are missing or hidden from the bot's role. Nothing was changed. Check JULIA_DATABASE_URL's role and that `app_settings` has `environment` and `supabase_project_ref`.".into(),
        ":no_entry: *Não consigo ver as configurações:* `app_settings` não mostra nenhuma linha a esta conexão, então o hard guard (ambiente, project ref) não pode ser conferido. Não é divergência: as linhas faltam ou estão ocultas do papel do bot. Nada foi alterado. Confira o papel de JULIA_DATABASE_URL e se `app_settings` tem `environment` e `supabase_project_ref`.".into(),
    ))
}

/// `/health/ready` and `check-config`: one line on the connection's visibility.
pub fn visibility_line(role: &str, hidden: &[String]) -> String {
    if hidden.is_empty() {
        format!("julia database: role {role} sees the rows of Julia's tables")
    } else {
        format!(
            "julia database: role {role} CANNOT see the rows of {} (row-level security; connect as the tables' owner or a BYPASSRLS role)",
            hidden.join(", ")
        )
    }
}

// ---------------------------------------------------------------- status while paused

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
    out.push(tr(
        l,
        format!("Paused for {since} by {by} — reason: {reason}"),
        format!("Pausada há {since} por {by} — motivo: {reason}"),
    ));
    if let Some(b) = &v.blocked {
        out.push(tr(
            l,
            format!(
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
        out.push(tr(
            l,
            format!(":raising_hand: {n} handoffs pending (oldest {oldest}): in handoff mode every inbound message goes to a human, and someone must work them."),
            format!(":raising_hand: {n} handoffs pendentes (mais antigo {oldest}): no modo handoff toda mensagem recebida vai para um humano, e alguém precisa atendê-las."),
        ));
    }
    out.push(tr(
        l,
        "Not stopped by the pause: chip warming keeps sending. Julia's own dashboard and Slack status will say `ativo` (the scheduler heartbeat writes it every minute): only safe_mode tells the truth.".into(),
        "A pausa não para: o aquecimento de chips continua enviando. O dashboard e o status no Slack da própria Julia vão dizer `ativo` (o heartbeat do scheduler grava isso a cada minuto): só o safe_mode diz a verdade.".into(),
    ));
    out
}

// ---------------------------------------------------------------- pause / resume

/// What `safe_mode` stops and does not stop, for the confirmation.
pub fn what_pause(l: Locale, reason: &str, handoff: bool) -> String {
    let mode = if handoff { "handoff" } else { "wait" };
    let inbound = if handoff {
        tr(
            l,
            "inbound messages are handed to a human (each opens a handoff someone must work)".into(),
            "mensagens recebidas vão para um humano (cada uma abre um handoff que alguém precisa atender)".into(),
        )
    } else {
        tr(
            l,
            "replies to inbound messages (doctors get no answer)".into(),
            "respostas a mensagens recebidas (os médicos ficam sem resposta)".into(),
        )
    };
    tr(
        l,
        format!(
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
    let mut s = tr(
        l,
        format!("resume Julia (safe_mode off) — reason: {}", escape(reason)),
        format!(
            "retomar a Julia (safe_mode desligado) — motivo: {}",
            escape(reason)
        ),
    );
    if let Some(b) = blocked {
        let old = b.total - b.young;
        s.push('\n');
        s.push_str(&tr(
            l,
            format!(
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

/// The resume prompt: "Resume and requeue N messages", "Resume only", "Cancel".
pub fn resume_confirm(l: Locale, v: &ConfirmView, requeue: i64) -> Msg {
    let q = confirm_text(l, v);
    Msg::with_blocks(
        q.clone(),
        vec![
            blocks::section(q),
            blocks::actions(
                "julia_confirm",
                vec![
                    blocks::button(
                        ACTION_CONFIRM,
                        &tr(
                            l,
                            format!("Resume and requeue {requeue} messages"),
                            format!("Retomar e recolocar {requeue} mensagens"),
                        ),
                        v.token,
                        Style::Primary,
                    ),
                    blocks::button(
                        ACTION_CONFIRM_ALT,
                        l.t("Resume only", "Só retomar"),
                        v.token,
                        Style::Danger,
                    ),
                    blocks::button(
                        ACTION_CANCEL,
                        l.t("Cancel", "Cancelar"),
                        v.token,
                        Style::Default,
                    ),
                ],
            ),
        ],
    )
}

/// When Julia applies a flag change: at once (cache set) or within 30 s.
pub fn applies(l: Locale, applies_now: bool, cache_problem: Option<&str>) -> String {
    if applies_now {
        tr(
            l,
            "Julia's flag cache was set to the new value: it applies now.".into(),
            "O cache de flags da Julia recebeu o novo valor: vale agora.".into(),
        )
    } else {
        let why = cache_problem.map(|p| format!(" ({p})")).unwrap_or_default();
        tr(
            l,
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
) -> Msg {
    let head = if paused {
        tr(
            l,
            ":double_vertical_bar: *Julia paused.*".into(),
            ":double_vertical_bar: *Julia pausada.*".into(),
        )
    } else {
        tr(
            l,
            ":arrow_forward: *Julia resumed.*".into(),
            ":arrow_forward: *Julia retomada.*".into(),
        )
    };
    let mut text = tr(
        l,
        format!("{head}\nThe database now says: safe_mode = `{db_now}`, plus a julia_status row via slack.\n{}", applies(l, applies_now, cache_problem)),
        format!("{head}\nO banco agora diz: safe_mode = `{db_now}`, mais um registro em julia_status via slack.\n{}", applies(l, applies_now, cache_problem)),
    );
    if paused {
        text.push('\n');
        text.push_str(&tr(
            l,
            "Chip warming is not stopped by safe_mode. Blocked messages are counted in `/julia status`.".into(),
            "O aquecimento de chips não é parado pelo safe_mode. As mensagens bloqueadas aparecem no `/julia status`.".into(),
        ));
    }
    if let Some(n) = requeued {
        text.push('\n');
        text.push_str(&requeued_line(l, n));
    }
    Msg::text(text)
}

fn requeued_line(l: Locale, n: u64) -> String {
    tr(
        l,
        format!("{n} blocked messages were requeued (`pendente`, due now), in the same transaction."),
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
        tr(
            l,
            format!(
                ":rotating_light: EMERGENCY PAUSE of Julia (safe_mode on) — {} — by <@{user}>. {stops_en}; chip warming is NOT stopped. Due messages are blocked until a resume requeues them.",
                escape(reason)
            ),
            format!(
                ":rotating_light: PAUSA DE EMERGÊNCIA da Julia (safe_mode ligado) — {} — por <@{user}>. {stops_pt}; o aquecimento de chips NÃO para. Mensagens vencidas ficam bloqueadas até um resume recolocá-las na fila.",
                escape(reason)
            ),
        )
    } else {
        let mut s = tr(
            l,
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
            _ => s.push_str(&tr(
                l,
                " Blocked messages were not requeued.".into(),
                " As mensagens bloqueadas não voltaram para a fila.".into(),
            )),
        }
        s
    })
}

// ---------------------------------------------------------------- queue

pub struct QueueView {
    pub pending: i64,
    pub due: i64,
    pub oldest_due_secs: Option<i64>,
    pub sent_5m: i64,
    pub stuck: i64,
    pub oldest_stuck_secs: Option<i64>,
}

pub fn queue_lines(l: Locale, q: &QueueView) -> Vec<String> {
    let oldest = q
        .oldest_due_secs
        .map(|s| human_duration(s, l))
        .unwrap_or_else(|| "-".into());
    let later = q.pending - q.due;
    let mut out = vec![tr(
        l,
        format!(
            "{} pending: {} due (oldest due for {oldest}), {later} scheduled later; {} sent in the last 5 min",
            q.pending, q.due, q.sent_5m
        ),
        format!(
            "{} pendentes: {} vencidas (a mais antiga vencida há {oldest}), {later} agendadas para depois; {} enviadas nos últimos 5 min",
            q.pending, q.due, q.sent_5m
        ),
    )];
    if q.stuck > 0 {
        let s = q
            .oldest_stuck_secs
            .map(|s| human_duration(s, l))
            .unwrap_or_else(|| "-".into());
        out.push(tr(
            l,
            format!(":warning: {} stuck in `processando` for over 10 min (oldest {s}); Julia resets them after 60 min.", q.stuck),
            format!(":warning: {} presas em `processando` há mais de 10 min (a mais antiga há {s}); a Julia as reinicia após 60 min.", q.stuck),
        ));
    }
    out
}

pub const TITLE_BLOCKED: (&str, &str) = ("Blocked by safe mode", "Bloqueadas pelo safe mode");

/// `/julia queue blocked`: counts by type, oldest, newest. Never content or phone numbers.
pub fn blocked_lines(l: Locale, b: &BlockedView) -> Vec<String> {
    let scope = if b.since_pause {
        tr(
            l,
            "since the pause began".into(),
            "desde o início da pausa".into(),
        )
    } else {
        tr(
            l,
            "in the last 24 h (Julia is not paused)".into(),
            "nas últimas 24 h (a Julia não está pausada)".into(),
        )
    };
    if b.total == 0 {
        return vec![tr(
            l,
            format!("No message blocked by safe mode {scope}."),
            format!("Nenhuma mensagem bloqueada pelo safe mode {scope}."),
        )];
    }
    let types = b
        .by_tipo
        .iter()
        .map(|(t, n)| format!("`{}` ×{n}", escape(t)))
        .collect::<Vec<_>>()
        .join(", ");
    let oldest = b
        .oldest_secs
        .map(|s| ago(l, s))
        .unwrap_or_else(|| "-".into());
    let newest = b
        .newest_secs
        .map(|s| ago(l, s))
        .unwrap_or_else(|| "-".into());
    vec![
        tr(
            l,
            format!("{} messages blocked {scope} (`bloqueada`, `BLOCKED_SAFE_MODE`); {} created < 24 h ago can still be requeued", b.total, b.young),
            format!("{} mensagens bloqueadas {scope} (`bloqueada`, `BLOCKED_SAFE_MODE`); {} criadas há < 24 h ainda podem voltar à fila", b.total, b.young),
        ),
        tr(l, format!("By type: {types}"), format!("Por tipo: {types}")),
        tr(
            l,
            format!("Oldest created {oldest}, newest created {newest}"),
            format!("Mais antiga criada {oldest}, mais nova criada {newest}"),
        ),
    ]
}

// ---------------------------------------------------------------- jobs kill (§6.4)

pub fn job_id_invalid(l: Locale, given: &str, cmd: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(
            ":warning: `{}` is not a job id. `{cmd} jobs kill <id>` takes the uuid shown by `{cmd} jobs` (e.g. `0f8fad5b-d9cb-469f-a165-70867728950e`). Nothing was changed.",
            escape(given)
        ),
        format!(
            ":warning: `{}` não é um id de job. `{cmd} jobs kill <id>` recebe o uuid mostrado por `{cmd} jobs` (ex.: `0f8fad5b-d9cb-469f-a165-70867728950e`). Nada foi alterado.",
            escape(given)
        ),
    ))
}

pub fn job_unknown(l: Locale, id: &str) -> Msg {
    Msg::text(tr(
        l,
        format!("No job with id `{id}` in `job_executions`. Nothing was changed; `/julia jobs` lists the long-running ones."),
        format!("Nenhum job com id `{id}` em `job_executions`. Nada foi alterado; `/julia jobs` lista os demorados."),
    ))
}

pub fn job_not_running(l: Locale, id: &str, name: &str, status: &str) -> Msg {
    Msg::text(tr(
        l,
        format!(
            "Job `{}` (`{id}`) is `{}`, not `running`: only a running job can be marked. Nothing was changed.",
            escape(name),
            escape(status)
        ),
        format!(
            "O job `{}` (`{id}`) está `{}`, não `running`: só um job rodando pode ser marcado. Nada foi alterado.",
            escape(name),
            escape(status)
        ),
    ))
}

pub fn what_job_kill(l: Locale, id: &str, name: &str, running_secs: Option<i64>) -> String {
    let for_ = running_secs
        .map(|s| human_duration(s, l))
        .unwrap_or_else(|| "?".into());
    tr(
        l,
        format!(
            "mark job `{}` (`{id}`, running for {for_}) as `error`, finished now.\nThis only relabels the row: it cannot stop a job that is really still running (the scheduler's call times out after 300 s, so a row running for over 30 min is an orphan); a job that is still running overwrites the row when it ends.",
            escape(name)
        ),
        format!(
            "marcar o job `{}` (`{id}`, rodando há {for_}) como `error`, finalizado agora.\nIsto só troca o rótulo da linha: não para um job que ainda esteja rodando de verdade (a chamada do scheduler expira após 300 s, então uma linha rodando há mais de 30 min é órfã); um job ainda rodando sobrescreve a linha quando terminar.",
            escape(name)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
