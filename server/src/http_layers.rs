//! Middleware: request ids and tracing spans, security headers, cross-site write refusal.

use app::error::AppError;
use app::request::AppState;
use app::telemetry::REQUEST_ID_HEADER;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tracing::Span;

/// One span per request with the request id, method, route, and (on response) status
/// and latency.
pub fn request_span(request: &Request<Body>) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    let request_id =
        request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        route = %route,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    )
}

pub fn record_response(response: &Response<Body>, latency: Duration, span: &Span) {
    span.record("status", response.status().as_u16());
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
    tracing::info!("request finished");
}

/// The nonce of this response's Content-Security-Policy; Leptos puts it on its scripts.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// The policy for a page: scripts only from here or carrying the nonce, WebAssembly
/// allowed to compile, forms only to here or to the identity providers (a sign-in form
/// posts here and is redirected there, and browsers check redirects against form-action).
pub fn content_security_policy(nonce: &str, provider_origins: &[String]) -> String {
    let form_targets =
        std::iter::once("'self'".to_owned()).chain(provider_origins.iter().cloned()).collect::<Vec<_>>();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action {}; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'",
        form_targets.join(" ")
    )
}

/// `scheme://host[:port]` of a URL, if it has one.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().filter(|h| !h.is_empty())?;
    Some(format!("{scheme}://{host}"))
}

/// Pages that hold someone's data, whoever asks (a signed-out request gets a sign-in
/// page there, which must not be cached either).
const PERSONAL_PREFIXES: [&str; 14] = [
    "/applications",
    "/proposals",
    "/agreements",
    "/me",
    "/admin",
    "/outbox",
    "/committee",
    "/reviews",
    "/reviewing",
    "/invitations",
    "/company-invitations",
    "/companies",
    "/dashboard",
    "/api/",
];

/// Neither the browser nor a proxy keeps a personal page: not for the next person at a
/// shared computer, not in a cache between. Static assets and public pages of a signed-out
/// visitor are not touched.
fn is_personal(path: &str, signed_in: bool) -> bool {
    if path.starts_with("/pkg/") || path == "/healthz" || path == "/readyz" {
        return false;
    }
    let under = |prefix: &str| match prefix.strip_suffix('/') {
        Some(_) => path.starts_with(prefix),
        None => path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/')),
    };
    signed_in || PERSONAL_PREFIXES.iter().any(|prefix| under(prefix))
}

pub async fn security_headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let personal = is_personal(
        request.uri().path(),
        request.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).is_some_and(|c| {
            c.split(';').any(|pair| pair.trim().starts_with(&format!("{}=", app::identity::sessions::COOKIE)))
        }) || request.headers().contains_key(header::AUTHORIZATION),
    );
    let nonce = app::identity::sessions::new_token();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    // One session lookup per request, shared by every server function the page calls.
    request.extensions_mut().insert(app::request::SessionLookup::default());
    let mut response = next.run(request).await;
    let provider_origins: Vec<String> =
        state.config.oidc_providers.iter().filter_map(|p| origin_of(&p.issuer)).collect();
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce, &provider_origins)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if personal {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.config.is_production() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// How many requests this replica works on at once, and how long one may wait in line.
#[derive(Clone)]
pub struct Admission {
    permits: Arc<tokio::sync::Semaphore>,
    queue: Duration,
}

/// Seconds a client is told to wait after a 503.
pub const RETRY_AFTER_SECONDS: &str = "5";

impl Admission {
    pub fn new(in_flight: u32, queue_seconds: u32) -> Admission {
        Admission {
            permits: Arc::new(tokio::sync::Semaphore::new(in_flight.max(1) as usize)),
            queue: Duration::from_secs(u64::from(queue_seconds.max(1))),
        }
    }
}

/// Overload waits in line, then gets 503 with `Retry-After`, so a burst neither exhausts the
/// connection pool in the middle of a page nor grows without bound. Health checks and static
/// files pass at once: a load balancer must see a busy replica as alive.
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path == "/healthz" || path == "/readyz" || path.starts_with("/pkg/") {
        return next.run(request).await;
    }
    match tokio::time::timeout(admission.queue, admission.permits.clone().acquire_owned()).await {
        Ok(Ok(_permit)) => next.run(request).await,
        _ => busy(),
    }
}

pub fn busy() -> Response {
    let mut response =
        (StatusCode::SERVICE_UNAVAILABLE, "the portal is busy; try again shortly").into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
    response
}

/// Server functions answer every error with 500; the error itself knows its status (a
/// malformed argument is the client's fault, a denial is 401/403/404), so set it here.
pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if error == AppError::Busy {
            parts.headers.insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Leptos does no CSRF checking of server functions; browsers say where a request comes
/// from, so a write whose origin is another site is refused here, for every route.
pub async fn reject_cross_site_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let cross_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
    let origin_ok = match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => is_same_origin(origin, &state.config.public_url),
    };
    if cross_site || !origin_ok {
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    next.run(request).await
}

/// The origin is the portal's configured public URL. Never the `Host` a request names: a
/// DNS-rebinding page sends its own name there, and would pass.
pub fn is_same_origin(origin: &str, public_url: &str) -> bool {
    origin_of(public_url).is_some_and(|public_origin| origin.eq_ignore_ascii_case(&public_origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_carries_the_nonce_and_the_providers() {
        let policy = content_security_policy("abc123", &["https://idp.example".to_owned()]);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(policy.contains("form-action 'self' https://idp.example;"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert_eq!(
            origin_of("https://login.example.org/oidc/").as_deref(),
            Some("https://login.example.org")
        );
        assert_eq!(origin_of("http://127.0.0.1:9000").as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(origin_of("nonsense"), None);
    }

    #[test]
    fn personal_pages_are_known_by_path_or_by_who_asks() {
        assert!(is_personal("/applications/12", false));
        assert!(is_personal("/me", false));
        assert!(is_personal("/api/v1/entitlements", false));
        assert!(is_personal("/", true), "a signed-in person's home page names them");
        assert!(!is_personal("/", false));
        assert!(!is_personal("/datasets/scapis", false));
        assert!(!is_personal("/pkg/portal.wasm", true));
        assert!(!is_personal("/media", false), "a prefix is a whole path segment");
    }

    #[test]
    fn same_origin_is_the_public_url_only() {
        assert!(is_same_origin("https://portal.example.se", "https://portal.example.se/"));
        assert!(is_same_origin("https://portal.example.se", "https://portal.example.se/some/path"));
        assert!(!is_same_origin("http://127.0.0.1:4000", "http://127.0.0.1:3000"), "not the Host it names");
        assert!(!is_same_origin("http://rebound.example:3000", "http://127.0.0.1:3000"));
        assert!(!is_same_origin("https://evil.example", "https://portal.example.se"));
        assert!(!is_same_origin("null", "https://portal.example.se"));
    }
}
