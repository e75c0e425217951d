//! `audit`: the last control actions.

use crate::blocks;
use crate::{escape, Locale, Msg};

pub struct AuditView<'a> {
    pub at_secs: i64,
    pub actor: &'a str,
    pub action: &'a str,
    pub args: &'a str,
    pub outcome: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

pub fn audit(l: Locale, rows: &[AuditView]) -> Msg {
    if rows.is_empty() {
        return Msg::text(l.t("No control actions yet.", "Nenhuma ação de controle ainda."));
    }
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            let ba = match (r.before, r.after) {
                (None, None) => String::new(),
                (b, a) => format!(
                    " — {} → {}",
                    escape(b.unwrap_or("-")),
                    escape(a.unwrap_or("-"))
                ),
            };
            format!(
                "{} <@{}> `{}` {} — *{}*{ba}",
                crate::utc_ymd_hm(r.at_secs),
                r.actor,
                r.action,
                escape(r.args),
                r.outcome
            )
        })
        .collect();
    let header = l.t("Last control actions", "Últimas ações de controle");
    let mut b = vec![blocks::header(header)];
    for chunk in lines.chunks(10) {
        b.push(blocks::section(chunk.join("\n")));
    }
    Msg::with_blocks(format!("{header}\n{}", lines.join("\n")), b)
}
