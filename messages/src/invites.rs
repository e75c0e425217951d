//! What the war room is told when some people could not be invited.

use crate::{escape, Locale};

/// One person (or a whole user group) that could not be invited, and Slack's reason.
/// Serialisable: a declaration job records the outcome of its invites so a rerun skips them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NotInvited {
    /// A user id and Slack's error code for them.
    User { user: String, code: String },
    /// The members of a user group could not be read (`usergroups.users.list` failed).
    Group { group: String, code: String },
    /// An invite call failed without per-user detail.
    Call { code: String },
}

/// Slack's error code in words (the code stays visible for searching).
fn why(l: Locale, code: &str) -> String {
    let words = match code {
        "user_not_found" => l.t("no such user", "usuário inexistente"),
        "user_is_restricted" | "user_is_ultra_restricted" => {
            l.t("a guest account", "conta de convidado")
        }
        "cant_invite" => l.t(
            "Slack does not allow inviting them",
            "o Slack não permite convidar",
        ),
        "no_such_subteam" | "subteam_not_found" => {
            l.t("no such user group", "grupo de usuários inexistente")
        }
        "missing_scope" => l.t(
            "the bot lacks a scope (reinstall the app from manifest.yml)",
            "falta um escopo ao bot (reinstale o app a partir do manifest.yml)",
        ),
        "ratelimited" | "rate_limited" | "timeout" | "network" => l.t(
            "Slack did not answer in time",
            "o Slack não respondeu a tempo",
        ),
        _ => "",
    };
    let code = escape(code);
    if words.is_empty() {
        format!("`{code}`")
    } else {
        format!("{words}, `{code}`")
    }
}

/// The warning posted in the war room, naming each person or group and why.
pub fn not_invited(l: Locale, problems: &[NotInvited]) -> String {
    let items: Vec<String> = problems
        .iter()
        .map(|p| match p {
            NotInvited::User { user, code } => {
                format!("<@{}> ({})", escape(user), why(l, code))
            }
            NotInvited::Group { group, code } => format!(
                "{} <!subteam^{}> ({})",
                l.t("the members of", "os membros de"),
                escape(group),
                why(l, code)
            ),
            NotInvited::Call { code } => why(l, code),
        })
        .collect();
    format!(
        ":warning: {} {}. {}",
        l.t(
            "Some people could not be invited:",
            "Algumas pessoas não puderam ser convidadas:"
        ),
        items.join(", "),
        l.t(
            "Everyone else was invited; add the missing people by hand.",
            "Os demais foram convidados; adicione quem falta à mão."
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_person_and_group_with_the_reason() {
        let t = not_invited(
            Locale::En,
            &[
                NotInvited::Group {
                    group: "SRESP".into(),
                    code: "no_such_subteam".into(),
                },
                NotInvited::User {
                    user: "U9".into(),
                    code: "user_not_found".into(),
                },
            ],
        );
        assert!(
            t.contains("the members of <!subteam^SRESP> (no such user group, `no_such_subteam`)"),
            "{t}"
        );
        assert!(t.contains("<@U9> (no such user, `user_not_found`)"), "{t}");
    }
}
