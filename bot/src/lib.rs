//! The process: configuration, telemetry, routes, workers, shutdown.
//!
//! `Application::build` connects the store (migrating it), binds the port (0 in tests) and
//! returns; `run_until_stopped` serves HTTP and runs the outbox, job and reminder workers, the Julia
//! watcher and, with `SLACK_APP_TOKEN`, the Socket Mode client.

pub mod command;
pub mod compose;
pub mod dispatch;
pub mod env_file;
pub mod log_text;
pub mod log_writer;
pub mod routes;
pub mod settings;
pub mod simulate;
pub mod socket_mode;
pub mod socket_status;
pub mod startup;
mod state;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use chatops_core::{cache::Cache, Clock, Ctx, Store};
pub use settings::Settings;
pub use state::AppState;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    /// `STATUSPAGE_PORT`'s listener (the page's own thread serves it).
    statuspage_listener: Option<std::net::TcpListener>,
    state: AppState,
    shutdown_tx: tokio::sync::watch::Sender<bool>,
}

impl Application {
    pub async fn build(config: Settings, clock: Clock) -> anyhow::Result<Application> {
        let store = Store::connect_and_migrate(&config.database_url)
            .await
            .map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))?;
        let cache = match &config.redis_url {
            Some(url) => Cache::new(url.expose()).map_err(anyhow::Error::msg)?,
            None => Cache::none(),
        };
        let addr = format!("{}:{}", config.bind_addr, config.port);
        let listener = TcpListener::bind(&addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let statuspage_listener =
            statuspage::web::own_port::bind(&config.bind_addr, config.statuspage_web.port)
                .with_context(|| format!("binding STATUSPAGE_PORT on {}", config.bind_addr))?;
        let socket = socket_mode::Status::new(!config.slack_app_token.is_empty());
        julia::visibility::log_at_start(&config.julia);
        let ctx = compose::context(config, store, cache, clock);
        let (shutdown_tx, _) = tokio::sync::watch::channel(false);
        Ok(Application {
            listener,
            statuspage_listener,
            state: AppState {
                ctx,
                metrics: telemetry::metrics_handle(),
                socket,
            },
            shutdown_tx,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound")
    }

    pub fn ctx(&self) -> Arc<Ctx> {
        self.state.ctx.clone()
    }

    /// A sender that stops the server and workers gracefully.
    pub fn shutdown_handle(&self) -> tokio::sync::watch::Sender<bool> {
        self.shutdown_tx.clone()
    }

    /// Serves and runs the workers in this one task (aborting it stops everything).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let router = routes::router(self.state.clone());
        let ctx = self.state.ctx.clone();
        let mut rx = self.shutdown_tx.subscribe();
        if let Some(l) = self.statuspage_listener {
            statuspage::web::own_port::spawn(l, ctx.clone(), self.shutdown_tx.subscribe())
                .context("starting the status page's thread")?;
        }
        let serve = axum::serve(self.listener, router).with_graceful_shutdown(async move {
            let _ = rx.wait_for(|s| *s).await;
        });
        // Each worker is its own task, so the outbox and the reminders use every core instead of
        // taking turns in this one; dropping the set (this task aborted) aborts them all.
        let mut workers = tokio::task::JoinSet::new();
        workers.spawn(chatops_core::outbox::run_worker(
            ctx.clone(),
            self.shutdown_tx.subscribe(),
        ));
        workers.spawn(incident::reminder::run_worker(
            ctx.clone(),
            self.shutdown_tx.subscribe(),
        ));
        workers.spawn(chatops_core::jobs::run_worker(
            ctx.clone(),
            self.shutdown_tx.subscribe(),
        ));
        workers.spawn(paging::run_worker(
            ctx.clone(),
            self.shutdown_tx.subscribe(),
        ));
        workers.spawn(julia::run_watcher(
            ctx.clone(),
            self.shutdown_tx.subscribe(),
        ));
        workers.spawn(stats::digest::run_worker(
            ctx.clone(),
            self.shutdown_tx.subscribe(),
        ));
        workers.spawn(statuspage::auto::run_worker(
            ctx.clone(),
            self.shutdown_tx.subscribe(),
        ));
        workers.spawn(socket_mode::run(
            ctx.clone(),
            self.state.socket.clone(),
            self.shutdown_tx.subscribe(),
        ));
        tracing::info!("ready");
        let (served, _) = tokio::join!(serve, async {
            while let Some(done) = workers.join_next().await {
                if let Err(e) = done {
                    tracing::error!(error = %e, "a background worker stopped");
                }
            }
        });
        served.context("http server")
    }
}

/// Stops on SIGTERM/ctrl-c (Railway sends SIGTERM on redeploy).
pub async fn shutdown_signal(tx: tokio::sync::watch::Sender<bool>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
    let _ = tx.send(true);
}
