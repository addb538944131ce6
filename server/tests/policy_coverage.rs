//! Every server function and every `/api/` route has a policy entry, and asks the policy.

mod common;

use app::policy::endpoints::SERVER_FUNCTIONS;
use app::policy::{ApiRequirement, ApiScope};
use common::TestApp;
use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn every_registered_server_function_has_a_policy_entry() {
    let registered: BTreeSet<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
    assert!(
        registered.len() >= 20,
        "only {} server functions registered: the enumeration is broken",
        registered.len()
    );
    let covered: BTreeSet<String> = SERVER_FUNCTIONS.iter().map(|e| e.path.to_owned()).collect();
    let missing: Vec<&String> = registered.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "server functions without a policy entry in app/src/policy/endpoints.rs: {missing:?}"
    );
    let stale: Vec<&String> = covered.difference(&registered).collect();
    assert!(stale.is_empty(), "policy entries for server functions that no longer exist: {stale:?}");
}

fn source_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// The actions a server function's body asks for (`authorize(Action::X)` or
/// `authorize_on(Action::X, ..)`).
fn asked_actions(body: &str) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for marker in ["authorize(Action::", "authorize_on(Action::"] {
        for piece in body.split(marker).skip(1) {
            let name: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
            actions.insert(name);
        }
    }
    actions
}

#[test]
fn every_server_function_asks_the_policy_for_exactly_its_listed_actions() {
    let mut sources = Vec::new();
    source_files(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../app/src")), &mut sources);
    for entry in SERVER_FUNCTIONS {
        let signature = format!("#[server]\npub async fn {}(", entry.name);
        let bodies: Vec<&str> = sources
            .iter()
            .filter_map(|source| source.split_once(&signature).map(|(_, rest)| rest))
            .map(|rest| rest.split("\n}\n").next().unwrap_or(rest))
            .collect();
        assert_eq!(bodies.len(), 1, "{}: expected one `#[server] pub async fn` definition", entry.name);
        let asked = asked_actions(bodies[0]);
        let listed: BTreeSet<String> = entry.actions.iter().map(|a| format!("{a:?}")).collect();
        assert!(!asked.is_empty(), "{} never asks the policy", entry.name);
        assert_eq!(asked, listed, "{} asks for other actions than its policy entry lists", entry.name);
    }
}

on_both_backends!(every_api_route_refuses_callers_without_a_live_token_with_its_scope, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    let admin = common::person_id(&t.db, "Maria Lund").await;
    let expires_at = chrono::Utc::now() + chrono::Duration::days(30);
    let token = |scopes: &'static [ApiScope]| app::identity::tokens::NewToken {
        name: "test",
        scopes,
        node_id: None,
        expires_at,
    };
    let (_, audit_only) =
        app::identity::tokens::create(&t.db, token(&[ApiScope::AuditRead]), admin).await.unwrap();
    let (_, people_only) =
        app::identity::tokens::create(&t.db, token(&[ApiScope::PeopleRead]), admin).await.unwrap();
    let (_, entitlements_only) =
        app::identity::tokens::create(&t.db, token(&[ApiScope::EntitlementsRead]), admin).await.unwrap();
    let (revoked_id, revoked) =
        app::identity::tokens::create(&t.db, token(&ApiScope::ALL), admin).await.unwrap();
    app::identity::tokens::revoke(&t.db, revoked_id, admin).await.unwrap();
    let created = app::audit::model::AuditFilter {
        action: Some("api_token_created".into()),
        subject_kind: Some("api_token".into()),
        page: 1,
        ..Default::default()
    };
    let page = app::audit::store::search(&t.db, 0, &created).await.unwrap();
    assert_eq!(page.total, 4, "each token's creation is an event about it");
    assert_eq!(page.entries[0].actor_name.as_deref(), Some("Maria Lund"));

    assert!(portal::api_v1::ROUTES.len() >= 3);
    for route in portal::api_v1::ROUTES {
        let path = route.path.replace("{id}", "scapis").replace("{user}", "sara-lindqvist");
        let status = |bearer: Option<String>| {
            let mut request = app.client.get(format!("{}{}", app.base, path));
            if let Some(bearer) = bearer {
                request = request.bearer_auth(bearer);
            }
            async move { request.send().await.unwrap().status().as_u16() }
        };
        if route.requirement == ApiRequirement::Public {
            // The public catalogue answers everyone alike, whatever token they bring.
            assert_eq!(status(None).await, 200, "{} is public", route.path);
            assert_eq!(status(Some(revoked.clone())).await, 200, "{} is public", route.path);
            continue;
        }
        assert_eq!(status(None).await, 401, "{} without a token", route.path);
        assert_eq!(status(Some("pnt_not-a-token".into())).await, 401, "{} with an unknown token", route.path);
        assert_eq!(status(Some(revoked.clone())).await, 401, "{} with a revoked token", route.path);
        let (allowed, refused) = match route.requirement {
            ApiRequirement::AnyToken => (audit_only.clone(), None),
            ApiRequirement::Public => unreachable!("handled above"),
            ApiRequirement::Scope(ApiScope::AuditRead) => (audit_only.clone(), Some(people_only.clone())),
            ApiRequirement::Scope(ApiScope::PeopleRead) => (people_only.clone(), Some(audit_only.clone())),
            ApiRequirement::Scope(ApiScope::EntitlementsRead) => {
                (entitlements_only.clone(), Some(people_only.clone()))
            }
            ApiRequirement::Scope(ApiScope::CoCreationAuditRead) => {
                unreachable!("no route asks for it alone: it widens what audit:read exports")
            }
        };
        assert_eq!(status(Some(allowed)).await, 200, "{} with the right scope", route.path);
        if let Some(refused) = refused {
            assert_eq!(status(Some(refused)).await, 403, "{} with another scope", route.path);
        }
    }
});
