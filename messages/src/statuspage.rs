//! The words of publishing to the status page (#26): the preview of an incident's first public
//! post, the war room's echo of every published text, the replies and refusals, and the
//! built-in public texts (the DR plans' status-page templates, overridable as
//! `statuspage_first.j2` and `statuspage_resolved.j2`).

use crate::blocks::{self, Style};
use crate::{escape, Locale, Msg};

/// Publish the previewed first post (value: the draft id).
pub const ACTION_PUBLISH: &str = "statuspage_publish";
/// Edit the previewed first post in a form (value: the draft id).
pub const ACTION_EDIT: &str = "statuspage_edit";
/// The edit form (private metadata: the draft id).
pub const MODAL_EDIT: &str = "statuspage_edit";

/// The public word of a status (`investigating`, `identified`, `monitoring`, `resolved`).
pub fn status_label(status: &str, l: Locale) -> &'static str {
    match status {
        "identified" => l.t("Identified", "Identificado"),
        "monitoring" => l.t("Monitoring", "Monitorando"),
        "resolved" => l.t("Resolved", "Resolvido"),
        _ => l.t("Investigating", "Investigando"),
    }
}

/// The built-in first public post of an incident (Fabrica's DR plan template).
pub fn first_post(
    title: &str,
    status: &str,
    text: &str,
    next_update_min: Option<u64>,
    l: Locale,
) -> String {
    let text = if text.trim().is_empty() {
        l.t(
            "We are investigating a problem and will post more here as we learn it.",
            "Estamos investigando um problema e publicaremos mais aqui assim que soubermos.",
        )
        .to_string()
    } else {
        text.trim().to_string()
    };
    let mut out = format!(
        "{} {title}\nStatus: {}\n{text}",
        l.t("[INCIDENT]", "[INCIDENTE]"),
        status_label(status, l)
    );
    if let Some(m) = next_update_min {
        out.push_str(&l.t(
            format!("\nNext update: in {m} minutes"),
            format!("\nPróximo update: Em {m} minutos"),
        ));
    }
    out
}

/// The built-in public text of the resolution.
pub fn resolved_post(title: &str, text: &str, l: Locale) -> String {
    let text = if text.trim().is_empty() {
        l.t(
            "The problem is resolved and everything is working normally. Thank you for your patience.",
            "O problema foi resolvido e tudo funciona normalmente. Obrigado pela paciência.",
        )
        .to_string()
    } else {
        text.trim().to_string()
    };
    format!("{} {title}\n{text}", l.t("[RESOLVED]", "[RESOLVIDO]"))
}

