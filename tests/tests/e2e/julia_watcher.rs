//! Julia's health watcher end to end: one alert per outage, its recovery in place, one replica
//! polling at a time, on `Harness::for_julia` (see `julia.rs`).

use std::time::Duration;

use testkit::app::INCIDENTS;
use testkit::harness::*;
use testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_alerts_once_and_recovers_once() {
    let h = Harness::for_julia()
        .env("JULIA_WATCH_INTERVAL", "150ms")
        .spawn()
        .await;
    h.julia().set_healthy(false);
    let alert = eventually(Duration::from_secs(10), || async {
        h.slack
            .posts_in(INCIDENTS)
            .into_iter()
            .find(|p| text_of(p).contains("[FIRING] Julia health"))
    })
    .await
    .expect("alert");
    let t = text_of(&alert);
    // The alert intake's message: its buttons plus the watcher's own.
    assert!(
        t.contains("alert_declare")
            && t.contains("alert_silence")
            && t.contains("julia_pause_prompt")
            && t.contains("Rollback julia-api")
            && t.contains("`redis`"),
        "{t}"
    );
    let hits = h.julia().hits();
    eventually(Duration::from_secs(5), || async {
        (h.julia().hits() >= hits + 4).then_some(())
    })
    .await
    .unwrap();
    let alerts = |h: &Harness| {
        h.slack
            .posts_in(INCIDENTS)
            .into_iter()
            .filter(|p| text_of(p).contains("Julia health"))
            .count()
    };
    h.app.drain_outbox().await;
    assert_eq!(alerts(&h), 1, "not repeated while the state holds");
    h.julia().set_healthy(true);
    // The recovery updates the same message in place.
    eventually(Duration::from_secs(10), || async {
        h.slack
            .updates_in(INCIDENTS)
            .into_iter()
            .find(|p| text_of(p).contains("[RESOLVED] Julia health"))
    })
    .await
    .expect("recovery");
    let hits = h.julia().hits();
    eventually(Duration::from_secs(5), || async {
        (h.julia().hits() >= hits + 4).then_some(())
    })
    .await
    .unwrap();
    h.app.drain_outbox().await;
    let recov = h
        .slack
        .updates_in(INCIDENTS)
        .into_iter()
        .filter(|p| text_of(p).contains("[RESOLVED] Julia health"))
        .count();
    assert_eq!((alerts(&h), recov), (1, 1));
    // The pause button from the alert leads to a confirmation for admins.
    assert!(token_of(&h.click("julia_pause_prompt", "watcher", ADMIN).await).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_watches_at_a_time() {
    let fakes = Harness::builder()
        .store(TestDb::postgres().await)
        .julia_api()
        .env("JULIA_WATCH_INTERVAL", "100ms")
        .env("JULIA_SOURCE_TIMEOUT", "1s")
        .start()
        .await;
    fakes.julia().set_healthy(false);
    let a = fakes.spawn().await;
    let b = spawn_app(&a.store, &a.slack, a.options()).await;
    eventually(Duration::from_secs(10), || async {
        (a.julia().hits() >= 12).then_some(())
    })
    .await
    .unwrap();
    a.app.drain_outbox().await;
    let alerts = a
        .slack
        .posts_in(INCIDENTS)
        .into_iter()
        .filter(|p| text_of(p).contains("Julia health"))
        .count();
    assert_eq!(alerts, 1);
    assert_eq!(
        a.app
            .scalar("SELECT COUNT(*) FROM leases WHERE name = 'julia_watcher'")
            .await,
        1
    );
    // Only the holder polls: about one check per interval, not two.
    let start = a.julia().hits();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let per_second = a.julia().hits() - start;
    assert!(
        per_second <= 13,
        "{per_second} checks in 1 s with a 100 ms interval: both replicas polled"
    );
    b.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_alerts_on_evolution_not_open() {
    let h = Harness::for_julia()
        .env("JULIA_WATCH_INTERVAL", "150ms")
        .spawn()
        .await;
    h.evo().set_state("close");
    let alert = eventually(Duration::from_secs(10), || async {
        h.slack
            .posts_in(INCIDENTS)
            .into_iter()
            .find(|p| text_of(p).contains("Evolution state `close`"))
    })
    .await
    .expect("evolution alert");
    assert!(text_of(&alert).contains("julia_pause_prompt"));
    h.evo().set_state("open");
    eventually(Duration::from_secs(10), || async {
        h.slack
            .updates_in(INCIDENTS)
            .into_iter()
            .find(|p| text_of(p).contains("Evolution is open again"))
    })
    .await
    .expect("evolution recovery");
    h.app.drain_outbox().await;
    let n = h
        .slack
        .posts_in(INCIDENTS)
        .into_iter()
        .filter(|p| text_of(p).contains("Evolution state"))
        .count();
    assert_eq!(n, 1);
}
