//! The federated catalogue: harvesting the fixture node catalogues (every page, every
//! format, a broken one, slow and huge ones), searching, the JSON API, editing a node, and
//! the published DCAT-AP catalogue validated with pySHACL.

mod common;

use app::catalogue::harvest::{HarvestLimits, Initiator, harvest_node};
use app::catalogue::model::{DatasetQuery, HarvestOutcome};
use app::catalogue::outbound::OutboundPolicy;
use common::TestApp;
use std::time::Duration;

/// The fixture catalogue server: the demo catalogues the portal ships, plus a slow page
/// and a huge page, on a loopback port of its own.
async fn fixture_server() -> String {
    use axum::routing::get;
    let router = portal::catalogue_routes::demo::router::<()>()
        .route(
            "/slow.ttl",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                ([("content-type", "text/turtle")], "")
            }),
        )
        .route(
            "/huge.ttl",
            get(|| async { ([("content-type", "text/turtle")], "# padding\n".repeat(50_000)) }),
        )
        .route("/page.html", get(|| async { ([("content-type", "text/html")], "<html></html>") }))
        // A hostile catalogue: a redirect to the metadata service, and a page whose next
        // page is on another loopback address.
        .route(
            "/inward-redirect.ttl",
            get(|| async { axum::response::Redirect::temporary("http://169.254.169.254/latest/meta-data/") }),
        )
        .route(
            "/inward-next.ttl",
            get(|| async {
                (
                    [("content-type", "text/turtle")],
                    "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n\
                     <inward-next.ttl> a hydra:Collection ; hydra:next <http://127.0.0.2:9/page-2.ttl> .\n",
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

/// The fixture server is on 127.0.0.1, which the tests allow as development does.
fn limits() -> HarvestLimits {
    HarvestLimits {
        timeout: Duration::from_secs(1),
        max_page_bytes: 100_000,
        max_pages: 10,
        outbound: OutboundPolicy::allowing(&["127.0.0.1"], true),
    }
}

async fn set_catalogue_url(db: &app::db::Db, node: &str, url: &str) {
    sqlx::query("UPDATE nodes SET catalogue_url = $1 WHERE slug = $2")
        .bind(url)
        .bind(node)
        .execute(db.pool())
        .await
        .unwrap();
}

async fn records_of(db: &app::db::Db, node: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT c.slug, c.title_en, c.withdrawn_at FROM cohorts c JOIN nodes n ON n.id = c.source_node_id \
         WHERE n.slug = $1 ORDER BY c.slug",
    )
    .bind(node)
    .fetch_all(db.pool())
    .await
    .unwrap()
}

async fn harvest(db: &app::db::Db, node: &str) -> app::catalogue::harvest::RunReport {
    harvest_node(db, limits(), node, Initiator::Schedule).await.unwrap()
}

on_both_backends!(harvesting_reads_every_page_of_every_format_and_a_broken_catalogue_damages_nothing, |t| {
    let fixtures = fixture_server().await;
    app::demo::seed_demo(&t.db, Some(&fixtures)).await.unwrap();

    // Turtle, JSON-LD (hydra:nextPage) and RDF/XML, two pages each.
    for node in ["uppsala", "lund-malmo", "umea"] {
        let report = harvest(&t.db, node).await;
        assert_eq!(report.outcome, HarvestOutcome::Succeeded, "{node}: {:?}", report.error);
        assert_eq!(report.counts.pages, 2, "{node}: every page is read");
        assert!(report.counts.created >= 4, "{node}: {:?}", report.counts);
        assert_eq!(report.counts.created, report.counts.datasets_seen, "{node}");
        assert_eq!(records_of(&t.db, node).await.len() as i64, report.counts.created, "{node}");
    }
    let uppsala_before = records_of(&t.db, "uppsala").await;
    assert!(uppsala_before.iter().any(|r| r.0 == "uppsala-ucan-crc"));

    // Örebro's second page is malformed: the run fails, says where, and creates nothing.
    let broken = harvest(&t.db, "orebro").await;
    assert_eq!(broken.outcome, HarvestOutcome::Failed);
    let error = broken.error.clone().unwrap();
    assert!(error.contains("orebro/page-2.ttl") && error.contains("not valid text/turtle"), "{error}");
    assert_eq!(broken.counts.pages, 1, "the first page was read before the second failed");
    assert!(records_of(&t.db, "orebro").await.is_empty());
    let runs = app::catalogue::store::harvest_runs(&t.db, "orebro", 10).await.unwrap();
    assert_eq!(runs[0].outcome, HarvestOutcome::Failed);
    assert_eq!(runs[0].error.as_deref(), Some(error.as_str()), "the node page shows the error");

    // Harvesting again changes nothing.
    let again = harvest(&t.db, "uppsala").await;
    assert_eq!((again.counts.created, again.counts.updated, again.counts.withdrawn), (0, 0, 0));
    assert_eq!(again.counts.unchanged, uppsala_before.len() as i64);

    // Uppsala's catalogue a month later: one new, one changed, one gone (withdrawn, kept).
    set_catalogue_url(&t.db, "uppsala", &format!("{fixtures}/demo-catalogues/uppsala-later/page-1.ttl"))
        .await;
    let later = harvest(&t.db, "uppsala").await;
    assert_eq!(later.outcome, HarvestOutcome::Succeeded, "{:?}", later.error);
    assert_eq!(
        (later.counts.created, later.counts.updated, later.counts.withdrawn),
        (1, 1, 1),
        "{:?}",
        later.counts
    );
    let after = records_of(&t.db, "uppsala").await;
    let gone = after.iter().find(|r| r.0 == "uppsala-ucan-crc").expect("withdrawn records are kept");
    assert!(gone.2.is_some(), "and marked withdrawn");
    let changed = after.iter().find(|r| r.0 == "uppsala-scapis-uppsala-imaging").unwrap();
    assert!(changed.1.ends_with("(2026 release)"), "{}", changed.1);

    // A broken, unreachable, slow, huge or non-RDF catalogue fails its own run only.
    let failures = [
        (format!("{fixtures}/slow.ttl"), "did not answer within 1 seconds"),
        (format!("{fixtures}/demo-catalogues/orebro/page-2.ttl"), "not valid text/turtle"),
        ("http://127.0.0.1:1/catalogue.ttl".to_owned(), "could not be reached"),
        (format!("{fixtures}/huge.ttl"), "larger than the limit of 100000 bytes"),
        (format!("{fixtures}/page.html"), "not in an RDF format"),
        (format!("{fixtures}/demo-catalogues/nowhere/page-1.ttl"), "answered HTTP 404"),
    ];
    for (url, expected) in failures {
        set_catalogue_url(&t.db, "uppsala", &url).await;
        let report = harvest(&t.db, "uppsala").await;
        assert_eq!(report.outcome, HarvestOutcome::Failed, "{url}");
        assert!(report.error.as_deref().unwrap_or_default().contains(expected), "{url}: {:?}", report.error);
        assert_eq!(records_of(&t.db, "uppsala").await, after, "{url} changed records");
    }

    // Every run is on record, and each finished run is an event.
    let runs = app::catalogue::store::harvest_runs(&t.db, "uppsala", 100).await.unwrap();
    assert_eq!(runs.len(), 3 + 6);
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE action = 'harvest_finished'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(events, 3 + 1 + 2 + 6);
    let withdrawn_events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE action = 'dataset_withdrawn_at_source'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!(withdrawn_events, 1);
    assert!(app::audit::store::verify(&t.db).await.unwrap().first_break.is_none());
});

on_both_backends!(only_one_harvest_of_a_node_runs_at_a_time, |t| {
    let fixtures = fixture_server().await;
    app::demo::seed_demo(&t.db, Some(&fixtures)).await.unwrap();
    set_catalogue_url(&t.db, "uppsala", &format!("{fixtures}/slow.ttl")).await;
    let patient = HarvestLimits { timeout: Duration::from_secs(10), ..limits() };
    let first = tokio::spawn({
        let (db, patient) = (t.db.clone(), patient.clone());
        async move { harvest_node(&db, patient, "uppsala", Initiator::Schedule).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = harvest_node(&t.db, patient.clone(), "uppsala", Initiator::Schedule).await;
    assert!(matches!(second, Err(app::catalogue::harvest::HarvestError::AlreadyRunning)), "{second:?}");
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.outcome, HarvestOutcome::Succeeded, "{first:?}");
    assert_eq!(first.counts.datasets_seen, 0);
    // Once it finished, the node can be harvested again.
    let third = harvest_node(&t.db, patient, "uppsala", Initiator::Schedule).await.unwrap();
    assert_eq!(third.counts.datasets_seen, 0);
});

on_both_backends!(an_empty_catalogue_withdraws_nothing, |t| {
    let fixtures = fixture_server().await;
    app::demo::seed_demo(&t.db, Some(&fixtures)).await.unwrap();
    harvest(&t.db, "umea").await;
    let before = records_of(&t.db, "umea").await;
    set_catalogue_url(&t.db, "umea", &format!("{fixtures}/slow.ttl")).await;
    let patient = HarvestLimits { timeout: Duration::from_secs(10), ..limits() };
    let report = harvest_node(&t.db, patient, "umea", Initiator::Schedule).await.unwrap();
    assert_eq!(report.outcome, HarvestOutcome::Failed);
    assert!(report.error.unwrap().contains("lists no datasets"));
    assert_eq!(records_of(&t.db, "umea").await, before);
});

on_both_backends!(search_matches_prefixes_and_counts_each_facet_without_its_own_filter, |t| {
    let fixtures = fixture_server().await;
    app::demo::seed_demo(&t.db, Some(&fixtures)).await.unwrap();
    for node in ["uppsala", "lund-malmo", "umea"] {
        harvest(&t.db, node).await;
    }
    let search = |query: &str| {
        let query = DatasetQuery::from_query_string(query).unwrap();
        let db = t.db.clone();
        async move { app::catalogue::store::search(&db, &query, app::i18n::Lang::En).await.unwrap() }
    };
    let cardio = search("q=cardio").await;
    let slugs: Vec<&str> = cardio.items.iter().map(|i| i.slug.as_str()).collect();
    assert!(slugs.contains(&"scapis"), "CArdioPulmonary matches the prefix: {slugs:?}");
    assert!(slugs.contains(&"uppsala-scapis-uppsala-imaging"), "{slugs:?}");
    assert!(cardio.total >= 4, "{slugs:?}");

    let narrowed = search("q=cardio&node=uppsala&duo=HMB").await;
    assert!(narrowed.items.iter().any(|i| i.slug == "uppsala-scapis-uppsala-imaging"));
    for item in &narrowed.items {
        assert!(item.nodes.iter().any(|n| n.slug == "uppsala"), "{}", item.slug);
        assert!(item.consent_codes.iter().any(|c| c.term.abbreviation() == "HMB"), "{}", item.slug);
    }
    // The node facet ignores the node filter, so other nodes still show their counts.
    let nodes = narrowed.facets.iter().find(|f| f.facet == app::catalogue::model::Facet::Node).unwrap();
    let uppsala = nodes.values.iter().find(|v| v.value == "uppsala").unwrap();
    assert!(uppsala.selected);
    assert_eq!(uppsala.count, narrowed.total);
    assert!(nodes.values.iter().any(|v| v.value != "uppsala" && v.count > 0), "{nodes:?}");

    // Diacritics do not matter, on either database.
    let malmo = search("q=malmo").await;
    assert!(malmo.items.iter().any(|i| i.slug == "mdcs"), "Malmö is found as malmo");
    assert_eq!(search("q=MALMÖ").await.total, malmo.total);
    // Every word must match; a word nobody uses finds nothing.
    assert_eq!(search("q=cardio+xyzzy").await.total, 0);
    // Sorting and paging.
    let by_title = search("sort=title").await;
    let titles: Vec<String> = by_title.items.iter().map(|i| i.title.en.to_lowercase()).collect();
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);
    let all = search("").await;
    assert!(all.total > 20, "demo cohorts plus harvested datasets: {}", all.total);
    let second_page = search("page=2").await;
    assert_eq!(second_page.items.len() as i64, (all.total - 20).min(20));
    assert!(second_page.items.iter().all(|i| !all.items.iter().any(|j| j.slug == i.slug)));
    // Sizes, and a combination of facets with OR inside one facet.
    let big = search("size=gt50k&size=lt1k").await;
    assert!(big.items.iter().all(|i| i.participants >= 50_000 || i.participants < 1_000));
    // Withdrawn records are not found.
    set_catalogue_url(&t.db, "uppsala", &format!("{fixtures}/demo-catalogues/uppsala-later/page-1.ttl"))
        .await;
    harvest(&t.db, "uppsala").await;
    assert!(!search("q=colorectal").await.items.iter().any(|i| i.slug == "uppsala-ucan-crc"));
});

on_both_backends!(the_json_api_serves_nodes_datasets_and_its_openapi_document, |t| {
    let fixtures = fixture_server().await;
    app::demo::seed_demo(&t.db, Some(&fixtures)).await.unwrap();
    harvest(&t.db, "uppsala").await;
    let app = TestApp::spawn(t, |_| {}).await;
    let json = |path: &'static str| {
        let app = &app;
        async move {
            let response = app.get(path, "").await;
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let (status, nodes) = json("/api/v1/nodes").await;
    assert_eq!(status, 200);
    assert_eq!(nodes["nodes"].as_array().unwrap().len(), 7);
    assert_eq!(nodes["nodes"][1]["id"], "uppsala");
    assert!(nodes["nodes"][1]["catalogue_url"].as_str().unwrap().starts_with(&fixtures));

    let (status, found) = json("/api/v1/datasets?q=cardio&node=uppsala&duo=HMB").await;
    assert_eq!(status, 200);
    let items = found["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["slug"] == "uppsala-scapis-uppsala-imaging"), "{found}");
    assert_eq!(found["total"].as_i64().unwrap(), items.len() as i64);
    assert!(found["facets"].as_array().unwrap().len() == 6);

    let (status, detail) = json("/api/v1/datasets/uppsala-scapis-uppsala-imaging").await;
    assert_eq!(status, 200);
    assert_eq!(detail["origin"], "harvested");
    assert_eq!(detail["source_node"]["slug"], "uppsala");
    assert!(
        detail["record"]["landing_page"].as_str().unwrap().contains("/demo-catalogues/uppsala/datasets/")
    );

    assert_eq!(json("/api/v1/datasets/no-such-dataset").await.0, 404);
    let (status, problem) = json("/api/v1/datasets?duo=XYZ").await;
    assert_eq!(status, 400);
    assert!(problem["error"].as_str().unwrap().contains("duo"), "{problem}");
    assert_eq!(json("/api/v1/datasets?page=abc").await.0, 400);

    // `/catalog` sends a harvester to the format it asks for.
    let negotiated = app
        .client
        .get(format!("{}/catalog", app.base))
        .header("accept", "application/ld+json")
        .send()
        .await
        .unwrap();
    assert_eq!(negotiated.status().as_u16(), 303);
    assert_eq!(negotiated.headers()["location"], "/catalog.jsonld?page=1");

    let (status, document) = json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.1.0");

    // The HTML pages, server-rendered.
    let (status, page) = app.get_text("/catalogue?q=cardio&node=uppsala", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("uppsala-scapis-uppsala-imaging"), "the result links to the dataset");
    let (status, page) = app.get_text("/datasets/uppsala-scapis-uppsala-imaging", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"node-catalogue-link\""));
    assert_eq!(app.get_text("/datasets/no-such-dataset", "").await.0, 404);
    let (status, page) = app.get_text("/nodes/orebro", "").await;
    assert_eq!(status, 200);
    assert!(page.contains("data-testid=\"demo-catalogue\""), "the UI says the catalogue is a demo");
    assert_eq!(app.get_text("/catalogue?duo=XYZ", "").await.0, 400);
});

#[test]
fn the_openapi_document_describes_every_api_route_and_nothing_else() {
    let document = portal::openapi::document("https://portal.example.org");
    let described: std::collections::BTreeSet<String> =
        document["paths"].as_object().unwrap().keys().cloned().collect();
    let routed: std::collections::BTreeSet<String> =
        portal::api_v1::ROUTES.iter().map(|r| r.path.to_owned()).collect();
    assert_eq!(described, routed);
}

#[test]
fn every_demo_catalogue_the_demo_data_names_is_served() {
    let data = app::demo::demo_data().unwrap();
    let files = portal::catalogue_routes::demo::FILES;
    let named: Vec<&String> = data.nodes.iter().filter_map(|n| n.demo_catalogue.as_ref()).collect();
    assert!(named.len() >= 3);
    for path in named {
        assert!(files.iter().any(|(p, _)| p == path), "{path} is not in server/demo-catalogues");
    }
}

on_both_backends!(coordinators_edit_and_harvest_their_own_node_only, |t| {
    let fixtures = fixture_server().await;
    app::demo::seed_demo(&t.db, Some(&fixtures)).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    let coordinator = app.sign_in_as("Karin Sjöberg").await; // coordinator for Umeå
    let update = <app::catalogue::api::UpdateNode as leptos::server_fn::ServerFn>::PATH;
    let harvest_now = <app::catalogue::api::HarvestNodeNow as leptos::server_fn::ServerFn>::PATH;
    let form = |slug: &'static str, email: &'static str| {
        vec![
            ("slug", slug),
            ("description_sv", "Umeå universitet och Norrlands universitetssjukhus."),
            ("description_en", "Umeå University and Norrland University Hospital."),
            ("contact_name", "Karin Sjöberg"),
            ("contact_email", email),
            ("catalogue_site_url", ""),
            ("catalogue_url", ""),
            ("services[]", "genomics"),
            ("services[]", "imaging"),
        ]
    };
    let (status, body) = app.call(update, &form("umea", "not-an-address"), &coordinator).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("contact_email") && body.contains("form.invalid_email"), "{body}");
    let (status, body) = app.call(update, &form("umea", "umea.node@example.org"), &coordinator).await;
    assert_eq!(status, 200, "{body}");
    let node = app::catalogue::store::node(&t.db, "umea").await.unwrap().unwrap();
    assert_eq!(node.services, vec!["genomics", "imaging"]);
    assert_eq!(node.contact_name.as_deref(), Some("Karin Sjöberg"));
    assert_eq!(node.catalogue_url, None, "the coordinator removed the catalogue link");
    let edits: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE action = 'node_updated' AND subject_id = 'umea'",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(edits, 1);

    let (status, _) = app.call(update, &form("uppsala", "x@example.org"), &coordinator).await;
    assert_eq!(status, 403, "another node");
    let (status, _) = app.call(harvest_now, &[("slug", "uppsala")], &coordinator).await;
    assert_eq!(status, 403, "another node's harvest");
    let (status, _) = app.call(update, &form("umea", "x@example.org"), "").await;
    assert_eq!(status, 401);
    let (status, body) = app.call(harvest_now, &[("slug", "umea")], &coordinator).await;
    assert_eq!(status, 400, "no catalogue URL any more: {body}");

    // An administrator harvests any node; the run names them.
    let admin = app.sign_in_as("Maria Lund").await;
    let (status, body) = app.call(harvest_now, &[("slug", "lund-malmo")], &admin).await;
    assert_eq!(status, 200, "{body}");
    let run: app::catalogue::model::HarvestRunView = serde_json::from_str(&body).unwrap();
    assert_eq!(run.outcome, HarvestOutcome::Succeeded);
    assert_eq!(run.requested_by.as_deref(), Some("Maria Lund"));
});

/// Where the pySHACL interpreter is: `PYSHACL_PYTHON`, else the venv `make test` makes.
fn shacl_python() -> std::path::PathBuf {
    if let Ok(path) = std::env::var("PYSHACL_PYTHON") {
        return path.into();
    }
    let home = std::env::var("HOME").unwrap_or_default();
    std::path::PathBuf::from(home).join(".cache/portal/pyshacl-venv/bin/python")
}

on_both_backends!(every_page_of_the_published_catalogue_conforms_to_dcat_ap_3, |t| {
    let fixtures = fixture_server().await;
    app::demo::seed_demo(&t.db, Some(&fixtures)).await.unwrap();
    for node in ["uppsala", "lund-malmo", "umea"] {
        harvest(&t.db, node).await;
    }
    let app = TestApp::spawn(t, |c| c.catalog_page_size = 10).await;
    let published: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cohorts WHERE withdrawn_at IS NULL")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let folder = tempdir();
    let mut files = Vec::new();
    for format in app::catalogue::dcat::CatalogueFormat::PUBLISHED {
        let mut seen = 0;
        let mut url = Some(format!("{}/catalog.{}?page=1", app.base, format.extension()));
        while let Some(next) = url.take() {
            let response = app.client.get(&next).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{next}");
            let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(content_type.starts_with(format.media_type()), "{content_type}");
            let body = response.bytes().await.unwrap();
            // Paging as a harvester follows it: hydra:next on each page.
            let page = app::catalogue::dcat::read_page(&body, format, &next).unwrap();
            seen += page.datasets.len() as i64;
            let file = folder.join(format!("page-{}.{}", files.len(), format.extension()));
            std::fs::write(&file, &body).unwrap();
            files.push(file);
            url = page.next_page;
        }
        assert_eq!(seen, published, "{format:?}: every published record is on some page");
    }
    assert!(files.len() >= 9, "several pages per format: {}", files.len());
    assert_eq!(app.get_text("/catalog.ttl?page=999", "").await.0, 404);
    assert_eq!(app.get_text("/catalog.ttl?page=0", "").await.0, 400);

    let python = shacl_python();
    assert!(
        python.exists(),
        "pySHACL is needed: run `make test` once (it makes {}) or set PYSHACL_PYTHON",
        python.display()
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/shacl/validate.py");
    // DCAT-AP 3.0.1's shapes and what HealthDCAT-AP asks of non-public datasets.
    let shapes = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/shacl/dcat-ap-3.0.1-shapes.ttl,",
        env!("CARGO_MANIFEST_DIR"),
        "/tests/shacl/healthdcat-ap-required.ttl"
    );
    let output = std::process::Command::new(&python).arg(script).arg(shapes).args(&files).output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "validator failed: {report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let conforming = report.lines().filter(|l| l.starts_with("CONFORMS ")).count();
    assert_eq!(conforming, files.len(), "{report}");
    let _ = std::fs::remove_dir_all(&folder);
});

fn tempdir() -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!("portal-catalog-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// A benchmark, not a test: `cargo test -p portal --test catalogue -- --ignored --nocapture`.
/// Loads 10,000 datasets and prints the server time of a filtered full-text search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints figures, asserts nothing about time"]
async fn benchmark_filtered_full_text_search_over_10000_datasets() {
    use app::catalogue::model::{ConsentCode, DatasetRecord, DuoTerm, Localized, Origin};
    const DATASETS: usize = 10_000;
    const RUNS: usize = 60;
    for (name, t) in common::benchmark_backends(true).await {
        let node_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM nodes ORDER BY sort_order")
            .fetch_all(t.db.pool())
            .await
            .unwrap();
        // Deterministic variety: every field cycles with a different period.
        let topics = [
            "cardiovascular",
            "cardiometabolic",
            "oncology",
            "diabetes",
            "dementia",
            "asthma",
            "rare disease",
        ];
        let kinds = ["biobank", "imaging cohort", "register study", "birth cohort", "trial follow-up"];
        let primaries = [DuoTerm::Gru, DuoTerm::Hmb, DuoTerm::Ds, DuoTerm::Poa];
        let loading = std::time::Instant::now();
        let mut tx = t.db.pool().begin().await.unwrap();
        for i in 0..DATASETS {
            let topic = topics[i % topics.len()];
            let kind = kinds[i % kinds.len()];
            let primary = primaries[i % primaries.len()];
            let record = DatasetRecord {
                acronym: format!("BENCH-{i}"),
                title: Localized::new(format!("{topic} {kind} {i}"), format!("{topic} {kind} {i}")),
                description: Localized::new(
                    format!("Syntetisk post {i} om {topic}."),
                    format!("Synthetic record {i} about {topic}, for the search benchmark."),
                ),
                participants: ((i * 7919) % 80_000) as i64,
                data_types: vec![app::catalogue::model::DATA_TYPES[i % 9].to_owned()],
                sample_types: vec![app::catalogue::model::SAMPLE_TYPES[i % 8].to_owned()],
                disease_areas: vec![app::catalogue::model::DISEASE_AREAS[i % 9].to_owned()],
                keywords: vec![format!("keyword{}", i % 50)],
                consent_codes: vec![
                    ConsentCode {
                        term: primary,
                        disease_term: (primary == DuoTerm::Ds).then(|| topic.to_owned()),
                    },
                    ConsentCode { term: DuoTerm::Irb, disease_term: None },
                ],
                ..DatasetRecord::default()
            };
            let nodes = [node_ids[i % 7], node_ids[(i / 7) % 7]];
            let nodes: &[i64] = if nodes[0] == nodes[1] { &nodes[..1] } else { &nodes };
            app::catalogue::store::insert_record(
                &mut tx,
                app::catalogue::store::NewRecord {
                    slug: &format!("bench-{i}"),
                    record: &record,
                    origin: Origin::Harvested,
                    illustrative: true,
                    node_ids: nodes,
                    source_node_id: None,
                    source_iri: None,
                    digest: None,
                },
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        if name == "PostgreSQL" {
            sqlx::query("ANALYZE").execute(t.db.pool()).await.unwrap();
        }
        let loaded_in = loading.elapsed();
        let queries = [
            ("filtered full-text", "q=cardio&node=uppsala&duo=HMB&size=10k-50k"),
            ("full-text only", "q=cardio"),
            ("filters only", "node=uppsala&data_type=imaging&duo=HMB"),
        ];
        for (label, query) in queries {
            let query = DatasetQuery::from_query_string(query).unwrap();
            let mut timings = Vec::with_capacity(RUNS);
            let mut total = 0;
            for run in 0..RUNS + 5 {
                let one = std::time::Instant::now();
                let result = app::catalogue::store::search(&t.db, &query, app::i18n::Lang::En).await.unwrap();
                if run >= 5 {
                    timings.push(one.elapsed());
                }
                total = result.total;
            }
            timings.sort();
            assert!(total > 0, "{label} finds something");
            println!(
                "{name}: {DATASETS} datasets loaded in {:.1} s; {label} search ({total} hits, page of 20 with 6 facet counts): \
                 median {:.1} ms, p95 {:.1} ms over {RUNS} runs",
                loaded_in.as_secs_f64(),
                timings[RUNS / 2].as_secs_f64() * 1000.0,
                timings[RUNS * 95 / 100].as_secs_f64() * 1000.0,
            );
        }
    }
}

on_both_backends!(the_harvester_does_not_reach_inward_addresses, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let base = fixture_server().await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    let production = HarvestLimits { outbound: OutboundPolicy::allowing(&[] as &[&str], false), ..limits() };
    let refused_everywhere = [
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        format!("http://127.0.0.1:{port}/demo-catalogues/uppsala/page-1.ttl"),
        format!("http://localhost:{port}/demo-catalogues/uppsala/page-1.ttl"),
        "http://[::1]:9/catalog.ttl".to_owned(),
        "http://10.0.0.1/catalog.ttl".to_owned(),
        "http://0x7f000001:9/".to_owned(),
    ];
    for url in &refused_everywhere {
        set_catalogue_url(&t.db, "uppsala", url).await;
        let report = harvest_node(&t.db, production.clone(), "uppsala", Initiator::Schedule).await.unwrap();
        assert_eq!(report.outcome, HarvestOutcome::Failed, "{url}");
        let error = report.error.unwrap();
        assert!(
            error.contains("not on a public address") || error.ends_with("could not be reached"),
            "{url}: {error}"
        );
    }
    // A closed port and an inward one read alike: nothing tells ports apart.
    set_catalogue_url(&t.db, "uppsala", "http://127.0.0.1:9/catalog.ttl").await;
    let closed = harvest_node(&t.db, limits(), "uppsala", Initiator::Schedule).await.unwrap().error.unwrap();
    assert_eq!(closed, "http://127.0.0.1:9/catalog.ttl could not be reached");

    // Allowed on loopback (development), a hostile catalogue still cannot lead inward.
    for (path, expected) in [
        ("/inward-redirect.ttl", "redirected too often or to an address the portal does not fetch from"),
        ("/inward-next.ttl", "http://127.0.0.2:9/page-2.ttl is not on a public address"),
    ] {
        set_catalogue_url(&t.db, "uppsala", &format!("{base}{path}")).await;
        let report = harvest_node(&t.db, limits(), "uppsala", Initiator::Schedule).await.unwrap();
        assert_eq!(report.outcome, HarvestOutcome::Failed, "{path}");
        assert!(report.error.as_deref().unwrap().contains(expected), "{path}: {:?}", report.error);
    }
});