/// A quoted block of plain public text, escaped for mrkdwn.
fn quote(text: &str) -> String {
    escape(text)
        .lines()
        .map(|line| format!("> {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the preview of a first public post shows.
pub struct Preview<'a> {
    pub key: &'a str,
    pub draft: i64,
    pub title: &'a str,
    pub status: &'a str,
    pub body: &'a str,
    pub page_url: Option<&'a str>,
}

/// The preview of the first public post of an incident: exactly what the page will show,
/// with Publish and Edit. Nothing is public until Publish.
pub fn preview(p: &Preview<'_>, l: Locale) -> Msg {
    let head = l.t(
        format!("Preview of the first public post of {}", p.key),
        format!("Prévia da primeira publicação de {}", p.key),
    );
    let value = p.draft.to_string();
    let where_ = p.page_url.map(|u| format!(" ({u})")).unwrap_or_default();
    let blocks = vec![
        blocks::section(format!("*{}*", escape(&head))),
        blocks::section(format!(
            "*{}*\n_{}_\n{}",
            escape(p.title),
            status_label(p.status, l),
            quote(p.body)
        )),
        blocks::context(l.t(
            format!("Nothing is public yet. *Publish* puts exactly this on the status page{where_}; later updates go out as written."),
            format!("Nada foi publicado ainda. *Publicar* coloca exatamente isto na página de status{where_}; os próximos updates saem como escritos."),
        )),
        blocks::actions(
            "statuspage_preview",
            vec![
                blocks::button(ACTION_PUBLISH, l.t("Publish", "Publicar"), &value, Style::Primary),
                blocks::button(ACTION_EDIT, l.t("Edit", "Editar"), &value, Style::Default),
            ],
        ),
    ];
    Msg::with_blocks(head, blocks)
}

/// The form that edits a previewed first post; submitting it publishes.
pub fn edit_modal(draft: i64, title: &str, body: &str, l: Locale) -> serde_json::Value {
    blocks::modal(
        MODAL_EDIT,
        l.t("Public post", "Publicação"),
        l.t("Publish", "Publicar"),
        &draft.to_string(),
        vec![
            blocks::text_input(
                "public_title",
                "public_title_input",
                l.t("Public title", "Título público"),
                false,
                false,
                Some(title),
            ),
            blocks::text_input(
                "public_body",
                "public_body_input",
                l.t(
                    "Public text (as customers will read it)",
                    "Texto público (como os clientes vão ler)",
                ),
                true,
                false,
                Some(body),
            ),
        ],
    )
}

/// What the war room's echo of a published text shows.
pub struct Echo<'a> {
    pub update: i64,
    pub title: &'a str,
    pub status: &'a str,
    pub body: &'a str,
    pub actor: &'a str,
    /// The incident's page on the status page, when `STATUSPAGE_URL` is set.
    pub link: Option<&'a str>,
    pub command: &'a str,
}

/// The echo, where the incident lives, of a text that went public.
pub fn echo(e: &Echo<'_>, l: Locale) -> Msg {
    let head = l.t(
        format!(
            ":globe_with_meridians: <@{}> published on the status page ({}):",
            e.actor,
            status_label(e.status, l)
        ),
        format!(
            ":globe_with_meridians: <@{}> publicou na página de status ({}):",
            e.actor,
            status_label(e.status, l)
        ),
    );
    let link = match e.link {
        Some(u) => format!("<{u}|{}>", l.t("See the page", "Ver a página")),
        None => l
            .t(
                "STATUSPAGE_URL is not set",
                "STATUSPAGE_URL não configurada",
            )
            .to_string(),
    };
    let foot = l.t(
        format!(
            "{link} · public update #{n} · wrong? `{c} unpublish {n}`",
            n = e.update,
            c = e.command
        ),
        format!(
            "{link} · update público #{n} · errado? `{c} unpublish {n}`",
            n = e.update,
            c = e.command
        ),
    );
    let blocks = vec![
        blocks::section(format!("{head}\n*{}*\n{}", escape(e.title), quote(e.body))),
        blocks::context(foot),
    ];
    Msg::with_blocks(format!("{head} {}", e.title), blocks)
}

/// The reply once a text is public.
pub fn published(key: &str, update: i64, link: Option<&str>, l: Locale) -> Msg {
    let at = link.map(|u| format!(": {u}")).unwrap_or_default();
    Msg::text(l.t(
        format!(":white_check_mark: Public update #{update} of {key} is on the status page{at}"),
        format!(
            ":white_check_mark: O update público #{update} de {key} está na página de status{at}"
        ),
    ))
}

/// The preview's message once it was published (replaces the buttons).
pub fn preview_done(key: &str, update: i64, l: Locale) -> Msg {
    published(key, update, None, l)
}

/// The notice where the incident lives when a public update was taken down.
pub fn unpublished_notice(update: i64, actor: &str, l: Locale) -> String {
    l.t(
        format!(":wastebasket: <@{actor}> removed public update #{update} from the status page and its feed."),
        format!(":wastebasket: <@{actor}> removeu o update público #{update} da página de status e do feed."),
    )
}

pub fn unpublished(key: &str, update: i64, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("Public update #{update} of {key} is off the status page and its feed."),
        format!("O update público #{update} de {key} saiu da página de status e do feed."),
    ))
}

pub fn unknown_update(update: i64, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("There is no public update #{update}; its number is in the war room's echo of it."),
        format!(
            "Não existe update público #{update}; o número está no eco dele na sala do incidente."
        ),
    ))
}

pub fn already_unpublished(update: i64, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("Public update #{update} was already removed; nothing changed."),
        format!("O update público #{update} já tinha sido removido; nada mudou."),
    ))
}

pub fn too_long(len: usize, max: usize, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("A public update may have at most {max} characters; this one has {len}. Shorten it; nothing was published."),
        format!("Um update público pode ter no máximo {max} caracteres; este tem {len}. Encurte-o; nada foi publicado."),
    ))
}

pub fn title_too_long(len: usize, max: usize, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("A public title may have at most {max} characters; this one has {len}. Nothing was published."),
        format!("Um título público pode ter no máximo {max} caracteres; este tem {len}. Nada foi publicado."),
    ))
}

pub fn empty(l: Locale) -> Msg {
    Msg::text(l.t(
        "A public update needs its text: `update --public [identified|monitoring|resolved] <text>`.",
        "Um update público precisa do texto: `update --public [identified|monitoring|resolved] <texto>`.",
    ))
}

/// Why an incident cannot be published: `private`, `drill` or `p3`.
pub fn refused(key: &str, why: &str, l: Locale) -> Msg {
    let reason = match why {
        "private" => l.t(
            "it is private (declared with `--private`): private incidents never appear on the status page",
            "ele é privado (declarado com `--private`): incidentes privados nunca aparecem na página de status",
        ),
        "drill" => l.t(
            "it is a drill: drills never reach the status page",
            "ele é um simulado: simulados nunca chegam à página de status",
        ),
        _ => l.t(
            "it is P3, and P3 incidents stay off the status page (STATUSPAGE_HIDE_P3)",
            "ele é P3, e incidentes P3 ficam fora da página de status (STATUSPAGE_HIDE_P3)",
        ),
    };
    Msg::text(l.t(
        format!("{key} cannot be published: {reason}. Nothing was published."),
        format!("{key} não pode ser publicado: {reason}. Nada foi publicado."),
    ))
}

/// A preview whose Publish was already used (or that expired with its incident).
pub fn draft_gone(l: Locale) -> Msg {
    Msg::text(l.t(
        "This preview was already published or replaced; nothing changed.",
        "Esta prévia já foi publicada ou substituída; nada mudou.",
    ))
}

