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

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match handlers::Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match cli.command.unwrap_or(Cmd::Serve) {
        Cmd::CheckConfig => {
            let (report, ok) = config.report();
            print!("{report}");
            if ok {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(1)
            }
        }
        Cmd::Doctor { timeout } => {
            let report =
                handlers::doctor::run(&config, &handlers::doctor::Options { timeout }).await;
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
            bot::telemetry::init_logs(config.log_format);
            match handlers::Store::connect_and_migrate(&config.database_url).await {
                Ok(_) => {
                    println!("migrations applied");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    std::process::ExitCode::from(1)
                }
            }
        }
        Cmd::Serve => {
            bot::telemetry::init_logs(config.log_format);
            let (_, ok) = config.report();
            if !ok {
                eprintln!("SLACK_SIGNING_SECRET is not set: run `chatops check-config`");
                return std::process::ExitCode::from(2);
            }
            let app = match bot::Application::build(config, handlers::Clock::system()).await {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("cannot start: {e:#}");
                    return std::process::ExitCode::from(1);
                }
            };
            tracing::info!(addr = %app.local_addr(), "listening");
            tokio::spawn(bot::shutdown_signal(app.shutdown_handle()));
            match app.run_until_stopped().await {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e:#}");
                    std::process::ExitCode::from(1)
                }
            }
        }
    }
}
