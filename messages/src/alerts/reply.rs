//! Replies to the alert buttons, shown only to the person who clicked.

use super::outside::inert;
use crate::{datetime_token, Locale, Msg};

pub fn unknown_group(l: Locale) -> Msg {
    Msg::text(l.t(
        "That alert group is no longer known to the bot.",
        "Esse grupo de alertas não existe mais no bot.",
    ))
}

pub fn already_declared(id: i64, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("This alert group is already declared as *INC-{id}*."),
        format!("Este grupo de alertas já foi declarado como *INC-{id}*."),
    ))
}

pub fn already_acked(user: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("Already acknowledged by <@{user}>."),
        format!("Já reconhecido por <@{user}>."),
    ))
}

pub fn silenced(until: i64, silence_id: Option<&str>, l: Locale) -> Msg {
    let id = silence_id
        .map(|i| {
            l.t(
                format!(" Alertmanager silence `{}` created.", inert(i)),
                format!(" Silêncio `{}` criado no Alertmanager.", inert(i)),
            )
        })
        .unwrap_or_default();
    Msg::text(l.t(
        format!(
            "The bot will not post this group until {}.{id}",
            datetime_token(until)
        ),
        format!(
            "O bot não posta este grupo até {}.{id}",
            datetime_token(until)
        ),
    ))
}

/// Alertmanager refused or did not answer: the bot-side mute holds, Alertmanager's does not.
pub fn silence_failed(until: i64, why: &str, l: Locale) -> Msg {
    Msg::text(l.t(format!(":warning: Alertmanager did not create the silence ({}). The bot will not post this group until {}, but Alertmanager still notifies its other receivers: silence it in Alertmanager's UI, or try again.", inert(why), datetime_token(until)),
        format!(":warning: O Alertmanager não criou o silêncio ({}). O bot não posta este grupo até {}, mas o Alertmanager segue notificando os outros receptores: silencie na interface do Alertmanager ou tente de novo.", inert(why), datetime_token(until)),
    ))
}

pub fn no_matchers(until: i64, l: Locale) -> Msg {
    Msg::text(l.t(format!(":warning: This group has no labels to match, so no Alertmanager silence was created; the bot will not post it until {}.", datetime_token(until)),
        format!(":warning: Este grupo não tem rótulos para casar, então nenhum silêncio foi criado no Alertmanager; o bot não o posta até {}.", datetime_token(until)),
    ))
}

pub fn not_silenced(l: Locale) -> Msg {
    Msg::text(l.t(
        "This alert group is not silenced.",
        "Este grupo de alertas não está silenciado.",
    ))
}

pub fn not_your_silence(user: &str, l: Locale) -> Msg {
    Msg::text(l.t(
        format!("Only <@{user}>, who silenced this group, can expire the silence."),
        format!("Só <@{user}>, quem silenciou este grupo, pode encerrar o silêncio."),
    ))
}

pub fn expired(l: Locale) -> Msg {
    Msg::text(l.t(
        "Silence expired: the bot posts this group again.",
        "Silêncio encerrado: o bot volta a postar este grupo.",
    ))
}

pub fn expire_failed(why: &str, l: Locale) -> Msg {
    Msg::text(l.t(format!(":warning: Alertmanager did not expire the silence ({}); nothing was changed. Try again, or expire it in Alertmanager's UI.", inert(why)),
        format!(":warning: O Alertmanager não encerrou o silêncio ({}); nada foi alterado. Tente de novo ou encerre na interface do Alertmanager.", inert(why)),
    ))
}

/// Alertmanager said the silence had already ended (or no longer knew it).
pub fn already_expired(l: Locale) -> Msg {
    Msg::text(l.t(
        "The Alertmanager silence had already expired: the bot posts this group again.",
        "O silêncio no Alertmanager já tinha encerrado: o bot volta a postar este grupo.",
    ))
}
