//! Forms without JavaScript: a server function refuses a post with its error (as JSON, for
//! the hydrated app). A browser without JavaScript would show that JSON; instead the
//! refused post is kept for a few minutes and the browser is sent back (303) to the page it
//! came from with `?form_error=<token>`, which renders the form again with the message at
//! its field and what was typed (`app::failed_form`). The post is kept in the database, so
//! any replica can show the page; only the session that posted it can see it again.

use app::error::AppError;
use app::failed_form::{FailedForm, KEPT_MINUTES, QUERY};
use app::request::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The most of a refused post that is kept (a call's texts fit easily).
const KEPT_BYTES: usize = 2 * 1024 * 1024;

/// Does this request come from a form in a browser without JavaScript? The hydrated app
/// asks for JSON; a plain form post accepts HTML.
fn from_plain_form(request: &Request) -> bool {
    let header = |name| request.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).unwrap_or("");
    request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && header(header::CONTENT_TYPE).starts_with("application/x-www-form-urlencoded")
        && header(header::ACCEPT).contains("text/html")
}

fn session_hash(state: &AppState, request_headers: &axum::http::HeaderMap) -> Option<String> {
    let cookies = request_headers.get_all(header::COOKIE);
    let token = cookies
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == app::identity::sessions::COOKIE)
        .map(|(_, value)| value.to_owned())?;
    Some(app::identity::sessions::hash_token(&state.config.session_key(), &token))
}

/// Where the form was: the Referer, when it is a page of this portal (path and query).
fn return_path(state: &AppState, headers: &axum::http::HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let origin = crate::http_layers::origin_of(&state.config.public_url)?;
    let rest = referer.strip_prefix(&origin)?;
    let path = if rest.is_empty() { "/" } else { rest };
    if !path.starts_with('/') || path.starts_with("//") || path.starts_with("/api/") {
        return None;
    }
    // A page shown again already carries an older token: replace it.
    Some(without_token(path.split('#').next().unwrap_or("/")))
}

/// A path and query without the `form_error` token: a page shown again after a refusal
/// carries one, and neither a new refusal nor a later success should keep the old one.
fn without_token(path: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let kept: Vec<&str> =
        query.split('&').filter(|pair| !pair.is_empty() && !pair.starts_with(&format!("{QUERY}="))).collect();
    if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) }
}

/// A form accepted after an earlier refusal: Leptos sends the browser back to the Referer,
/// which still names the old refusal; send it to the page without it.
fn forget_old_refusal(mut response: Response) -> Response {
    let location = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok());
    if let Some(cleaned) = location.filter(|l| l.contains(&format!("{QUERY}="))).map(without_token)
        && let Ok(value) = HeaderValue::from_str(&cleaned)
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub async fn keep_refused_forms(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::GET {
        return show_again(&state, request, next).await;
    }
    if !from_plain_form(&request) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, KEPT_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "the form is larger than the portal takes").into_response();
    };
    let headers = parts.headers.clone();
    let path = parts.uri.path().to_owned();
    let response = next.run(Request::from_parts(parts, Body::from(bytes.clone()))).await;
    // Leptos marks a refusal with this header; it then answers 302 to the Referer (losing
    // the message) or, where the status was set, the error's status with its JSON.
    if !response.headers().contains_key("serverfnerror") {
        return forget_old_refusal(response);
    }
    let Some(back) = return_path(&state, &headers) else { return response };
    let (response_parts, response_body) = response.into_parts();
    let Ok(error_bytes) = axum::body::to_bytes(response_body, 64 * 1024).await else {
        return (StatusCode::BAD_REQUEST, "refused").into_response();
    };
    let Ok(error) = serde_json::from_slice::<AppError>(&error_bytes) else {
        return Response::from_parts(response_parts, Body::from(error_bytes));
    };
    let fields: Vec<(String, String)> =
        form_urlencoded::parse(&bytes).map(|(key, value)| (key.into_owned(), value.into_owned())).collect();
    let failed = FailedForm { path, error, fields };
    let token = app::identity::sessions::new_token();
    match keep(&state, &token, session_hash(&state, &headers), &failed).await {
        Ok(()) => {
            let separator = if back.contains('?') { '&' } else { '?' };
            let location = format!("{back}{separator}{QUERY}={token}");
            let mut answer = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                answer.headers_mut().insert(header::LOCATION, value);
            }
            answer
        }
        Err(error) => {
            tracing::error!(%error, "a refused form could not be kept");
            Response::from_parts(response_parts, Body::from(error_bytes))
        }
    }
}

