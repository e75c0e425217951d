//! Confirmation prompts of privileged controls (environment, project ref, single use) and
//! the hard guard's refusals.

use super::common::{ACTION_CANCEL, ACTION_CONFIRM, ACTION_CONFIRM_ALT};
use crate::blocks::{self, Style};
use crate::{Locale, Msg};

pub struct ConfirmView<'a> {
    pub what: &'a str,
    pub environment: &'a str,
    pub project_ref: &'a str,
    pub token: &'a str,
}

/// The question of a confirmation prompt: what, environment, project ref, single use.
pub fn confirm_text(l: Locale, v: &ConfirmView) -> String {
    l.t(format!(
            ":warning: *Confirm:* {}\nEnvironment `{}`, project ref `{}`. This button works once, for you only, for 5 minutes.",
            v.what, v.environment, v.project_ref
        ),
        format!(
            ":warning: *Confirme:* {}\nAmbiente `{}`, project ref `{}`. Este botão funciona uma vez, só para você, por 5 minutos.",
            v.what, v.environment, v.project_ref
        ),
    )
}

pub fn confirm(l: Locale, v: &ConfirmView) -> Msg {
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
                        l.t("Confirm", "Confirmar"),
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
                        &l.t(
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

/// The rollback prompt that offers to keep kill switches: "Confirm" (everything rolled back),
/// "Roll back, keep NAME=value", "Cancel".
pub fn rollback_keep_confirm(l: Locale, v: &ConfirmView, keep: &[(String, String)]) -> Msg {
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
                        l.t("Confirm", "Confirmar"),
                        v.token,
                        Style::Danger,
                    ),
                    blocks::button(
                        ACTION_CONFIRM_ALT,
                        &super::deploys::keep_label(l, keep),
                        v.token,
                        Style::Primary,
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

pub fn guard_mismatch(l: Locale, app_env: &str, db_env: &str, app_ref: &str, db_ref: &str) -> Msg {
    Msg::text(l.t(format!(
            ":octagonal_sign: *Refused: hard guard mismatch.* APP_ENV `{app_env}` vs app_settings.environment `{db_env}`; SUPABASE_PROJECT_REF `{app_ref}` vs app_settings.supabase_project_ref `{db_ref}`. The bot may be pointed at the wrong database. Nothing was changed; fix JULIA_DATABASE_URL / APP_ENV / SUPABASE_PROJECT_REF."
        ),
        format!(
            ":octagonal_sign: *Recusado: hard guard não confere.* APP_ENV `{app_env}` vs app_settings.environment `{db_env}`; SUPABASE_PROJECT_REF `{app_ref}` vs app_settings.supabase_project_ref `{db_ref}`. O bot pode estar apontando para o banco errado. Nada foi alterado; corrija JULIA_DATABASE_URL / APP_ENV / SUPABASE_PROJECT_REF."
        ),
    ))
}

pub fn already(l: Locale, paused: bool, state: &str) -> Msg {
    Msg::text(if paused {
        l.t(
            format!(":information_source: Julia is already paused ({state}). Nothing was changed."),
            format!(":information_source: A Julia já está pausada ({state}). Nada foi alterado."),
        )
    } else {
        l.t(
            format!(":information_source: Julia is not paused ({state}). Nothing was changed."),
            format!(":information_source: A Julia não está pausada ({state}). Nada foi alterado."),
        )
    })
}

/// Shown in a prompt for a variable that is not set (e.g. `(APP_ENV unset)`).
pub fn var_unset(var: &str) -> String {
    format!("({var} unset)")
}

/// In a guard mismatch: a setting the bot does not have, a value the database does not have.
pub const UNSET: &str = "(unset)";
pub const MISSING: &str = "(missing)";