/// Only the person who asked may publish their preview.
pub fn not_yours(author: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("Only <@{author}>, who wrote this preview, can publish it."),
        format!("Só <@{author}>, que escreveu esta prévia, pode publicá-la."),
    ))
}

/// What a public text template is given.
pub struct PublicView<'a> {
    pub title: &'a str,
    pub status: &'a str,
    /// What the person wrote (empty: the built-in sentence).
    pub text: &'a str,
    pub next_update_min: Option<u64>,
}

/// The variables of `statuspage_first.j2` / `statuspage_resolved.j2`.
pub fn template_context(v: &PublicView<'_>, l: Locale) -> serde_json::Value {
    serde_json::json!({
        "title": v.title,
        "status": v.status,
        "status_label": status_label(v.status, l),
        "text": v.text,
        "next_update_minutes": v.next_update_min,
        "locale": l.code(),
    })
}

/// A sample for checking an override when the configuration loads.
pub fn sample_context() -> serde_json::Value {
    let v = PublicView {
        title: "Slow messages",
        status: "investigating",
        text: "We are looking into it.",
        next_update_min: Some(30),
    };
    template_context(&v, Locale::En)
}

/// The incidents channel's notice of an automatic change (`auto_degrade: true`).
pub fn auto_changed(component: &str, degraded: bool, l: Locale) -> String {
    let c = escape(component);
    if degraded {
        l.t(
            format!(":robot_face: *{c}* is shown as *degraded performance* on the status page: its health check failed twice in a row (auto_degrade)."),
            format!(":robot_face: *{c}* aparece como *desempenho degradado* na página de status: a verificação de saúde falhou duas vezes seguidas (auto_degrade)."),
        )
    } else {
        l.t(
            format!(":robot_face: *{c}* is back to *operational* on the status page: its health check passes again (auto_degrade)."),
            format!(":robot_face: *{c}* voltou a *operacional* na página de status: a verificação de saúde passa de novo (auto_degrade)."),
        )
    }
}

/// The notice (and reply) when a whole incident was taken off the page.
pub fn incident_unpublished_notice(key: &str, actor: &str, l: Locale) -> String {
    l.t(
        format!(":wastebasket: <@{actor}> took {key} off the status page and its feed; its next public post is previewed again."),
        format!(":wastebasket: <@{actor}> tirou {key} da página de status e do feed; a próxima publicação terá prévia de novo."),
    )
}

/// `unpublish INC-n` of an incident that is not on the page.
pub fn not_on_page(key: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("{key} is not on the status page; nothing changed."),
        format!("{key} não está na página de status; nada mudou."),
    ))
}

/// A public text refused for what it holds (`mention`, `phone` or `secret`).
pub fn not_public(what: &str, l: Locale) -> Msg {
    let what = match what {
        "mention" => l.t(
            "a Slack mention or channel link (people and channels stay in the war room)",
            "uma menção ou link de canal do Slack (pessoas e canais ficam na sala do incidente)",
        ),
        "phone" => l.t(
            "what looks like a phone number",
            "algo que parece um número de telefone",
        ),
        _ => l.t(
            "what looks like a password or token",
            "algo que parece uma senha ou token",
        ),
    };
    Msg::text(l.t(
        format!("This public text holds {what}; customers would read it. Rewrite it; nothing was published."),
        format!("Este texto público contém {what}; os clientes o leriam. Reescreva-o; nada foi publicado."),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_public_texts_follow_the_dr_plans_template_in_both_languages() {
        let pt = first_post(
            "Mensagens atrasadas",
            "investigating",
            "",
            Some(30),
            Locale::PtBr,
        );
        assert!(
            pt.starts_with("[INCIDENTE] Mensagens atrasadas\nStatus: Investigando\n")
                && pt.ends_with("Próximo update: Em 30 minutos"),
            "{pt}"
        );
        let en = first_post(
            "Messages delayed",
            "identified",
            "Found it",
            None,
            Locale::En,
        );
        assert_eq!(
            en,
            "[INCIDENT] Messages delayed\nStatus: Identified\nFound it"
        );
        assert!(resolved_post("Mensagens atrasadas", "", Locale::PtBr)
            .starts_with("[RESOLVIDO] Mensagens atrasadas\n"));
    }

    #[test]
    fn a_public_text_template_can_be_overridden() {
        let dir = std::env::temp_dir().join(format!("sp-tpl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("statuspage_first.j2"),
            "{{ title }} ({{ status_label }}): {{ text }}{% if next_update_minutes %} / {{ next_update_minutes }} min{% endif %}",
        )
        .unwrap();
        let t = crate::templates::Templates::load(&dir).unwrap();
        let v = PublicView {
            title: "API slow",
            status: "monitoring",
            text: "Fix deployed",
            next_update_min: Some(15),
        };
        assert_eq!(
            t.public_text("statuspage_first", &v, Locale::En).as_deref(),
            Some("API slow (Monitoring): Fix deployed / 15 min")
        );
        assert_eq!(t.public_text("statuspage_resolved", &v, Locale::En), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
