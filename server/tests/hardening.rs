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
    let application = common::saras_scapis_application(db, TITLE_PAYLOAD, now).await;
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

on_both_backends!(a_nodes_token_exports_only_its_nodes_business_and_never_co_creation, |t| {
    use app::policy::ApiScope;
    let app = demo_app(t).await;
    let db = &t.db;
    let now = chrono::Utc::now();
    let cohort = |slug: &'static str| async move {
        CohortId(
            sqlx::query_scalar::<_, i64>("SELECT id FROM cohorts WHERE slug = $1")
                .bind(slug)
                .fetch_one(db.pool())
                .await
                .unwrap(),
        )
    };
    let sara = Actor::person(PersonId(person_id(db, "Sara Lindqvist").await));
    let at_uppsala =
        app::cohort_access::store::create(db, &sara, "Uppsala's", &[cohort("scapis").await], now)
            .await
            .unwrap();
    let at_umea =
        app::cohort_access::store::create(db, &sara, "Umeå's", &[cohort("u-can").await], now).await.unwrap();
    let call: String =
        sqlx::query_scalar("SELECT slug FROM calls ORDER BY id LIMIT 1").fetch_one(db.pool()).await.unwrap();
    let emma = app.sign_in_as("Emma Novak").await;
    let (status, _) = app
        .call(StartProposal::PATH, &[("call", &call), ("company", "nordbiotix"), ("title", "Secret")], &emma)
        .await;
    assert_eq!(status, 200);

    let admin = person_id(db, "Maria Lund").await;
    let node = |slug: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM nodes WHERE slug = $1")
            .bind(slug)
            .fetch_one(db.pool())
            .await
            .unwrap()
    };
    let token = |name: &'static str, scopes: &'static [ApiScope], node_id: Option<i64>| async move {
        let new = app::identity::tokens::NewToken {
            name,
            scopes,
            node_id,
            expires_at: chrono::Utc::now() + chrono::Duration::days(30),
        };
        app::identity::tokens::create(db, new, admin).await.unwrap().1
    };
    let export = |token: String| {
        let request =
            app.client.get(format!("{}/api/v1/audit/events?limit=1000", app.base)).bearer_auth(token);
        async move {
            let body: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
            body["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["subject_kind"].as_str().unwrap().to_owned(),
                        e["subject_id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let uppsala = export(token("uppsala", &[ApiScope::AuditRead], Some(node("uppsala").await)).await).await;
    assert!(uppsala.contains(&("application".into(), at_uppsala.to_string())), "{uppsala:?}");
    assert!(!uppsala.contains(&("application".into(), at_umea.to_string())), "not Umeå's business");
    assert!(uppsala.iter().all(|(kind, _)| kind != "proposal" && kind != "company" && kind != "call"));
    assert!(uppsala.iter().all(|(kind, _)| kind != "person"), "sign-ins are no node's business");

    let archive = export(token("archive", &[ApiScope::AuditRead], None).await).await;
    assert!(archive.contains(&("application".into(), at_umea.to_string())));
    assert!(archive.iter().all(|(kind, _)| kind != "proposal"), "co-creation needs its own scope");
    let with_co_creation = export(
        token("co-creation archive", &[ApiScope::AuditRead, ApiScope::CoCreationAuditRead], None).await,
    )
    .await;
    assert!(with_co_creation.iter().any(|(kind, _)| kind == "proposal"));
});

/// Every file under a folder, however deep.
fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.filter_map(Result::ok).map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()
}

on_both_backends!(a_refused_upload_leaves_no_file_and_says_why_at_the_field, |t| {
    let storage = std::env::temp_dir().join(format!("portal-uploads-{}", uuid_like()));
    let dir = storage.to_string_lossy().into_owned();
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |config| {
        config.attachment_dir = dir.clone();
        config.attachment_max_bytes = 1_000;
    })
    .await;
    let id = common::saras_scapis_application(&t.db, "Uploads", chrono::Utc::now()).await;
    let upload = |bytes: Vec<u8>, cookies: String| {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("beslut.pdf"));
        app.client
            .post(format!("{}/applications/{id}/attachments", app.base))
            .header("origin", app.origin())
            .header("cookie", cookies)
            .multipart(form)
            .send()
    };
    let real = include_bytes!("fixtures/decision.pdf").to_vec();
    let (sara_cookies, emma) = (app.sign_in_as("Sara Lindqvist").await, app.sign_in_as("Emma Novak").await);

    let response = upload(real.clone(), emma).await.unwrap();
    assert_eq!(response.status(), 403, "not her application");
    let html = b"%PDF-1.7\n<html><body>a page</body></html>\n%%EOF\n".to_vec();
    for (bytes, problem) in [(html, "not_pdf"), (vec![b'%'; 5_000], "too_large"), (Vec::new(), "empty")] {
        let response = upload(bytes, sara_cookies.clone()).await.unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, format!("/applications/{id}?upload_error={problem}#form"));
        let (_, page) = app.get_text(&location.replace("#form", ""), &sara_cookies).await;
        let swedish: serde_json::Value =
            serde_json::from_str(include_str!("../../app/locales/sv.json")).unwrap();
        let message = swedish[format!("upload.{problem}")].as_str().unwrap();
        assert!(page.contains(message), "the reason is shown at the field: {message}");
    }
    assert_eq!(files_under(&storage), 0, "nothing refused was written");
    let response = upload(real, sara_cookies).await.unwrap();
    assert_eq!(response.headers()["location"].to_str().unwrap(), format!("/applications/{id}#form"));
    assert_eq!(files_under(&storage), 1);
    let _ = std::fs::remove_dir_all(&storage);
});

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    format!("{}-{}", std::process::id(), SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos())
}

