//! Signed-in pages under concurrency, on both databases: 256 connections at once to the
//! heaviest pages (a call as a board member, the panel, the committee queue, an application,
//! a proposal, the audit trail, the KPI dashboard and its CSV) through the real router and
//! pool. Prints throughput,
//! latencies and the answers; nothing may stall, time out waiting for the pool, or answer
//! 5xx. (These are debug builds; the release figures are in README.md.)

mod common;

use app::co_creation::api::StartProposal;
use common::{TestApp, person_id};
use kernel::access::Actor;
use kernel::ids::{CohortId, PersonId};
use leptos::server_fn::ServerFn;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 256;
const REQUESTS: usize = 1024;

struct Target {
    path: String,
    cookies: String,
}

struct Answer {
    target: usize,
    status: Option<u16>,
    millis: f64,
}

/// `REQUESTS` requests over the targets, `CONCURRENCY` in flight at any time, each on its
/// own connection.
async fn run(base: &str, targets: Vec<Target>, requests: usize, concurrency: usize) -> Vec<Answer> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let targets = Arc::new(targets);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, targets, next, base) = (client.clone(), targets.clone(), next.clone(), base.to_owned());
        workers.spawn(async move {
            let mut answers = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= requests {
                    return answers;
                }
                let target = n % targets.len();
                let started = Instant::now();
                let response = client
                    .get(format!("{base}{}", targets[target].path))
                    .header("cookie", &targets[target].cookies)
                    .send()
                    .await;
                let status = match response {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        response.bytes().await.ok().map(|_| status)
                    }
                    Err(_) => None,
                };
                answers.push(Answer { target, status, millis: started.elapsed().as_secs_f64() * 1000.0 });
            }
        });
    }
    let mut answers = Vec::with_capacity(requests);
    while let Some(done) = workers.join_next().await {
        answers.extend(done.unwrap());
    }
    answers
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// An application, a proposal and the heaviest signed-in pages with the people who open
/// them (a call as a board member, the panel, the committee queue, an application, a
/// proposal, the audit trail, the home page).
async fn heavy_pages(t: &common::TestDb, app: &TestApp) -> Vec<Target> {
    let db = &t.db;
    let now = chrono::Utc::now();
    let application = common::saras_scapis_application(db, "Load", now).await;
    let call: String =
        sqlx::query_scalar("SELECT slug FROM calls ORDER BY id LIMIT 1").fetch_one(db.pool()).await.unwrap();
    let emma = app.sign_in_as("Emma Novak").await;
    let (status, body) = app
        .call(StartProposal::PATH, &[("call", &call), ("company", "nordbiotix"), ("title", "Load")], &emma)
        .await;
    assert_eq!(status, 200, "{body}");
    let proposal: i64 = serde_json::from_str(&body).unwrap();
    let (board, admin, committee, applicant) = (
        app.sign_in_as("Per Almqvist").await,
        app.sign_in_as("Maria Lund").await,
        app.sign_in_as("Anna Ekström").await,
        app.sign_in_as("Sara Lindqvist").await,
    );
    vec![
        Target { path: format!("/calls/{call}"), cookies: board.clone() },
        Target { path: format!("/calls/{call}/panel"), cookies: admin.clone() },
        Target { path: "/committee".into(), cookies: committee },
        Target { path: format!("/applications/{application}"), cookies: applicant },
        Target { path: format!("/proposals/{proposal}"), cookies: emma },
        Target { path: "/admin/audit".into(), cookies: admin },
        // The dashboard folds every workflow's log on each request (two years of history).
        Target { path: "/dashboard".into(), cookies: board.clone() },
        Target { path: "/dashboard.csv".into(), cookies: board.clone() },
        Target { path: "/".into(), cookies: board },
    ]
}

on_both_backends!(signed_in_pages_hold_256_concurrent_connections, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    let targets = heavy_pages(t, &app).await;
    let paths: Vec<String> = targets.iter().map(|t| t.path.clone()).collect();
    let started = Instant::now();
    let answers = run(&app.base, targets, REQUESTS, CONCURRENCY).await;
    let elapsed = started.elapsed().as_secs_f64();

    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for answer in &answers {
        let key = answer.status.map(|s| s.to_string()).unwrap_or_else(|| "no answer".into());
        *statuses.entry(key).or_default() += 1;
    }
    figure!(
        "{}: {} requests, {CONCURRENCY} connections at once, {:.1} s, {:.0} requests/s; answers {statuses:?}",
        t.db.backend().name(),
        answers.len(),
        elapsed,
        answers.len() as f64 / elapsed,
    );
    for (index, path) in paths.iter().enumerate() {
        let mut times: Vec<f64> = answers.iter().filter(|a| a.target == index).map(|a| a.millis).collect();
        times.sort_by(f64::total_cmp);
        figure!(
            "  {path:<28} n={:<4} median {:7.1} ms  p95 {:7.1} ms  max {:7.1} ms",
            times.len(),
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times.last().copied().unwrap_or_default()
        );
    }
    let failed = answers.iter().filter(|a| a.status.is_none_or(|s| s >= 500)).count();
    assert_eq!(failed, 0, "no request may stall or answer 5xx: {statuses:?}");
    assert_eq!(statuses.get("200").copied().unwrap_or_default(), answers.len(), "{statuses:?}");
});

