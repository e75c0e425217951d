//! Who is an admin: below the flows, so incident changes and Julia's controls ask the same
//! question without importing each other.

use crate::Ctx;

/// In `CHATOPS_ADMINS`, or a member of `CHATOPS_ADMIN_GROUP`.
pub async fn is_admin(ctx: &Ctx, user: &str) -> bool {
    if ctx.config.admins.iter().any(|a| a == user) {
        return true;
    }
    if let Some(g) = &ctx.config.admin_group {
        match ctx.slack.usergroup_members(g).await {
            Ok(m) => return m.iter().any(|u| u == user),
            Err(e) => tracing::warn!(error = %e, "admin group lookup failed"),
        }
    }
    false
}
