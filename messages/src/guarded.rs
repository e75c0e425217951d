//! The guarded-action path, for any privileged control: who may, a confirmation that is gone,
//! a cancellation. English and Brazilian Portuguese.

use crate::{Locale, Msg};

pub fn refused(l: Locale, action: &str, admins: &[String], group: Option<&str>) -> Msg {
    let mut who: Vec<String> = admins.iter().map(|u| format!("<@{u}>")).collect();
    if let Some(g) = group {
        who.push(format!("<!subteam^{g}>"));
    }
    let who = if who.is_empty() {
        l.t(
            "nobody yet (set CHATOPS_ADMINS or CHATOPS_ADMIN_GROUP)",
            "ninguém ainda (defina CHATOPS_ADMINS ou CHATOPS_ADMIN_GROUP)",
        )
        .to_string()
    } else {
        who.join(", ")
    };
    Msg::text(l.t(
        format!(":no_entry: `{action}` is restricted. Who may do it: {who}. Nothing was changed."),
        format!(":no_entry: `{action}` é restrito. Quem pode: {who}. Nada foi alterado."),
    ))
}

pub fn confirmation_gone(l: Locale, why: &str) -> Msg {
    let (en, pt) = match why {
        "expired" => (
            "This confirmation expired (5 minutes). Nothing was done; run the command again.",
            "Esta confirmação expirou (5 minutos). Nada foi feito; rode o comando de novo.",
        ),
        "used" => (
            "This confirmation was already used. Nothing more was done.",
            "Esta confirmação já foi usada. Nada mais foi feito.",
        ),
        "not_yours" => (
            "Only the person who asked can confirm or cancel this. Nothing was done.",
            "Só quem pediu pode confirmar ou cancelar. Nada foi feito.",
        ),
        _ => (
            "Unknown confirmation. Nothing was done.",
            "Confirmação desconhecida. Nada foi feito.",
        ),
    };
    Msg::text(format!(":no_entry_sign: {}", l.t(en, pt)))
}

pub fn cancelled(l: Locale, what: &str) -> Msg {
    Msg::text(l.t(
        format!("Cancelled: {what}. Nothing was changed."),
        format!("Cancelado: {what}. Nada foi alterado."),
    ))
}
