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
    pub fn new(sign_in_per_minute: u32, api_per_minute: u32, trust_forwarded_for: bool) -> RateLimiter {
        RateLimiter {
            per_minute: HashMap::from([(Bucket::SignIn, sign_in_per_minute), (Bucket::Api, api_per_minute)]),
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

/// Which bucket a request falls in, if any.
pub fn bucket_for(path: &str, sign_in_paths: &[&str]) -> Option<Bucket> {
    if path.starts_with("/auth/") || sign_in_paths.contains(&path) {
        Some(Bucket::SignIn)
    } else if path.starts_with("/api/v1/") {
        Some(Bucket::Api)
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
    let Some(bucket) = bucket_for(request.uri().path(), &sign_in_paths) else {
        return next.run(request).await;
    };
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
        let limiter = RateLimiter::new(2, 100, false);
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
        assert_eq!(bucket_for("/auth/oidc/callback", &[]), Some(Bucket::SignIn));
        assert_eq!(bucket_for("/api/demo_sign_in123", &["/api/demo_sign_in123"]), Some(Bucket::SignIn));
        assert_eq!(bucket_for("/api/v1/token", &[]), Some(Bucket::Api));
        assert_eq!(bucket_for("/", &[]), None);
    }
}
