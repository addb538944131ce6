//! The portal over HTTP, as a browser without JavaScript sees it, on both databases.

mod common;

use app::identity::api::{DemoSignIn, SetLanguage, SignOut};
use common::{TestApp, session_cookie};
use leptos::server_fn::ServerFn;

async fn demo_app(t: &common::TestDb) -> TestApp {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    TestApp::spawn(t, |_| {}).await
}

on_both_backends!(health_and_readiness_answer, |t| {
    let app = TestApp::spawn(t, |_| {}).await;
    let (status, body) = app.get_text("/healthz", "").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, body) = app.get_text("/readyz", "").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("ready"), "{body}");
    assert!(body.contains(t.db.backend().name()));
});

on_both_backends!(every_response_carries_a_request_id_and_security_headers, |t| {
    let app = TestApp::spawn(t, |_| {}).await;
    let response = app.get("/healthz", "").await;
    let id = response.headers().get("x-request-id").expect("request id").to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(response.headers().get("x-content-type-options").unwrap(), "nosniff");
});

on_both_backends!(home_page_lists_nodes_and_cohorts_in_both_languages, |t| {
    let app = demo_app(t).await;
    let (status, swedish) = app.get_text("/", "").await;
    assert_eq!(status, 200);
    assert!(swedish.contains(r#"<html lang="sv""#), "Swedish is the default");
    assert!(swedish.contains("Noder (7)"));
    assert!(swedish.contains("Göteborg") && swedish.contains("SCAPIS") && swedish.contains("U-CAN"));
    assert!(swedish.contains("Demodata"), "the illustrative-figures note is shown");

    let (_, english) = app.get_text("/", "portal_lang=en").await;
    assert!(english.contains(r#"<html lang="en""#));
    assert!(english.contains("Nodes (7)") && english.contains("Gothenburg"));
    assert!(english.contains("30,154"), "participant counts are formatted per language");

    let browser_prefers_english = app
        .client
        .get(format!("{}/", app.base))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(browser_prefers_english.contains(r#"<html lang="en""#));
});

on_both_backends!(unknown_addresses_answer_404_with_a_page, |t| {
    let app = demo_app(t).await;
    let (status, body) = app.get_text("/no/such/page", "portal_lang=en").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
    let (status, body) = app.get_text("/pages/no-such-page", "portal_lang=en").await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"));
});

on_both_backends!(content_pages_render_markdown_with_anchors, |t| {
    let app = demo_app(t).await;
    let (status, body) = app.get_text("/pages/co-creation", "portal_lang=en").await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"<h2 id="technology-readiness-levels">"#), "heading anchors");
    assert!(body.contains("<table>") && body.contains("Actual system proven in operational environment"));
    let (_, swedish) = app.get_text("/pages/co-creation", "portal_lang=sv").await;
    assert!(swedish.contains("Teknikmognadsnivåer"));
});

on_both_backends!(switching_language_remembers_it_and_returns, |t| {
    let app = demo_app(t).await;
    let response =
        app.post_form(SetLanguage::PATH, &[("lang", "en"), ("return_to", "/pages/about")], "").await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers().get("location").unwrap(), "/pages/about");
    let cookies: Vec<_> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("portal_lang=en")), "{cookies:?}");

    // An address on another site is never a place to return to.
    let response =
        app.post_form(SetLanguage::PATH, &[("lang", "sv"), ("return_to", "https://evil.example/")], "").await;
    assert_eq!(response.headers().get("location").unwrap(), "/");

    // A signed-in person's choice is kept on their record, with an event.
    let cookie = app.sign_in_as("Sara Lindqvist").await;
    app.post_form(SetLanguage::PATH, &[("lang", "en"), ("return_to", "/")], &cookie).await;
    let people = app::identity::store::demo_people(&t.db).await.unwrap();
    let sara = people.iter().find(|p| p.display_name == "Sara Lindqvist").unwrap();
    assert_eq!(
        app::identity::store::preferred_lang(&t.db, sara.id).await.unwrap(),
        Some(app::i18n::Lang::En)
    );
    let history = app::audit::store::history(&t.db, "person", &sara.id.to_string()).await.unwrap();
    let change = history.iter().find(|e| e.action == "language_changed").expect("an event");
    assert_eq!((change.from_state.as_deref(), change.to_state.as_deref()), (Some("sv"), Some("en")));
    assert_eq!(change.actor_id, Some(sara.id));
});

on_both_backends!(an_unknown_language_is_a_clear_client_error, |t| {
    let app = demo_app(t).await;
    let response = app
        .client
        .post(format!("{}{}", app.base, SetLanguage::PATH))
        .header("origin", &app.base)
        .header("accept", "application/json")
        .form(&[("lang", "klingon"), ("return_to", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("error.unknown_language"));
});

on_both_backends!(malformed_server_function_calls_are_client_errors, |t| {
    let app = demo_app(t).await;
    let response = app
        .client
        .post(format!("{}{}", app.base, DemoSignIn::PATH))
        .header("origin", &app.base)
        .header("accept", "application/json")
        .form(&[("person_id", "not-a-number")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
});

on_both_backends!(cross_site_writes_are_refused, |t| {
    let app = demo_app(t).await;
    let response = app
        .client
        .post(format!("{}{}", app.base, SetLanguage::PATH))
        .header("origin", "https://evil.example")
        .form(&[("lang", "en"), ("return_to", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = app
        .client
        .post(format!("{}{}", app.base, SetLanguage::PATH))
        .header("sec-fetch-site", "cross-site")
        .form(&[("lang", "en"), ("return_to", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
});

on_both_backends!(navigation_and_pages_follow_roles, |t| {
    let app = demo_app(t).await;
    let (_, anonymous) = app.get_text("/", "portal_lang=en").await;
    assert!(!anonymous.contains(r#"href="/admin/people""#));
    let (status, _) = app.get_text("/admin/people", "portal_lang=en").await;
    assert_eq!(status, 401);

    let applicant = app.sign_in_as("Sara Lindqvist").await;
    let (_, page) = app.get_text("/", &format!("{applicant}; portal_lang=en")).await;
    assert!(page.contains("Sara Lindqvist") && page.contains(r#"href="/me""#));
    assert!(!page.contains(r#"href="/admin/people""#));
    let (status, _) = app.get_text("/admin/people", &applicant).await;
    assert_eq!(status, 403);

    let admin = app.sign_in_as("Maria Lund").await;
    let (_, page) = app.get_text("/", &format!("{admin}; portal_lang=en")).await;
    assert!(page.contains(r#"href="/admin/people""#));
    let (status, people) = app.get_text("/admin/people", &format!("{admin}; portal_lang=en")).await;
    assert_eq!(status, 200);
    assert!(people.contains("Anna Ekström") && people.contains("Access committee member (uppsala)"));
});

on_both_backends!(sign_in_makes_a_new_session_and_sign_out_ends_it, |t| {
    let app = demo_app(t).await;
    let first = app.sign_in_as("Sara Lindqvist").await;
    let second = app.sign_in_as("Sara Lindqvist").await;
    assert_ne!(first, second, "each sign-in gets a new session id");
    let (status, _) = app.get_text("/me", &second).await;
    assert_eq!(status, 200);

    let response = app.post_form(SignOut::PATH, &[], &second).await;
    assert!(response.status().is_redirection());
    assert_eq!(session_cookie(&response).as_deref(), Some("portal_session="));
    let (status, _) = app.get_text("/me", &second).await;
    assert_eq!(status, 401, "the old cookie no longer works");

    let sara = app::identity::store::demo_people(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.display_name == "Sara Lindqvist")
        .unwrap();
    let actions: Vec<String> = app::audit::store::history(&t.db, "person", &sara.id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["signed_in", "signed_in", "signed_out"]);
});

on_both_backends!(without_demo_mode_there_is_no_demo_sign_in, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |config| config.demo_sign_in = false).await;
    let (status, _) = app.get_text("/demo-sign-in", "").await;
    assert_eq!(status, 404);
    let response = app.post_form(DemoSignIn::PATH, &[("person_id", "1")], "").await;
    assert!(session_cookie(&response).is_none());
    let response = app
        .client
        .post(format!("{}{}", app.base, DemoSignIn::PATH))
        .header("accept", "application/json")
        .form(&[("person_id", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
});

on_both_backends!(a_page_missing_in_one_language_shows_the_other_with_a_note, |t| {
    let content = std::env::temp_dir().join(format!("portal-content-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(content.join("sv")).unwrap();
    std::fs::create_dir_all(content.join("en")).unwrap();
    std::fs::write(
        content.join("sv/only.md"),
        "---\ntitle: Bara svenska\nslug: only\norder: 1\n---\n# Bara svenska\n",
    )
    .unwrap();
    let dir = content.display().to_string();
    let app = TestApp::spawn(t, |config| config.content_dir = dir).await;
    let (status, english) = app.get_text("/pages/only", "portal_lang=en").await;
    assert_eq!(status, 200);
    assert!(english.contains("This page is not yet available in English"), "the note is visible");
    let article =
        english.split("<article").nth(1).and_then(|rest| rest.split('>').next()).expect("an article");
    assert!(article.contains(r#"lang="sv""#), "the text is marked as Swedish: {article}");
    let (_, swedish) = app.get_text("/pages/only", "portal_lang=sv").await;
    assert!(!swedish.contains("finns inte på"), "no note where the page exists");
    std::fs::remove_dir_all(content).unwrap();
});
