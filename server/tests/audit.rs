//! The audit trail's hash chain: `portal audit verify` passes on the demo database and
//! names the row someone edited by hand.

mod common;

use common::TestApp;
use std::process::Command;

fn verify_with_cli(database_url: &str) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", database_url)
        .env("PORTAL_LOG_FILTER", "warn")
        .output()
        .expect("the portal binary runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

on_both_backends!(audit_verify_passes_on_demo_data_and_names_an_edited_row, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    app.sign_in_as("Sara Lindqvist").await;
    app.sign_in_as("Maria Lund").await;
    let (ok, output) = verify_with_cli(&t.url);
    assert!(ok, "{output}");
    // Every row: the demo data (its load, its call, its agreements' commands, two years of
    // access history, its targets) and the two sign-ins.
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(t.db.pool()).await.unwrap();
    assert!(rows > 25, "the demo history is in the audit trail: {rows} rows");
    assert!(output.contains(&format!("{rows} rows verified")), "{rows}: {output}");

    // The table refuses edits through the front door...
    let refused = sqlx::query("UPDATE events SET reason = 'forged' WHERE id = 2").execute(t.db.pool()).await;
    assert!(refused.is_err(), "events are append-only");
    // ...so the forger removes the guard first, as someone with the database password could.
    let drop_guard = match t.db.backend() {
        app::db::Backend::Sqlite => "DROP TRIGGER events_append_only_update",
        app::db::Backend::Postgres => "DROP TRIGGER events_append_only ON events",
    };
    sqlx::query(drop_guard).execute(t.db.pool()).await.unwrap();
    sqlx::query("UPDATE events SET reason = 'forged' WHERE id = 2").execute(t.db.pool()).await.unwrap();
    let (ok, output) = verify_with_cli(&t.url);
    assert!(!ok, "{output}");
    assert!(output.contains("BROKEN at row 2") && output.contains("changed"), "{output}");
});

on_both_backends!(a_removed_row_breaks_the_chain_at_the_next_row, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    for _ in 0..3 {
        app.sign_in_as("Sara Lindqvist").await;
    }
    let drop_guard = match t.db.backend() {
        app::db::Backend::Sqlite => "DROP TRIGGER events_append_only_delete",
        app::db::Backend::Postgres => "DROP TRIGGER events_append_only ON events",
    };
    sqlx::query(drop_guard).execute(t.db.pool()).await.unwrap();
    sqlx::query("DELETE FROM events WHERE id = 3").execute(t.db.pool()).await.unwrap();
    let report = app::audit::store::verify(&t.db).await.unwrap();
    assert_eq!(report.first_break, Some((4, app::audit::chain::Break::LinkBroken)));
    assert_eq!(report.rows_checked, 2);
});

on_both_backends!(concurrent_writers_keep_one_unbroken_chain, |t| {
    let mut writers = Vec::new();
    for n in 0..8 {
        let db = t.db.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..10 {
                let event =
                    app::audit::NewEvent::transition(None, "test", format!("{n}-{i}"), "written", None, None);
                app::audit::record(&db, event).await.unwrap();
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let report = app::audit::store::verify(&t.db).await.unwrap();
    assert_eq!(report.first_break, None);
    assert_eq!(report.rows_checked, 80);
});

/// A benchmark, not a test: `cargo test -p portal --test audit -- --ignored --nocapture`.
/// Prints what recording an event and verifying the chain cost on each database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints figures, asserts nothing about time"]
async fn benchmark_recording_and_verifying() {
    const EVENTS: usize = 5_000;
    for (name, t) in common::benchmark_backends(false).await {
        let mut timings = Vec::with_capacity(EVENTS);
        let started = std::time::Instant::now();
        for i in 0..EVENTS {
            let event = app::audit::NewEvent::transition(None, "bench", i, "written", None, Some("done"));
            let one = std::time::Instant::now();
            app::audit::record(&t.db, event).await.unwrap();
            timings.push(one.elapsed());
        }
        let recorded_in = started.elapsed();
        timings.sort();
        let verify_started = std::time::Instant::now();
        let report = app::audit::store::verify(&t.db).await.unwrap();
        let verified_in = verify_started.elapsed();
        assert_eq!(report.rows_checked as usize, EVENTS);
        println!(
            "{name}: recorded {EVENTS} chained events in {:.2} s (median {:.2} ms, p95 {:.2} ms per event); \
             verified the chain in {:.0} ms ({:.0} rows/s)",
            recorded_in.as_secs_f64(),
            timings[EVENTS / 2].as_secs_f64() * 1000.0,
            timings[EVENTS * 95 / 100].as_secs_f64() * 1000.0,
            verified_in.as_secs_f64() * 1000.0,
            EVENTS as f64 / verified_in.as_secs_f64(),
        );
    }
}
