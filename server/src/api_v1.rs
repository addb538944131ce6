//! `/api/v1/`: routes for node systems, called with `Authorization: Bearer <token>`.
//! Every route is declared in [`ROUTES`] with what it asks of the token; a middleware checks
//! the token against the policy before any handler runs, and a route missing from the table
//! is refused (deny by default).

use app::identity::tokens::{self, ApiCaller};
use app::policy::{ApiRequirement, ApiScope, Denied, decide_api};
use app::request::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{MethodRouter, get};
use serde::Deserialize;
use serde_json::json;

pub struct ApiRoute {
    pub path: &'static str,
    pub requirement: ApiRequirement,
    pub handler: fn() -> MethodRouter<AppState>,
}

pub const ROUTES: &[ApiRoute] = &[
    ApiRoute { path: "/api/v1/openapi.json", requirement: ApiRequirement::Public, handler: || get(openapi) },
    ApiRoute { path: "/api/v1/nodes", requirement: ApiRequirement::Public, handler: || get(nodes) },
    ApiRoute { path: "/api/v1/datasets", requirement: ApiRequirement::Public, handler: || get(datasets) },
    ApiRoute { path: "/api/v1/datasets/{id}", requirement: ApiRequirement::Public, handler: || get(dataset) },
    ApiRoute { path: "/api/jwk", requirement: ApiRequirement::Public, handler: || get(jwk) },
    ApiRoute {
        path: "/api/permissions/{user}",
        requirement: ApiRequirement::Scope(ApiScope::EntitlementsRead),
        handler: || get(permissions),
    },
    ApiRoute {
        path: "/api/v1/entitlements",
        requirement: ApiRequirement::Scope(ApiScope::EntitlementsRead),
        handler: || get(entitlements),
    },
    ApiRoute { path: "/api/v1/token", requirement: ApiRequirement::AnyToken, handler: || get(token_info) },
    ApiRoute {
        path: "/api/v1/audit/events",
        requirement: ApiRequirement::Scope(ApiScope::AuditRead),
        handler: || get(audit_events),
    },
    ApiRoute {
        path: "/api/v1/people",
        requirement: ApiRequirement::Scope(ApiScope::PeopleRead),
        handler: || get(people),
    },
];

pub fn router(state: AppState) -> Router<AppState> {
    let mut router = Router::new();
    for route in ROUTES {
        router = router.route(route.path, (route.handler)());
    }
    router.route_layer(axum::middleware::from_fn_with_state(state, require_token))
}

