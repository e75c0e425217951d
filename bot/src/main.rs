//! `chatops`: the Slack incident and control bot. See the README.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chatops",
    version,
    about = "Slack incident and control bot for Julia"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server (default).
    Serve,
    /// Apply the store's migrations and exit.
    Migrate,
    /// Print the effective configuration (secrets redacted) and what each feature is missing.
    CheckConfig,
    /// Check every configured integration against the real services (read-only): pass or
    /// fail with the reason and the fix. Exits non-zero on any failure.
    Doctor {
        /// Timeout of each network step (humantime: `5s`, `1500ms`).
        #[arg(long, default_value = "5s", value_parser = parse_duration)]
        timeout: std::time::Duration,
    },
    /// Run commands through the real grammar and flows with a recording Slack, and print what
    /// the bot would post. Uses a throwaway in-memory store (seeded with one open incident,
    /// INC-1) unless --store is given; exits 2 on a usage error.
    Simulate {
        /// The command lines, run in order against the same store, e.g.
        /// '/incident declare P1 Evolution down' '/incident list'.
        #[arg(required = true)]
        commands: Vec<String>,
        #[arg(long, default_value = "USIMULATOR")]
        user: String,
        #[arg(long, default_value = "CSIMULATOR")]
        channel: String,
        /// Also print the Block Kit JSON.
        #[arg(long)]
        json: bool,
        /// Write to this real store (sqlite://… or postgres://…) instead of a throwaway one.
        /// Its incidents are real: a `chatops serve` on it posts their reminders.
        #[arg(long, value_name = "URL")]
        store: Option<String>,
        /// Start the throwaway store empty instead of with the seeded incident INC-1.
        #[arg(long, conflicts_with = "store")]
        no_seed: bool,
    },
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration ({e}); use e.g. `5s`"))
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Before the runtime starts any thread: `.env` fills in variables not already set.
    let env_file = bot::env_file::load(std::path::Path::new(".env"));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    runtime.block_on(run(cli, env_file))
}

/// Prints every problem to stderr; true when one of them is an error.
fn stop_on_errors(problems: &[chatops_core::config::ConfigProblem]) -> bool {
    if !problems.iter().any(|p| p.is_error()) {
        return false;
    }
    eprint!(
        "configuration problems:\n{}",
        chatops_core::config::render_problems(problems)
    );
    eprintln!("(`chatops check-config` shows the effective configuration)");
    true
}

/// `KEY = value` lines of the report: a value that failed its check shows the default used.
fn mark_invalid(report: &str, problems: &[chatops_core::config::ConfigProblem]) -> String {
    let mut out = String::new();
    for line in report.lines() {
        out.push_str(line);
        let key = line.split_whitespace().next().unwrap_or("");
        let group = key.strip_suffix("0..P3");
        let bad = line.contains(" = ")
            && problems.iter().any(|p| {
                p.is_error() && (p.var == key || group.is_some_and(|g| p.var.starts_with(g)))
            });
        if bad {
            out.push_str("   <- invalid, default used: see the errors below");
        }
        out.push('\n');
    }
    out
}

async fn run(cli: Cli, env_file: bot::env_file::EnvFile) -> std::process::ExitCode {
    let (config, mut problems) = bot::Settings::from_env_checked();
    problems.splice(0..0, env_file.problems.iter().cloned());
    match cli.command.unwrap_or(Cmd::Serve) {
        Cmd::CheckConfig => check_config(&config, problems, &env_file).await,
        Cmd::Doctor { timeout } => {
            if stop_on_errors(&problems) {
                return std::process::ExitCode::from(2);
            }
            let report = doctor::run(&config, &doctor::Options { timeout }).await;
            print!("{}", report.render());
            if report.ok() {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(1)
            }
        }
        Cmd::Simulate {
            commands,
            user,
            channel,
            json,
            store,
            no_seed,
        } => {
            if stop_on_errors(&problems) {
                return std::process::ExitCode::from(2);
            }
            let o = bot::simulate::Options {
                commands,
                user,
                channel,
                json,
                store,
                seed: !no_seed,
            };
            match bot::simulate::run(config, o).await {
                Ok(code) => std::process::ExitCode::from(code as u8),
                Err(e) => {
                    eprintln!("simulate failed: {e:#}");
                    std::process::ExitCode::from(1)
                }
            }
        }
        Cmd::Migrate => {
            if stop_on_errors(&problems) {
                return std::process::ExitCode::from(2);
            }
            let _logs = bot::telemetry::init_logs(config.log_format);
            match chatops_core::Store::connect_and_migrate(&config.database_url).await {
                Ok(_) => {
                    println!("migrations applied");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("DATABASE_URL: {e}");
                    std::process::ExitCode::from(1)
                }
            }
        }
        Cmd::Serve => serve(config, problems, &env_file).await,
    }
}

/// `chatops check-config`: the effective configuration, every problem, exit 1 on an error.
async fn check_config(
    config: &bot::Settings,
    mut problems: Vec<chatops_core::config::ConfigProblem>,
    env_file: &bot::env_file::EnvFile,
) -> std::process::ExitCode {
    problems.extend(config.serve_problems());
    let (report, _) = config.report();
    println!("Read from: {}\n", env_file.summary());
    print!("{}", mark_invalid(&report, &problems));
    println!();
    print!("{}", chatops_core::config::render_problems(&problems));
    // Julia's database: can the bot's role see the rows (row-level security)?
    if let Some((_, line)) = julia::visibility::describe(&config.julia).await {
        println!("{line}");
    }
    if problems.iter().any(|p| p.is_error()) {
        println!("The server would not start: fix the errors above.");
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// `chatops serve` (the default): refuses to start on an error, else runs until a signal.
async fn serve(
    config: bot::Settings,
    mut problems: Vec<chatops_core::config::ConfigProblem>,
    env_file: &bot::env_file::EnvFile,
) -> std::process::ExitCode {
    problems.extend(config.serve_problems());
    if stop_on_errors(&problems) {
        return std::process::ExitCode::from(2);
    }
    // Dropped last, after the server and its workers have stopped (SIGTERM included): the
    // queued log lines are flushed before the process exits.
    let _logs = bot::telemetry::init_logs(config.log_format);
    bot::startup::log_problems(&problems);
    let summary = bot::startup::Summary::of(&config, env_file);
    let app = match bot::Application::build(config, chatops_core::Clock::system()).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cannot start: {e:#}");
            return std::process::ExitCode::from(1);
        }
    };
    summary.log(app.local_addr());
    tokio::spawn(bot::shutdown_signal(app.shutdown_handle()));
    match app.run_until_stopped().await {
        Ok(()) => {
            tracing::info!("stopped");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
