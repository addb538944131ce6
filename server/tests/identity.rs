//! Roles, claim rules, API tokens, "my data", provider sign-in failures, rate limits and the
//! production cookie and header rules, over HTTP on both databases.

mod common;

use app::identity::api::{AddClaimRule, GrantRole, RevokeRole, SetLanguage, SignInOptions};
use app::identity::oidc::VerifiedIdentity;
use common::{TestApp, person_id};
use leptos::server_fn::ServerFn;

async fn demo_app(t: &common::TestDb) -> TestApp {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    TestApp::spawn(t, |_| {}).await
}

on_both_backends!(administrators_grant_and_revoke_scoped_roles_and_others_cannot, |t| {
    let app = demo_app(t).await;
    let sara = person_id(&t.db, "Sara Lindqvist").await;
    let sara_id = sara.to_string();
    let admin = app.sign_in_as("Maria Lund").await;
    let reviewer = app.sign_in_as("Mikael Holm").await;

    let grant =
        [("person_id", sara_id.as_str()), ("role", "node_coordinator"), ("node", "uppsala"), ("cohort", "")];
    let (status, _) = app.call(GrantRole::PATH, &grant, &reviewer).await;
    assert_eq!(status, 403, "a reviewer may not grant roles");
    let (status, _) = app.call(GrantRole::PATH, &grant, "").await;
    assert_eq!(status, 401);

    let unscoped =
        [("person_id", sara_id.as_str()), ("role", "node_coordinator"), ("node", ""), ("cohort", "")];
    let (status, body) = app.call(GrantRole::PATH, &unscoped, &admin).await;
    assert_eq!(status, 400);
    assert!(body.contains("error.scope_coordinator_needs_node"), "{body}");
    let unknown =
        [("person_id", sara_id.as_str()), ("role", "node_coordinator"), ("node", "atlantis"), ("cohort", "")];
    let (status, body) = app.call(GrantRole::PATH, &unknown, &admin).await;
    assert_eq!((status, body.contains("error.unknown_node")), (400, true), "{body}");

    let (status, body) = app.call(GrantRole::PATH, &grant, &admin).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.call(GrantRole::PATH, &grant, &admin).await;
    assert_eq!((status, body.contains("error.role_already_held")), (400, true), "{body}");
    let person = app::identity::store::load_person(&t.db, kernel::PersonId(sara)).await.unwrap().unwrap();
    assert_eq!(person.grants.len(), 1);
    assert_eq!(person.grants[0].node_slug.as_deref(), Some("uppsala"));

    let view = app::identity::roles::person_admin_view(&t.db, sara).await.unwrap().unwrap();
    let grant_id = view.grants[0].id.to_string();
    let (status, body) =
        app.call(RevokeRole::PATH, &[("grant_id", &grant_id), ("reason", " ")], &admin).await;
    assert_eq!((status, body.contains("error.reason_required")), (400, true), "{body}");
    let (status, _) = app
        .call(RevokeRole::PATH, &[("grant_id", &grant_id), ("reason", "moved to another node")], &admin)
        .await;
    assert_eq!(status, 200);
    assert!(
        app::identity::store::load_person(&t.db, kernel::PersonId(sara))
            .await
            .unwrap()
            .unwrap()
            .grants
            .is_empty()
    );

    let filter =
        app::audit::model::AuditFilter { action: Some("role_revoked".into()), page: 1, ..Default::default() };
    let page = app::audit::store::search(&t.db, 0, &filter).await.unwrap();
    assert_eq!(page.total, 1);
    let event = &page.entries[0];
    assert_eq!(event.actor_name.as_deref(), Some("Maria Lund"));
    assert_eq!(event.event.reason.as_deref(), Some("moved to another node"));
    assert_eq!(
        (event.event.from_state.as_deref(), event.event.to_state.as_deref()),
        (Some("granted"), Some("revoked"))
    );
});

fn identity_with(claims: &str) -> VerifiedIdentity {
    VerifiedIdentity {
        provider_id: "lifescience".into(),
        issuer: "https://login.example.org/".into(),
        subject: "abc-123".into(),
        display_name: "Ingrid Berg".into(),
        email: Some("ingrid@example.org".into()),
        home_organisation: Some("ki.se".into()),
        claims: serde_json::from_str(claims).unwrap(),
        id_token: "unused".into(),
        return_to: "/".into(),
        auth_time: None,
        acr: None,
        amr: Vec::new(),
        signing: None,
    }
}

