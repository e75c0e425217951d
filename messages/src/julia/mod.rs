//! The Julia controls (`/julia …`): the words shared by every part (failures, hints, what
//! was done) and the button ids in `common`, and one file per feature. English and Brazilian
//! Portuguese.

mod common;

pub mod audit;
pub mod confirm;
pub mod deploys;
pub mod evolution;
pub mod jobs;
pub mod pause;
pub mod queue;
pub mod status;
pub mod switches;
pub mod visibility;
pub mod watcher;

pub use audit::{audit, AuditView};
pub use common::{
    db_not_configured, failure, hint, maybe_applied, no_answer, not_configured, nothing_done,
    read_back, readback_mismatch, retry_hint, source_failed, who, Hint, ACTION_CANCEL,
    ACTION_CONFIRM, ACTION_CONFIRM_ALT, ACTION_DECLARE_P1, ACTION_PAUSE_PROMPT,
    ACTION_ROLLBACK_PROMPT, SYS_CIRCUITS, SYS_DB, SYS_DEEP, SYS_EVOLUTION, SYS_EVOLUTION_WEBHOOK,
    SYS_HEALTH, SYS_RAILWAY, SYS_SUPABASE,
};
pub use confirm::{
    already, confirm, confirm_text, guard_mismatch, resume_confirm, rollback_keep_confirm,
    var_unset, ConfirmView, MISSING, UNSET,
};
pub use deploys::{
    cannot_redeploy, cannot_rollback, deploy_outcome, deploy_started, nothing_to_restart,
    rollback_why, service_not_in_environment, unknown_service, what_deploy, what_restart_active,
    OutcomeView, RollbackWhy,
};
pub use evolution::{
    evolution_restarted, qr_already_open, qr_dm_comment, qr_missing, qr_sent_by_dm,
    qr_text_fallback, restart_maybe_applied, webhook_read_back, webhook_reset_done,
    what_evolution_restart, what_webhook_reset, QR_FILE, QR_TITLE, STATE_UNKNOWN,
};
pub use jobs::{
    job_id_invalid, job_kill_reason, job_killed, job_not_running, job_unknown, what_job_kill,
};
pub use pause::{
    applies, pause_announcement, pause_done, paused_lines, resume_default_reason, what_pause,
    what_resume, BlockedView, PausedView,
};
pub use queue::{blocked_lines, queue_lines, QueueView, TITLE_BLOCKED};
pub use status::{
    circuit_lines, deploy_row, evolution_line, health_lines, jobs_lines, pause_lines, report,
    service_line, service_missing_line, service_title, status_header, title, webhook_lines,
    CheckView, DeployView, HealthView, Part, PauseView, StatusRowView, NO_DEPLOYMENTS,
    TITLE_CIRCUITS, TITLE_DEPLOYS, TITLE_EVOLUTION, TITLE_HEALTH, TITLE_JOBS, TITLE_PAUSE,
    TITLE_QUEUE, TITLE_WEBHOOK,
};
pub use switches::{
    campaign_ambiguous, campaign_announcement, campaign_changed_meanwhile, campaign_done,
    campaign_transition_refused, campaign_unknown, campaigns_already, campaigns_announcement,
    campaigns_default_reason, campaigns_done, flag_effect, flag_line, other_flags_line,
    unknown_flag, what_campaign, what_campaigns, CampaignView, FlagView, NO_CAMPAIGNS_ROW,
    TITLE_FLAGS,
};
pub use visibility::{hidden, settings_hidden, visibility_error, visibility_line};
pub use watcher::{
    alert_pause_reason, evolution_problem, evolution_recovered, health_problem, health_recovered,
    EVOLUTION_UNREACHABLE,
};
