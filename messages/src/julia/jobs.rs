//! `jobs kill <uuid>`: refusals, prompt, result.

use crate::{escape, human_duration, Locale, Msg};

pub fn job_id_invalid(l: Locale, given: &str, cmd: &str) -> Msg {
    Msg::text(l.t(format!(
            ":warning: `{}` is not a job id. `{cmd} jobs kill <id>` takes the uuid shown by `{cmd} jobs` (e.g. `0f8fad5b-d9cb-469f-a165-70867728950e`). Nothing was changed.",
            escape(given)
        ),
        format!(
            ":warning: `{}` não é um id de job. `{cmd} jobs kill <id>` recebe o uuid mostrado por `{cmd} jobs` (ex.: `0f8fad5b-d9cb-469f-a165-70867728950e`). Nada foi alterado.",
            escape(given)
        ),
    ))
}

pub fn job_unknown(l: Locale, id: &str, cmd: &str) -> Msg {
    Msg::text(l.t(format!("No job with id `{id}` in `job_executions`. Nothing was changed; `{cmd} jobs` lists the long-running ones."),
        format!("Nenhum job com id `{id}` em `job_executions`. Nada foi alterado; `{cmd} jobs` lista os demorados."),
    ))
}

pub fn job_not_running(l: Locale, id: &str, name: &str, status: &str) -> Msg {
    Msg::text(l.t(format!(
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
    l.t(format!(
            "mark job `{}` (`{id}`, running for {for_}) as `error`, finished now.\nThis only relabels the row: it cannot stop a job that is really still running (the scheduler's call times out after 300 s, so a row running for over 30 min is an orphan); a job that is still running overwrites the row when it ends.",
            escape(name)
        ),
        format!(
            "marcar o job `{}` (`{id}`, rodando há {for_}) como `error`, finalizado agora.\nIsto só troca o rótulo da linha: não para um job que ainda esteja rodando de verdade (a chamada do scheduler expira após 300 s, então uma linha rodando há mais de 30 min é órfã); um job ainda rodando sobrescreve a linha quando terminar.",
            escape(name)
        ),
    )
}

pub fn job_killed(l: Locale, id: &str, name: &str) -> Msg {
    Msg::text(l.t(
        format!(
            ":skull: Job `{}` (`{id}`) marked `error` and finished; read back from the database.",
            escape(name)
        ),
        format!(
            ":skull: Job `{}` (`{id}`) marcado `error` e finalizado; conferido no banco.",
            escape(name)
        ),
    ))
}

/// The `error` text written to Julia's `job_executions` row by `jobs kill`.
pub fn job_kill_reason(user: &str) -> String {
    format!("killed from Slack by {user}")
}