on_both_backends!(claim_rules_grant_roles_at_sign_in_and_take_them_back, |t| {
    let app = demo_app(t).await;
    let admin = app.sign_in_as("Maria Lund").await;
    let rule = [
        ("provider", ""),
        ("claim", "eduperson_entitlement"),
        ("value", "urn:geant:scilifelab.se:group:reviewers"),
        ("role", "reviewer"),
        ("node", ""),
        ("cohort", ""),
    ];
    let (status, body) = app.call(AddClaimRule::PATH, &rule, &admin).await;
    assert_eq!(status, 200, "{body}");

    let entitled = identity_with(r#"{"eduperson_entitlement":["urn:geant:scilifelab.se:group:reviewers"]}"#);
    let person = app::identity::signin::person_from_provider(&t.db, &entitled).await.unwrap();
    let again = app::identity::signin::person_from_provider(&t.db, &entitled).await.unwrap();
    assert_eq!(person, again, "issuer and subject find the same person");
    let loaded = app::identity::store::load_person(&t.db, kernel::PersonId(person)).await.unwrap().unwrap();
    assert_eq!(loaded.display_name, "Ingrid Berg");
    assert_eq!(loaded.roles(), vec![app::identity::model::Role::Reviewer]);

    let without = identity_with(r#"{"eduperson_entitlement":[]}"#);
    app::identity::signin::person_from_provider(&t.db, &without).await.unwrap();
    assert!(
        app::identity::store::load_person(&t.db, kernel::PersonId(person))
            .await
            .unwrap()
            .unwrap()
            .grants
            .is_empty()
    );
    let actions: Vec<String> = app::audit::store::history(&t.db, "person", &person.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["person_created"], "an unchanged profile records nothing");
    let renamed = VerifiedIdentity { display_name: "Ingrid Berg-Lund".into(), ..without };
    app::identity::signin::person_from_provider(&t.db, &renamed).await.unwrap();
    let history = app::audit::store::history(&t.db, "person", &person.to_string()).await.unwrap();
    let refreshed = history.last().unwrap();
    assert_eq!(refreshed.action, "profile_refreshed");
    assert!(refreshed.to_state.as_deref().unwrap().starts_with("Ingrid Berg-Lund"));
});

on_both_backends!(my_data_is_a_json_download_for_the_person_only, |t| {
    let app = demo_app(t).await;
    let (status, _) = app.get_text("/me/data.json", "").await;
    assert_eq!(status, 401);
    let sara = app.sign_in_as("Sara Lindqvist").await;
    let response = app.get("/me/data.json", &sara).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let document: serde_json::Value = response.json().await.unwrap();
    assert_eq!(document["person"]["display_name"], "Sara Lindqvist");
    assert_eq!(document["organisations"][0]["slug"], "ki");
    assert!(document["events"].as_array().unwrap().iter().any(|e| e["action"] == "signed_in"));
    assert!(!document.to_string().contains("token_hash"), "no secrets in the export");
});

on_both_backends!(a_callback_with_an_unknown_state_is_refused_with_a_clear_page, |t| {
    let app = demo_app(t).await;
    let response = app.get("/auth/oidc/callback?code=stolen&state=made-up", "").await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/sign-in?failed=unknown_state");
    let (status, page) = app.get_text(&location, "portal_lang=en").await;
    assert_eq!(status, 400);
    assert!(page.contains("belonged to no sign-in in progress"), "{page}");
    assert!(
        app::identity::store::all_people(&t.db).await.unwrap().iter().all(|p| p.issuer == "urn:portal:demo")
    );

    let (_, page) = app.get_text("/auth/oidc/callback", "portal_lang=en").await;
    assert!(page.is_empty() || !page.contains("Sara"));
    let response = app.get("/auth/oidc/callback", "").await;
    assert_eq!(response.headers()["location"], "/sign-in?failed=malformed");
    let response = app
        .client
        .post(format!("{}/auth/oidc/nowhere", app.base))
        .header("origin", &app.base)
        .form(&[("return_to", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/sign-in?failed=unknown_provider");
});

on_both_backends!(sign_in_routes_are_rate_limited_per_client, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |config| config.rate_limit_sign_in_per_minute = 3).await;
    for _ in 0..3 {
        let response = app.get("/auth/oidc/callback?state=x&code=y", "").await;
        assert_eq!(response.headers()["location"], "/sign-in?failed=unknown_state");
    }
    let response = app.get("/auth/oidc/callback?state=x&code=y", "").await;
    assert_eq!(response.headers()["location"], "/sign-in?failed=rate_limited");
    assert!(response.headers().contains_key("retry-after"));
    let (status, _) =
        app.call(<app::identity::api::DemoSignIn as ServerFn>::PATH, &[("person_id", "1")], "").await;
    assert_eq!(status, 429, "demo sign-in shares the sign-in limit");
    let (status, _) = app.get_text("/", "").await;
    assert_eq!(status, 200, "pages are not limited");
});

on_both_backends!(pages_carry_a_content_security_policy_with_the_script_nonce, |t| {
    let app = demo_app(t).await;
    let response = app.get("/", "").await;
    let policy = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let page = response.text().await.unwrap();
    let nonce = policy.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    assert!(nonce.len() >= 32);
    assert!(page.contains(&format!("nonce=\"{nonce}\"")), "the scripts carry the policy's nonce");
    assert!(policy.contains("frame-ancestors 'none'"));
    let second = app.get("/", "").await.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_ne!(policy, second, "a new nonce for every response");
});

on_both_backends!(production_cookies_are_secure_and_https_is_strict, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |config| {
        config.mode = app::config::Mode::Production;
        config.demo_sign_in = false;
        config.public_url = "https://portal.example.se".into();
    })
    .await;
    let response = app.get("/", "").await;
    assert!(response.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
    let response = app
        .client
        .post(format!("{}{}", app.base, SetLanguage::PATH))
        .header("origin", "https://portal.example.se")
        .header("accept", "text/html")
        .form(&[("lang", "en"), ("return_to", "/")])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure") && cookie.contains("SameSite=Lax"), "{cookie}");
    let (status, _) = app.get_text("/demo-sign-in", "").await;
    assert_eq!(status, 404);
    let (status, _) =
        app.call(<app::identity::api::DemoSignIn as ServerFn>::PATH, &[("person_id", "1")], "").await;
    assert_eq!(status, 404);
    let (status, body) = app.call(SignInOptions::PATH, &[], "").await;
    assert_eq!(status, 200);
    assert!(body.contains("\"demo\":false"), "{body}");
});
