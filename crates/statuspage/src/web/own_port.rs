//! `STATUSPAGE_PORT`: the page on a port of its own, served at `/` by a thread of its own with
//! its own async runtime, in Linux's idle scheduling class (`SCHED_IDLE`; nice 19 where that is
//! refused): it runs whenever a core is free, and the bot's threads take the core back the
//! moment they wake. A crowd on the page then queues behind its own thread, never in front of a
//! responder's Slack command (docs/performance.md has the figures).

use std::net::TcpListener;
use std::sync::Arc;

use chatops_core::Ctx;

use super::serve;

/// The page thread's `nice` where the idle class is refused.
pub const NICE: i32 = 19;

/// Binds `STATUSPAGE_PORT` on `addr` (at start, so a taken port stops the bot with its reason).
pub fn bind(addr: &str, port: Option<u16>) -> std::io::Result<Option<TcpListener>> {
    let Some(port) = port else {
        return Ok(None);
    };
    let l = TcpListener::bind((addr, port))?;
    l.set_nonblocking(true)?;
    Ok(Some(l))
}

/// Serves the page on `listener` from its own thread until `stop` says so.
pub fn spawn(
    listener: TcpListener,
    ctx: Arc<Ctx>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("statuspage".into())
        .spawn(move || {
            lower_priority();
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "status page: its runtime did not start");
                    return;
                }
            };
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!(error = %e, "status page: its port");
                        return;
                    }
                };
                let app = serve::router(ctx, "/");
                let served = axum::serve(listener, app).with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                });
                if let Err(e) = served.await {
                    tracing::error!(error = %e, "status page: serving stopped");
                }
            });
        })
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: plain system calls on this thread's own id; the parameter lives on the stack for
    // the call.
    let rc = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::pid_t;
        let param = libc::sched_param { sched_priority: 0 };
        match libc::sched_setscheduler(tid, libc::SCHED_IDLE, &param) {
            0 => 0,
            _ => libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICE),
        }
    };
    if rc != 0 {
        tracing::warn!("status page: could not lower its thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}
