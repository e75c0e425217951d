//! `queue` and `queue blocked`.

use super::common::ago;
use super::pause::BlockedView;
use crate::{escape, human_duration, Locale};

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
    let mut out = vec![l.t(format!(
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
        out.push(l.t(format!(":warning: {} stuck in `processando` for over 10 min (oldest {s}); Julia resets them after 60 min.", q.stuck),
            format!(":warning: {} presas em `processando` há mais de 10 min (a mais antiga há {s}); a Julia as reinicia após 60 min.", q.stuck),
        ));
    }
    out
}

pub const TITLE_BLOCKED: (&str, &str) = ("Blocked by safe mode", "Bloqueadas pelo safe mode");

/// `/julia queue blocked`: counts by type, oldest, newest. Never content or phone numbers.
pub fn blocked_lines(l: Locale, b: &BlockedView) -> Vec<String> {
    let scope = if b.since_pause {
        l.t("since the pause began", "desde o início da pausa")
            .to_string()
    } else {
        l.t(
            "in the last 24 h (Julia is not paused)",
            "nas últimas 24 h (a Julia não está pausada)",
        )
        .to_string()
    };
    if b.total == 0 {
        return vec![l.t(
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
        l.t(format!("{} messages blocked {scope} (`bloqueada`, `BLOCKED_SAFE_MODE`); {} created < 24 h ago can still be requeued", b.total, b.young),
            format!("{} mensagens bloqueadas {scope} (`bloqueada`, `BLOCKED_SAFE_MODE`); {} criadas há < 24 h ainda podem voltar à fila", b.total, b.young),
        ),
        l.t(format!("By type: {types}"), format!("Por tipo: {types}")),
        l.t(format!("Oldest created {oldest}, newest created {newest}"),
            format!("Mais antiga criada {oldest}, mais nova criada {newest}"),
        ),
    ]
}