on_both_backends!(a_declared_conflict_wins_over_the_administrator_role, |t| {
    use app::audit::model::AuditFilter;
    let app = demo_app(t).await;
    let db = &t.db;
    let call: String =
        sqlx::query_scalar("SELECT slug FROM calls ORDER BY id LIMIT 1").fetch_one(db.pool()).await.unwrap();
    let emma = app.sign_in_as("Emma Novak").await;
    let (status, body) = app
        .call(StartProposal::PATH, &[("call", &call), ("company", "nordbiotix"), ("title", "Secret")], &emma)
        .await;
    assert_eq!(status, 200, "{body}");
    let proposal: i64 = serde_json::from_str(&body).unwrap();
    let company: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE slug = 'nordbiotix'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    // Mail about the proposal to someone else (as the board's would be).
    let per = person_id(db, "Per Almqvist").await;
    sqlx::query(
        "INSERT INTO notifications (kind, recipient_id, recipient_email, subject, body, proposal_id, created_at, next_attempt_at, delivery) \
         VALUES ('submitted_board', $1, 'per@example.org', 'A proposal', 'Secret', $2, $3, $3, 'outbox')",
    )
    .bind(per)
    .bind(proposal)
    .bind(app::db::now())
    .execute(db.pool())
    .await
    .unwrap();
    let maria = person_id(db, "Maria Lund").await;
    let about_company = |entries: &[app::audit::model::AuditEntry]| {
        entries
            .iter()
            .filter(|e| {
                (e.event.subject_kind == "proposal" && e.event.subject_id == proposal.to_string())
                    || (e.event.subject_kind == "company" && e.event.subject_id == company.to_string())
            })
            .count()
    };
    let before = app::audit::store::search(db, maria, &AuditFilter::default()).await.unwrap();
    assert!(about_company(&before.entries) > 0, "an administrator reads the trail");
    assert_eq!(app::notifications::store::outbox(db, maria, None, 200).await.unwrap().len(), 1);

    let admin = app.sign_in_as("Maria Lund").await;
    let (status, body) = app
        .call(
            <app::co_creation::api::DeclareConflict as ServerFn>::PATH,
            &[("company", &company.to_string()), ("kind", "financial")],
            &admin,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let after = app::audit::store::search(db, maria, &AuditFilter::default()).await.unwrap();
    assert_eq!(about_company(&after.entries), 0, "nothing about the company or its proposals");
    assert!(app::notifications::store::outbox(db, maria, None, 200).await.unwrap().is_empty());
    let others = app::audit::store::search(db, per, &AuditFilter::default()).await.unwrap();
    assert!(about_company(&others.entries) > 0, "the conflict is hers alone");
});

on_both_backends!(a_form_refused_without_javascript_comes_back_with_what_was_typed, |t| {
    use app::co_creation::api::SaveCall;
    let app = demo_app(t).await;
    let maria = app.sign_in_as("Maria Lund").await;
    let post = |cookies: &str| {
        app.client
            .post(format!("{}{}", app.base, SaveCall::PATH))
            .header("accept", "text/html,application/xhtml+xml")
            .header("origin", app.origin())
            .header("referer", format!("{}/calls/new", app.base))
            .header("cookie", cookies)
            .form(&[
                ("slug", ""),
                ("call[title_sv]", "Utlysning utan JavaScript"),
                ("call[title_en]", "A call typed <without> JavaScript"),
                ("call[body_en]", "Kept **as typed**."),
                ("call[opens]", "2027-03-01T10:00"),
                ("call[closes]", "2027-02-01T10:00"),
                ("call[trl_min]", "5"),
                ("call[trl_max]", "9"),
                ("call[overall_threshold]", "3"),
                ("call[reviewers_per_proposal]", "3"),
                ("call[published]", "true"),
            ])
            .send()
    };
    let response = post(&maria).await.unwrap();
    assert_eq!(response.status(), 303, "back to the form");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/calls/new?form_error="), "{location}");
    let (status, page) = app.get_text(&location, &maria).await;
    assert_eq!(status, 200);
    let swedish: serde_json::Value = serde_json::from_str(include_str!("../../app/locales/sv.json")).unwrap();
    let message = swedish["call.refused.closes_before_opens"].as_str().unwrap();
    assert!(page.contains(message), "the message is at its field");
    assert!(page.contains("A call typed &lt;without&gt; JavaScript"), "what was typed is there, escaped");
    assert!(page.contains("Kept **as typed**."));
    assert!(!page.contains("<without>"), "never as markup");
    // Someone else with the link sees an empty form.
    let per = app.sign_in_as("Per Almqvist").await;
    let (_, theirs) = app.get_text(&location, &per).await;
    assert!(!theirs.contains("A call typed"), "only the session that typed it");
    // The hydrated app keeps its JSON answer.
    let (status, body) = app
        .call(SaveCall::PATH, &[("slug", ""), ("call[title_sv]", "x"), ("call[title_en]", "x")], &maria)
        .await;
    assert_eq!(status, 400, "{body}");
});