async fn keep(
    state: &AppState,
    token: &str,
    session: Option<String>,
    failed: &FailedForm,
) -> Result<(), sqlx::Error> {
    let error = serde_json::to_string(&failed.error).unwrap_or_default();
    let fields = serde_json::to_string(&failed.fields).unwrap_or_default();
    sqlx::query(
        "INSERT INTO refused_forms (token, session_hash, path, error, fields, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token)
    .bind(session)
    .bind(&failed.path)
    .bind(error)
    .bind(fields)
    .bind(app::db::now())
    .execute(state.db.pool())
    .await?;
    Ok(())
}

/// A page asked for with `?form_error=<token>`: the refusal goes into the request, for the
/// page to render.
async fn show_again(state: &AppState, mut request: Request, next: Next) -> Response {
    let token = request.uri().query().and_then(|query| {
        query.split('&').find_map(|pair| pair.strip_prefix(&format!("{QUERY}="))).map(str::to_owned)
    });
    if let Some(token) = token
        .filter(|t| t.len() <= 128 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        let session = session_hash(state, request.headers());
        match kept(state, &token, session.as_deref()).await {
            Ok(Some(failed)) => {
                request.extensions_mut().insert(failed);
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "a kept refusal could not be read"),
        }
    }
    next.run(request).await
}

async fn kept(
    state: &AppState,
    token: &str,
    session: Option<&str>,
) -> Result<Option<FailedForm>, sqlx::Error> {
    let since = app::db::timestamp(chrono::Utc::now() - chrono::Duration::minutes(KEPT_MINUTES));
    let row: Option<(Option<String>, String, String, String)> = sqlx::query_as(
        "SELECT session_hash, path, error, fields FROM refused_forms WHERE token = $1 AND created_at >= $2",
    )
    .bind(token)
    .bind(since)
    .fetch_optional(state.db.pool())
    .await?;
    Ok(row.and_then(|(owner, path, error, fields)| {
        // Only the session that posted it sees what was typed.
        if owner.as_deref() != session {
            return None;
        }
        Some(FailedForm {
            path,
            error: serde_json::from_str(&error).ok()?,
            fields: serde_json::from_str(&fields).ok()?,
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_form_posts_to_server_functions_are_kept() {
        let request = |accept: &str, content_type: &str, path: &str| {
            Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::ACCEPT, accept)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::empty())
                .unwrap()
        };
        let form = "application/x-www-form-urlencoded";
        assert!(from_plain_form(&request("text/html,application/xhtml+xml", form, "/api/save_call1")));
        assert!(!from_plain_form(&request("application/json", form, "/api/save_call1")), "the hydrated app");
        assert!(!from_plain_form(&request("text/html", "multipart/form-data", "/api/save_call1")));
        assert!(!from_plain_form(&request("text/html", form, "/applications/1/attachments")));
    }

    #[test]
    fn a_success_after_a_refusal_returns_to_the_page_without_the_old_refusal() {
        let redirect = |location: &str| {
            let mut response = StatusCode::FOUND.into_response();
            response.headers_mut().insert(header::LOCATION, HeaderValue::from_str(location).unwrap());
            forget_old_refusal(response).headers()[header::LOCATION].to_str().unwrap().to_owned()
        };
        assert_eq!(redirect("http://x/agreements/3/terms?form_error=abc"), "http://x/agreements/3/terms");
        assert_eq!(
            redirect("/agreements?state=draft&form_error=abc&page=2"),
            "/agreements?state=draft&page=2"
        );
        assert_eq!(redirect("/agreements?state=draft"), "/agreements?state=draft");
    }
}
