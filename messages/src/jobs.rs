//! What the bot says about background work that failed for good.

use crate::{escape, Locale, Msg};

/// Posted once in the incidents channel when a declaration could not be finished (war room,
/// posts) after every attempt: the incident exists, and people should know where it stands.
pub fn declaration_lost(
    key: &str,
    severity: &str,
    title: &str,
    attempts: i64,
    incident_command: &str,
    l: Locale,
) -> Msg {
    let title = escape(title);
    Msg::text(match l {
        Locale::En => format!(
            ":rotating_light: {key} [{severity}] {title}: the bot could not finish declaring it after {attempts} attempts (no war room, no announcement). The incident exists: coordinate here, and use `{incident_command} status {key}` and `{incident_command} update {key} …`. The bot's logs and `/health/ready` say what failed."
        ),
        Locale::PtBr => format!(
            ":rotating_light: {key} [{severity}] {title}: o bot não conseguiu concluir a declaração após {attempts} tentativas (sem sala de guerra, sem anúncio). O incidente existe: coordenem aqui e usem `{incident_command} status {key}` e `{incident_command} update {key} …`. Os logs do bot e `/health/ready` dizem o que falhou."
        ),
    })
}

/// Posted once in the incidents channel when Slack kept failing to create a declaration's war
/// room: the incident was announced here without one.
pub fn war_room_lost(key: &str, slack_error: &str, attempts: i64, l: Locale) -> Msg {
    Msg::text(match l {
        Locale::En => format!(
            ":rotating_light: {key} has no war room: Slack kept failing (`{slack_error}`) after {attempts} attempts. Everything about {key} posts in this channel; create a channel by hand if you need one."
        ),
        Locale::PtBr => format!(
            ":rotating_light: {key} está sem sala de guerra: o Slack continuou falhando (`{slack_error}`) após {attempts} tentativas. Tudo sobre {key} vai para este canal; crie um canal à mão se precisar."
        ),
    })
}

/// Posted once where a restart / redeploy / rollback was asked for, when following it failed
/// for good: the action itself was accepted; how it went is unknown.
pub fn follow_up_lost(
    verb: &str,
    service: &str,
    deployment: &str,
    julia_command: &str,
    l: Locale,
) -> Msg {
    Msg::text(match l {
        Locale::En => format!(
            ":warning: Railway accepted `{verb}` of *{service}* (deployment `{deployment}`), but the bot could not follow it to the end, so it cannot say how it went. Check `{julia_command} deploys {service}` and `{julia_command} health`."
        ),
        Locale::PtBr => format!(
            ":warning: O Railway aceitou `{verb}` de *{service}* (deployment `{deployment}`), mas o bot não conseguiu acompanhá-lo até o fim e não sabe como terminou. Veja `{julia_command} deploys {service}` e `{julia_command} health`."
        ),
    })
}

/// Posted once where a confirmed `/julia` action was asked for, when the bot restarted while
/// carrying it out: it is not repeated (it may have been applied).
pub fn action_interrupted(command: &str, user: &str, julia_command: &str, l: Locale) -> Msg {
    Msg::text(match l {
        Locale::En => format!(
            ":warning: The bot restarted while carrying out `{command}`, confirmed by <@{user}>. It may or may not have been applied, so it is not repeated. Check `{julia_command} status` (and `{julia_command} deploys` for a restart, redeploy or rollback) before asking again."
        ),
        Locale::PtBr => format!(
            ":warning: O bot reiniciou enquanto executava `{command}`, confirmado por <@{user}>. Pode ou não ter sido aplicado, então não é repetido. Veja `{julia_command} status` (e `{julia_command} deploys` para restart, redeploy ou rollback) antes de pedir de novo."
        ),
    })
}

/// Posted once where a confirmed `/julia` action was asked for, when the bot was down from the
/// click until long after it: not carried out.
pub fn action_not_carried_out(command: &str, user: &str, l: Locale) -> Msg {
    Msg::text(match l {
        Locale::En => format!(
            ":warning: `{command}`, confirmed by <@{user}>, was not carried out: the bot restarted before it could, and it is too late to do it unasked. Run the command again if it is still needed."
        ),
        Locale::PtBr => format!(
            ":warning: `{command}`, confirmado por <@{user}>, não foi executado: o bot reiniciou antes e já é tarde para fazê-lo sem pedir de novo. Rode o comando outra vez se ainda for preciso."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_declaration_names_the_incident_and_what_to_do() {
        let m = declaration_lost("INC-4", "P1", "db <down>", 5, "/incident", Locale::En);
        assert!(m.text.contains("INC-4 [P1] db &lt;down&gt;"), "{}", m.text);
        assert!(m.text.contains("after 5 attempts"));
        assert!(m.text.contains("`/incident status INC-4`"));
        let pt = declaration_lost("INC-4", "P1", "x", 5, "/incident", Locale::PtBr);
        assert!(pt.text.contains("após 5 tentativas"));
        let f = follow_up_lost("restart", "julia-api", "d4", "/julia", Locale::En);
        assert!(f.text.contains("`/julia deploys julia-api`"), "{}", f.text);
        let w = war_room_lost("INC-4", "http_500", 5, Locale::En);
        assert!(
            w.text.contains("(`http_500`) after 5 attempts"),
            "{}",
            w.text
        );
    }
}