on_both_backends!(every_heavy_page_needs_one_database_connection_at_a_time, |t| {
    // With a pool of one, a request that holds a connection while it waits for another
    // never gets it: it would answer 503 after the pool's time-out instead of 200.
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let single = app::db::Db::connect(&t.url, 1).await.unwrap();
    let app = TestApp::spawn_on(t, single, |_| {}).await;
    let targets = heavy_pages(t, &app).await;
    let count = targets.len();
    let answers = run(&app.base, targets, count * 4, 8).await;
    let failed: Vec<u16> = answers.iter().map(|a| a.status.unwrap_or(0)).filter(|s| *s != 200).collect();
    assert!(failed.is_empty(), "every page answers on one connection: {failed:?}");
});

on_both_backends!(overload_waits_in_line_then_answers_503_with_retry_after, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let single = app::db::Db::connect(&t.url, 1).await.unwrap();
    let app = TestApp::spawn_on(t, single.clone(), |config| {
        config.max_requests_in_flight = 1;
        config.request_queue_seconds = 1;
    })
    .await;
    // Someone else holds the only connection, so the first request waits for the pool.
    let held = single.read().await.unwrap();
    let first = {
        let (client, base) = (app.client.clone(), app.base.clone());
        tokio::spawn(async move { client.get(format!("{base}/nodes")).send().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = app.get("/nodes", "").await;
    assert_eq!(second.status(), 503, "the second waited its second in line");
    assert_eq!(second.headers().get("retry-after").unwrap(), "5");
    let health = app.get("/healthz", "").await;
    assert_eq!(health.status(), 200, "a busy replica still answers its health check");
    let first = first.await.unwrap();
    drop(held);
    assert_eq!(first.status(), 503, "a page whose data could not be read in time says so");
    assert_eq!(first.headers().get("retry-after").unwrap(), "5");
    assert!(first.text().await.unwrap().contains("Portalen har mycket att göra"));
});

on_both_backends!(concurrent_draft_saves_all_succeed, |t| {
    use app::co_creation::api::SaveProposal;
    use app::cohort_access::api::SaveApplication;
    // 200 saves of drafts from 32 clients at once: proposals (whose save reads before it
    // writes) and applications. On SQLite every write transaction takes the write lock
    // first, so none fails with "database is locked"; a busy database waits.
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    let db = &t.db;
    let call: String =
        sqlx::query_scalar("SELECT slug FROM calls ORDER BY id LIMIT 1").fetch_one(db.pool()).await.unwrap();
    let emma = app.sign_in_as("Emma Novak").await;
    let sara = app.sign_in_as("Sara Lindqvist").await;
    let sara_id = PersonId(person_id(db, "Sara Lindqvist").await);
    let scapis: i64 = sqlx::query_scalar("SELECT id FROM cohorts WHERE slug = 'scapis'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let mut drafts = Vec::new();
    for n in 0..8 {
        let (status, body) = app
            .call(
                StartProposal::PATH,
                &[("call", &call), ("company", "nordbiotix"), ("title", &format!("P{n}"))],
                &emma,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let id: i64 = serde_json::from_str(&body).unwrap();
        drafts.push((SaveProposal::PATH, "fields[title]", id, emma.clone()));
        let application = app::cohort_access::store::create(
            db,
            &Actor::person(sara_id),
            &format!("A{n}"),
            &[CohortId(scapis)],
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        drafts.push((SaveApplication::PATH, "form[title]", application, sara.clone()));
    }
    let drafts = Arc::new(drafts);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (drafts, next, client, base) =
            (drafts.clone(), next.clone(), app.client.clone(), app.base.clone());
        let origin = app.origin();
        clients.spawn(async move {
            let mut statuses = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= 200 {
                    return statuses;
                }
                let (path, field, id, cookies) = &drafts[n % drafts.len()];
                let title = format!("save {n}");
                let response = client
                    .post(format!("{base}{path}"))
                    .header("origin", &origin)
                    .header("cookie", cookies)
                    .form(&[("id".to_owned(), id.to_string()), (field.to_string(), title)])
                    .send()
                    .await;
                statuses.push(response.map(|r| r.status().as_u16()).unwrap_or(0));
            }
        });
    }
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    while let Some(done) = clients.join_next().await {
        for status in done.unwrap() {
            *statuses.entry(status).or_default() += 1;
        }
    }
    figure!(
        "{}: 200 concurrent draft saves from 32 clients in {:.1} s: {statuses:?}",
        t.db.backend().name(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(statuses, BTreeMap::from([(200, 200)]), "every save was acknowledged");
    // What each draft holds is one of the saves acknowledged for it.
    let titles: Vec<String> =
        sqlx::query_scalar("SELECT title FROM proposals ORDER BY id").fetch_all(db.pool()).await.unwrap();
    assert!(titles.iter().all(|t| t.starts_with("save ")), "{titles:?}");
});
