//! Every server function and every `/api/` route has a policy entry, and asks the policy.
//! That a server function asks only for the actions its entry lists is checked when it
//! runs (`app::request::authorize_on`); the calls in `tests/junk.rs` exercise it.

mod common;

use app::policy::endpoints::SERVER_FUNCTIONS;
use app::policy::{ApiRequirement, ApiScope};
use common::TestApp;
use std::collections::BTreeSet;

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

/// What each entry lists is enforced when the portal runs: a server function asking the
/// policy for an action its entry does not list is refused with a 500 (`app::request`), and
/// `tests/junk.rs` calls every server function. Here, the table itself.
#[test]
fn every_policy_entry_lists_its_actions_once_and_is_unique() {
    let mut paths = BTreeSet::new();
    let mut names = BTreeSet::new();
    for entry in SERVER_FUNCTIONS {
        assert!(!entry.actions.is_empty(), "{} lists no action: it could never ask the policy", entry.name);
        let actions: BTreeSet<String> = entry.actions.iter().map(|a| format!("{a:?}")).collect();
        assert_eq!(actions.len(), entry.actions.len(), "{} lists an action twice", entry.name);
        assert!(paths.insert(entry.path), "{} has a second entry for its path {}", entry.name, entry.path);
        assert!(names.insert(entry.name), "two entries are named {}", entry.name);
        assert!(
            entry.path.contains(&entry.name.replace('_', "")) || entry.path.contains(entry.name),
            "the entry named {} is for {}",
            entry.name,
            entry.path
        );
        assert_eq!(app::policy::endpoints::for_path(entry.path).map(|e| e.name), Some(entry.name));
    }
}

/// Each entry's form is learnt from its argument struct; a function with arguments shows them.
#[test]
fn every_policy_entry_knows_its_arguments() {
    let with_arguments = SERVER_FUNCTIONS.iter().filter(|e| !e.form_shape().arguments.is_empty()).count();
    assert!(
        with_arguments >= 30,
        "only {with_arguments} server functions have arguments: the introspection is broken"
    );
    for entry in SERVER_FUNCTIONS {
        let shape = entry.form_shape();
        for argument in shape.arguments {
            assert!(
                shape.fields.iter().any(|f| f.argument() == *argument),
                "{}: no form field for its argument {argument}",
                entry.name
            );
        }
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
