//! The security review's findings (issue 13), each as the attack or the careless use it
//! describes, over HTTP on both databases.

mod common;

use app::co_creation::api::StartProposal;
use common::{TestApp, person_id};
use kernel::access::Actor;
use kernel::ids::{CohortId, PersonId};
use leptos::server_fn::ServerFn;

/// Markup that would redirect the page elsewhere if it reached the `<title>` as markup.
const TITLE_PAYLOAD: &str =
    r#"</title><meta http-equiv="refresh" content="0;url=https://elsewhere.example">"#;

async fn demo_app(t: &common::TestDb) -> TestApp {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    TestApp::spawn(t, |_| {}).await
}

/// The page's `<title>` element's content, as sent.
fn title_of(page: &str) -> &str {
    let start = page.find("<title>").map(|i| i + "<title>".len()).expect("a <title>");
    let end = page[start..].find("</title>").expect("a closed <title>");
    &page[start..start + end]
}

fn assert_payload_is_text(page: &str, source: &str) {
    let title = title_of(page);
    assert!(
        title.starts_with("&lt;/title&gt;&lt;meta"),
        "{source}: the title shows the text as typed: {title}"
    );
    assert!(!page.contains("<meta http-equiv"), "{source}: no markup from people's text in the page");
}

on_both_backends!(peoples_text_reaches_the_page_title_as_text, |t| {
    let app = demo_app(t).await;
    let db = &t.db;
    let now = chrono::Utc::now();
    // A harvested dataset's title, read by anonymous visitors.
    sqlx::query("UPDATE cohorts SET title_sv = $1, title_en = $1 WHERE slug = 'scapis'")
        .bind(TITLE_PAYLOAD)
        .execute(db.pool())
        .await
        .unwrap();
    let (status, page) = app.get_text("/datasets/scapis", "").await;
    assert_eq!(status, 200);
    assert_payload_is_text(&page, "dataset");

    // An application's title, typed by its applicant.
    let sara = person_id(db, "Sara Lindqvist").await;
    let scapis: i64 = sqlx::query_scalar("SELECT id FROM cohorts WHERE slug = 'scapis'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let application = app::cohort_access::store::create(
        db,
        &Actor::person(PersonId(sara)),
        TITLE_PAYLOAD,
        &[CohortId(scapis)],
        now,
    )
    .await
    .unwrap();
    let cookies = app.sign_in_as("Sara Lindqvist").await;
    let (status, page) = app.get_text(&format!("/applications/{application}"), &cookies).await;
    assert_eq!(status, 200);
    assert_payload_is_text(&page, "application");

    // A company's name and a proposal's title, typed by its representative; a call's title.
    sqlx::query("UPDATE organisations SET name = $1 WHERE slug = 'nordbiotix'")
        .bind(TITLE_PAYLOAD)
        .execute(db.pool())
        .await
        .unwrap();
    let call: String =
        sqlx::query_scalar("SELECT slug FROM calls ORDER BY id LIMIT 1").fetch_one(db.pool()).await.unwrap();
    let emma = app.sign_in_as("Emma Novak").await;
    let (status, body) = app
        .call(
            StartProposal::PATH,
            &[("call", &call), ("company", "nordbiotix"), ("title", TITLE_PAYLOAD)],
            &emma,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let proposal: i64 = serde_json::from_str(&body).unwrap();
    let (status, page) = app.get_text(&format!("/proposals/{proposal}"), &emma).await;
    assert_eq!(status, 200);
    assert_payload_is_text(&page, "proposal");
    let (status, page) = app.get_text("/companies/nordbiotix", &emma).await;
    assert_eq!(status, 200);
    assert_payload_is_text(&page, "company");
    sqlx::query("UPDATE calls SET title_sv = $1, title_en = $1 WHERE slug = $2")
        .bind(TITLE_PAYLOAD)
        .bind(&call)
        .execute(db.pool())
        .await
        .unwrap();
    let (status, page) = app.get_text(&format!("/calls/{call}"), "").await;
    assert_eq!(status, 200);
    assert_payload_is_text(&page, "call");
});