fn problem(status: StatusCode, message: &str) -> Response {
    let mut response = (status, Json(json!({ "error": message }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    }
    response
}

async fn require_token(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let Some(route) = ROUTES.iter().find(|r| r.path == path) else {
        return problem(StatusCode::FORBIDDEN, "this route has no policy");
    };
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let caller = match bearer {
        Some(token) => match tokens::authenticate(&state.db, &token).await {
            Ok(caller) => caller,
            Err(error) => {
                tracing::error!(%error, "token lookup failed");
                return problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
            }
        },
        None => None,
    };
    match decide_api(caller.as_ref().map(|c| c.scopes.as_slice()), route.requirement) {
        Ok(()) => {}
        Err(Denied::NotSignedIn) => {
            return problem(StatusCode::UNAUTHORIZED, "a live bearer token is required");
        }
        Err(_) => return problem(StatusCode::FORBIDDEN, "the token lacks the scope this route needs"),
    }
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}

fn internal(error: impl std::fmt::Display, what: &str) -> Response {
    tracing::error!(%error, "{what} failed");
    problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

async fn openapi(State(state): State<AppState>) -> Response {
    Json(crate::openapi::document(&state.config.public_url)).into_response()
}

/// The nodes with their organisations, services and catalogue links.
async fn nodes(State(state): State<AppState>) -> Response {
    match app::catalogue::store::nodes(&state.db).await {
        Ok(nodes) => {
            Json(json!({ "nodes": nodes.into_iter().map(node_json).collect::<Vec<_>>() })).into_response()
        }
        Err(error) => internal(error, "node list"),
    }
}

fn node_json(node: app::catalogue::model::NodeDetail) -> serde_json::Value {
    json!({
        "id": node.slug,
        "name": node.name,
        "city": node.city,
        "description": node.description,
        "universities": node.universities,
        "hospitals": node.hospitals,
        "services": node.services,
        "contact": { "name": node.contact_name, "email": node.contact_email },
        "catalogue_site_url": node.catalogue_site_url,
        "catalogue_url": node.catalogue_url,
        "catalogue_is_demo": node.catalogue_is_demo,
    })
}

/// The catalogue search: the same parameters as the page (`q`, `node`, `data_type`,
/// `sample_type`, `disease_area`, `duo`, `size`, `sort`, `page`).
async fn datasets(State(state): State<AppState>, uri: axum::http::Uri) -> Response {
    let query = match app::catalogue::model::DatasetQuery::from_query_string(uri.query().unwrap_or_default())
    {
        Ok(query) => query,
        Err(problem_found) => return problem(StatusCode::BAD_REQUEST, &problem_found.to_string()),
    };
    match app::catalogue::store::search(&state.db, &query, app::i18n::Lang::En).await {
        Ok(result) => Json(json!({
            "total": result.total,
            "page": query.page,
            "page_size": result.page_size,
            "page_count": result.page_count(),
            "items": result.items,
            "facets": result.facets,
        }))
        .into_response(),
        Err(error) => internal(error, "dataset search"),
    }
}

async fn dataset(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    match app::catalogue::store::dataset(&state.db, &id).await {
        Ok(Some(detail)) => Json(detail).into_response(),
        Ok(None) => problem(StatusCode::NOT_FOUND, "no such dataset"),
        Err(error) => internal(error, "dataset"),
    }
}

/// The public keys that sign GA4GH visas (JWK Set).
async fn jwk(State(state): State<AppState>) -> Response {
    match app::cohort_access::visas::published_keys(&state.db, chrono::Utc::now()).await {
        Ok(keys) => Json(json!({ "keys": keys })).into_response(),
        Err(error) => internal(error, "key list"),
    }
}

#[derive(Deserialize)]
struct PassportQuery {
    /// The identity provider's issuer, when `user` is the subject it gave.
    issuer: Option<String>,
}

/// A person's GA4GH passport visas, one per live entitlement (REMS' shape). The person is
/// named by the portal's subject (`portal-<n>`, as `/api/v1/people` lists it) or by their
/// provider's subject together with `?issuer=`; a bare provider subject that two people
/// share is refused rather than answered for one of them. A node's token gets only the
/// visas its node's committee granted.
async fn permissions(
    State(state): State<AppState>,
    axum::Extension(caller): axum::Extension<ApiCaller>,
    axum::extract::Path(user): axum::extract::Path<String>,
    query: Result<Query<PassportQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    use app::cohort_access::visas::{Holder, find_holder};
    let Ok(Query(query)) = query else { return problem(StatusCode::BAD_REQUEST, "issuer must be text") };
    let person = match find_holder(&state.db, &user, query.issuer.as_deref()).await {
        Ok(Holder::One(person)) => person,
        Ok(Holder::Nobody) => return problem(StatusCode::NOT_FOUND, "no such user"),
        Ok(Holder::Several) => {
            return problem(
                StatusCode::CONFLICT,
                "people at several identity providers have this subject: name the issuer, or use the portal subject",
            );
        }
        Err(error) => return internal(error, "passport"),
    };
    let rotation = chrono::Duration::days(i64::from(state.config.visa_key_rotation_days.max(1)));
    let passport = app::cohort_access::visas::passport(
        &state.db,
        &state.config.public_url,
        person,
        caller.node_id,
        rotation,
        chrono::Utc::now(),
    )
    .await;
    match passport {
        Ok(visas) => Json(json!({ "ga4gh_passport_v1": visas })).into_response(),
        Err(error) => internal(error, "passport"),
    }
}

#[derive(Deserialize)]
struct EntitlementQuery {
    dataset: Option<String>,
    user: Option<String>,
}

/// Live entitlements, by dataset (cohort id) and/or user (portal subject); a node's token
/// sees those its node's committee granted.
async fn entitlements(
    State(state): State<AppState>,
    axum::Extension(caller): axum::Extension<ApiCaller>,
    query: Result<Query<EntitlementQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return problem(StatusCode::BAD_REQUEST, "dataset and user must be text");
    };
    let mut conn = match state.db.read().await {
        Ok(conn) => conn,
        Err(error) => return internal(error, "entitlements"),
    };
    let found = app::cohort_access::store::entitlements_for(
        &mut conn,
        query.dataset.as_deref(),
        query.user.as_deref(),
        caller.node_id,
        chrono::Utc::now(),
    )
    .await;
    match found {
        Ok(found) => Json(json!({ "entitlements": found })).into_response(),
        Err(error) => internal(error, "entitlements"),
    }
}

async fn token_info(axum::Extension(caller): axum::Extension<ApiCaller>) -> Response {
    Json(json!({
        "name": caller.name,
        "scopes": caller.scopes.iter().map(|s| s.code()).collect::<Vec<_>>(),
        "node": caller.node_slug,
        "expires_at": caller.expires_at,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct SinceQuery {
    #[serde(default)]
    after_id: i64,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// Events after an id, oldest first, with their chain hashes: a node can mirror the trail
/// and check it against its own copy.
async fn audit_events(
    State(state): State<AppState>,
    axum::Extension(caller): axum::Extension<ApiCaller>,
    query: Result<Query<SinceQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return problem(StatusCode::BAD_REQUEST, "after_id and limit must be integers");
    };
    let scope = app::audit::store::ExportScope {
        node_id: caller.node_id,
        co_creation: caller.scopes.contains(&ApiScope::CoCreationAuditRead),
    };
    match app::audit::store::since(&state.db, query.after_id, query.limit.clamp(1, 1000), scope).await {
        Ok(events) => Json(json!({ "events": events })).into_response(),
        Err(error) => {
            tracing::error!(%error, "audit export failed");
            problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// People with their live roles (no email addresses: node systems need roles, not contacts).
async fn people(State(state): State<AppState>) -> Response {
    match app::identity::store::all_people(&state.db).await {
        Ok(people) => Json(json!({
            "people": people.into_iter().map(|p| json!({
                "id": p.id,
                "subject": app::cohort_access::visas::portal_subject(p.id),
                "display_name": p.display_name,
                "issuer": p.issuer,
                "roles": p.grants,
            })).collect::<Vec<_>>()
        }))
        .into_response(),
        Err(error) => {
            tracing::error!(%error, "people export failed");
            problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}
