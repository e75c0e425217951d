//! What the bot can see of Julia's database (row-level security).

use crate::{escape, Locale, Msg};

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
    l.t(format!(
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
    Msg::text(l.t(":no_entry: *Cannot see the settings:* `app_settings` shows this connection no rows at all, so the hard guard (environment, project ref) cannot be checked. This is not a mismatch: the rows are missing or hidden from the bot's role. Nothing was changed. Check JULIA_DATABASE_URL's role and that `app_settings` has `environment` and `supabase_project_ref`.", ":no_entry: *Não consigo ver as configurações:* `app_settings` não mostra nenhuma linha a esta conexão, então o hard guard (ambiente, project ref) não pode ser conferido. Não é divergência: as linhas faltam ou estão ocultas do papel do bot. Nada foi alterado. Confira o papel de JULIA_DATABASE_URL e se `app_settings` tem `environment` e `supabase_project_ref`.").to_string())
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

/// The `chatops check-config` line when the visibility check itself failed.
pub fn visibility_error(error: &str) -> String {
    format!("julia database: {error}")
}
