//! The HTTP side of the portal: routes, middleware, health checks and start-up.

pub mod agreement_documents;
pub mod agreement_pdf;
pub mod api_v1;
pub mod application_routes;
pub mod auth_routes;
pub mod catalogue_routes;
pub mod dashboard_csv;
pub mod dashboard_pdf;
pub mod form_refusals;
pub mod http_layers;
pub mod openapi;
pub mod rate_limit;
pub mod settings;
pub mod signing_routes;
pub mod telemetry;

use app::config::PortalConfig;
use app::content::library::ContentLibrary;
use app::db::Db;
use app::request::AppState;
use app::shell::{App, shell};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::path::Path;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Db(#[from] app::db::DbError),
    #[error("content: {0}")]
    Content(#[from] app::content::library::ContentError),
    #[error("leptos configuration: {0}")]
    Leptos(String),
}

/// Connects, migrates and loads content: everything a replica needs before serving.
pub async fn prepare_state(
    config: PortalConfig,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartError> {
    let db = Db::connect(&config.database_url, config.max_db_connections).await?;
    db.migrate().await?;
    let sealed = app::audit::store::seal_unchained(&db).await.map_err(app::db::DbError::Sql)?;
    if sealed > 0 {
        tracing::info!(sealed, "audit rows written before the hash chain existed are now sealed into it");
    }
    let migrated = app::co_creation::store::migrate_untyped_logs(&db).await.map_err(app::db::DbError::Sql)?;
    if migrated > 0 {
        tracing::info!(
            migrated,
            "proposals kept before typed events were given their state as a typed event"
        );
    }
    let indexed =
        app::catalogue::store::fill_missing_search_text(&db).await.map_err(app::db::DbError::Sql)?;
    if indexed > 0 {
        tracing::info!(indexed, "catalogue records written before full-text search are now searchable");
    }
    state_with(config, db, leptos_options)
}

/// The state over an already migrated database.
pub fn state_with(
    config: PortalConfig,
    db: Db,
    mut leptos_options: LeptosOptions,
) -> Result<AppState, StartError> {
    let content = ContentLibrary::load(Path::new(&config.content_dir))?;
    if let Ok(addr) = config.listen_addr.parse() {
        leptos_options.site_addr = addr;
    }
    Ok(AppState {
        leptos_options,
        db,
        config: Arc::new(config),
        content: Arc::new(content),
        oidc: Arc::new(app::identity::oidc::OidcProviders::new()),
    })
}

/// Leptos' own settings (site root, package folder), from the environment cargo-leptos sets
/// or from the values compiled in.
pub fn leptos_options() -> Result<LeptosOptions, StartError> {
    get_configuration(None).map(|c| c.leptos_options).map_err(|e| StartError::Leptos(e.to_string()))
}

/// The app's routes, worked out once per process. Working them out renders the app in a
/// special mode; doing that while another router in the same process serves pages (as the
/// tests do) stalled some of those pages' responses.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let options = state.leptos_options.clone();
    let request_id_header = HeaderName::from_static(app::telemetry::REQUEST_ID_HEADER);
    let limiter = rate_limit::RateLimiter::new(
        state.config.rate_limit_sign_in_per_minute,
        state.config.rate_limit_api_per_minute,
        state.config.rate_limit_actions_per_minute,
        state.config.trust_forwarded_for,
    );
    let admission =
        http_layers::Admission::new(state.config.max_requests_in_flight, state.config.request_queue_seconds);
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/auth/oidc/callback", get(auth_routes::callback))
        .route("/auth/oidc/{provider}", post(auth_routes::start))
        .route("/agreements/{id}/sign", post(signing_routes::ask))
        .route("/me/data.json", get(auth_routes::my_data))
        .route("/dashboard.csv", get(dashboard_csv::download))
        .route("/dashboard/board-pack.pdf", get(dashboard_pdf::board_pack_pdf))
        .merge(catalogue_routes::router())
        .merge(application_routes::router(&state))
        .merge(agreement_documents::router())
        .merge(api_v1::router(state.clone()));
    if !state.config.is_production() {
        router = router.merge(catalogue_routes::demo::router());
    }
    router =
        router.leptos_routes_with_context(&state, routes, provide_csp_nonce, move || shell(options.clone()));
    router
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_csp_nonce, shell))
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(state.clone(), http_layers::reject_cross_site_writes))
        .layer(axum::middleware::from_fn(http_layers::server_fn_error_status))
        .layer(axum::middleware::from_fn_with_state(state.clone(), form_refusals::keep_refused_forms))
        .layer(axum::middleware::from_fn_with_state(admission, http_layers::admit))
        .layer(axum::middleware::from_fn_with_state(limiter, rate_limit::limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), http_layers::security_headers))
        // Outermost last: the id is set first, then the span sees it, then it is echoed.
        .layer(PropagateRequestIdLayer::new(request_id_header.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(http_layers::request_span)
                .on_request(())
                .on_response(http_layers::record_response),
        )
        .layer(SetRequestIdLayer::new(request_id_header, MakeRequestUuid))
}

/// Leptos puts the nonce of its context on the scripts it writes; use the one the
/// security-headers middleware put in the policy.
fn provide_csp_nonce() {
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<http_layers::CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// The process is up. Says nothing about the database, on purpose.
async fn healthz() -> impl IntoResponse {
    "ok"
}

/// The database answers and every migration this binary knows has been applied.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let readiness = state.db.readiness().await;
    let status = if readiness.is_ready() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = format!(
        "{}\ndatabase: {}\nmigrations: {}/{}\n",
        if readiness.is_ready() { "ready" } else { "not ready" },
        if readiness.reachable { state.db.backend().name() } else { "unreachable" },
        readiness.migrations_applied,
        readiness.migrations_expected
    );
    (status, body)
}
