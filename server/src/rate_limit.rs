//! Rate limits per client address and bucket (sign-in, API), counted in fixed one-minute
//! windows in this replica's memory. Behind a load balancer each replica counts on its own,
//! so the effective limit is at most the number of replicas times the setting.

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    SignIn,
    Api,
    /// Actions that create things or send mail (an application, a company, an invitation).
    Action,
}

/// When a client's current window started and how many requests it has made in it.
type Windows = HashMap<(Bucket, IpAddr), (Instant, u32)>;

#[derive(Clone)]
pub struct RateLimiter {
    per_minute: HashMap<Bucket, u32>,
    trust_forwarded_for: bool,
    windows: Arc<Mutex<Windows>>,
}

const WINDOW: Duration = Duration::from_secs(60);

impl RateLimiter {
    pub fn new(
        sign_in_per_minute: u32,
        api_per_minute: u32,
        actions_per_minute: u32,
        trust_forwarded_for: bool,
    ) -> RateLimiter {
        RateLimiter {
            per_minute: HashMap::from([
                (Bucket::SignIn, sign_in_per_minute),
                (Bucket::Api, api_per_minute),
                (Bucket::Action, actions_per_minute),
            ]),
            trust_forwarded_for,
            windows: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Counts a request; answers how long to wait if it is over the limit.
    pub fn check(&self, bucket: Bucket, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let limit = self.per_minute.get(&bucket).copied().unwrap_or(0);
        let mut windows = self.windows.lock().expect("rate-limit lock");
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let (start, count) = windows.entry((bucket, client)).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        if *count >= limit {
            return Err(WINDOW.saturating_sub(now.duration_since(*start)));
        }
        *count += 1;
        Ok(())
    }
}

/// The address the nearest proxy saw: the last entry, the one a client cannot forge.
pub fn last_forwarded(header: &str) -> Option<IpAddr> {
    header.rsplit(',').next()?.trim().parse().ok()
}

/// The server functions that create things or send mail.
fn action_paths() -> [&'static str; 10] {
    use app::co_creation::api::{
        AcceptCompanyInvitation, ActOnProposal, AddRepresentative, RegisterCompany, StartProposal,
    };
    use app::cohort_access::api::{ActOnApplication, JoinTeam, StartApplication};
    use app::identity::api::CreateApiToken;
    use leptos::server_fn::ServerFn;
    [
        StartApplication::PATH,
        ActOnApplication::PATH,
        JoinTeam::PATH,
        RegisterCompany::PATH,
        AddRepresentative::PATH,
        AcceptCompanyInvitation::PATH,
        StartProposal::PATH,
        ActOnProposal::PATH,
        CreateApiToken::PATH,
        <app::catalogue::api::HarvestNodeNow as ServerFn>::PATH,
    ]
}

/// Which bucket a request falls in, if any: sign-in, the machine API (every route under
/// `/api/` that is not a server function of the pages), or an action that creates or mails.
pub fn bucket_for(path: &str, sign_in_paths: &[&str], action_paths: &[&str]) -> Option<Bucket> {
    if path.starts_with("/auth/") || sign_in_paths.contains(&path) {
        Some(Bucket::SignIn)
    } else if path.starts_with("/api/v1/") || path.starts_with("/api/permissions/") || path == "/api/jwk" {
        Some(Bucket::Api)
    } else if action_paths.contains(&path) {
        Some(Bucket::Action)
    } else {
        None
    }
}

pub async fn limit(
    axum::extract::State(limiter): axum::extract::State<RateLimiter>,
    request: Request,
    next: Next,
) -> Response {
    let sign_in_paths = [<app::identity::api::DemoSignIn as leptos::server_fn::ServerFn>::PATH];
    let Some(bucket) = bucket_for(request.uri().path(), &sign_in_paths, &action_paths()) else {
        return next.run(request).await;
    };
    if !limiter.trust_forwarded_for && request.headers().contains_key("x-forwarded-for") {
        static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!(
                "requests arrive through a proxy (X-Forwarded-For) but trust_forwarded_for is off: \
                 every client behind it shares one rate limit; set PORTAL_TRUST_FORWARDED_FOR=true \
                 when the proxy is yours"
            );
        }
    }
    let forwarded = limiter
        .trust_forwarded_for
        .then(|| {
            request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(last_forwarded)
        })
        .flatten();
    let client = forwarded
        .or_else(|| request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()))
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    match limiter.check(bucket, client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::warn!(%client, ?bucket, "rate limit reached");
            let mut response = if bucket == Bucket::SignIn && request.method() == axum::http::Method::GET {
                axum::response::Redirect::to("/sign-in?failed=rate_limited").into_response()
            } else {
                (StatusCode::TOO_MANY_REQUESTS, "too many requests; try again in a minute").into_response()
            };
            if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_per_client_and_resets_after_a_minute() {
        let limiter = RateLimiter::new(2, 100, 100, false);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let start = Instant::now();
        assert!(limiter.check(Bucket::SignIn, a, start).is_ok());
        assert!(limiter.check(Bucket::SignIn, a, start).is_ok());
        assert!(limiter.check(Bucket::SignIn, a, start).is_err());
        assert!(limiter.check(Bucket::SignIn, b, start).is_ok(), "another client has its own count");
        assert!(limiter.check(Bucket::Api, a, start).is_ok(), "another bucket has its own count");
        assert!(limiter.check(Bucket::SignIn, a, start + WINDOW).is_ok());
    }

    #[test]
    fn the_proxy_appended_address_counts() {
        assert_eq!(last_forwarded("203.0.113.9, 10.0.0.7"), Some(IpAddr::from([10, 0, 0, 7])));
        assert_eq!(last_forwarded("2001:db8::1"), "2001:db8::1".parse().ok());
        assert_eq!(last_forwarded("nonsense"), None);
    }

    #[test]
    fn buckets_by_path() {
        let actions = ["/api/start_proposal1"];
        assert_eq!(bucket_for("/auth/oidc/callback", &[], &actions), Some(Bucket::SignIn));
        assert_eq!(
            bucket_for("/api/demo_sign_in123", &["/api/demo_sign_in123"], &actions),
            Some(Bucket::SignIn)
        );
        assert_eq!(bucket_for("/api/v1/token", &[], &actions), Some(Bucket::Api));
        assert_eq!(bucket_for("/api/permissions/abc", &[], &actions), Some(Bucket::Api));
        assert_eq!(bucket_for("/api/jwk", &[], &actions), Some(Bucket::Api));
        assert_eq!(bucket_for("/api/start_proposal1", &[], &actions), Some(Bucket::Action));
        assert_eq!(bucket_for("/api/get_call1", &[], &actions), None);
        assert_eq!(bucket_for("/", &[], &actions), None);
    }
}
