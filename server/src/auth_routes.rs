//! OpenID Connect sign-in as plain routes: the browser posts to start, the provider sends
//! it back to the callback. Failures go to the sign-in page, which explains them.

use app::identity::oidc::{BROWSER_COOKIE, Callback, SIGN_IN_WINDOW_MINUTES};
use app::identity::sessions;
use app::identity::signin::{SignInMethod, begin_session, person_from_provider};
use app::policy::Action;
use app::request::{AppState, CookieSpec, authorize_parts, cookie, cookie_header, safe_return_path};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    return_to: String,
}

fn status_of(error: &app::error::AppError) -> StatusCode {
    StatusCode::from_u16(error.status()).unwrap_or(StatusCode::FORBIDDEN)
}

fn to_sign_in_page(code: &str) -> Response {
    Redirect::to(&format!("/sign-in?failed={code}")).into_response()
}

fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for value in cookies {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// POST /auth/oidc/{provider}: remember the attempt, send the browser to the provider.
pub async fn start(
    State(state): State<AppState>,
    Path(provider_id): Path<String>,
    parts: Parts,
    Form(form): Form<StartForm>,
) -> Response {
    if let Err(error) = authorize_parts(&state, &parts, Action::UseProviderSignIn).await {
        return status_of(&error).into_response();
    }
    let return_to = safe_return_path(&form.return_to);
    match state.oidc.start(&state.db, &state.config, &provider_id, &return_to, None).await {
        Ok((url, browser_token)) => {
            let cookie = cookie_header(
                &state.config,
                CookieSpec {
                    name: BROWSER_COOKIE,
                    value: &browser_token,
                    max_age_seconds: Some(SIGN_IN_WINDOW_MINUTES * 60),
                    http_only: true,
                },
            );
            with_cookies(Redirect::to(&url).into_response(), &[cookie])
        }
        Err(failure) => to_sign_in_page(failure.code()),
    }
}

/// GET /auth/oidc/callback: check everything, create or refresh the person, start a session.
pub async fn callback(
    State(state): State<AppState>,
    parts: Parts,
    query: Result<Query<Callback>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(callback)) = query else {
        return to_sign_in_page("malformed");
    };
    let browser_token = cookie(&parts, BROWSER_COOKIE);
    let clear_browser_cookie = cookie_header(
        &state.config,
        CookieSpec { name: BROWSER_COOKIE, value: "", max_age_seconds: Some(0), http_only: true },
    );
    let identity =
        match state.oidc.finish(&state.db, &state.config, &callback, browser_token.as_deref()).await {
            Ok(identity) => identity,
            Err(failure) => {
                tracing::warn!(failure = failure.code(), "OIDC sign-in refused");
                return with_cookies(to_sign_in_page(failure.code()), &[clear_browser_cookie]);
            }
        };
    if let Some(intent) = identity.signing.as_deref() {
        let response = crate::signing_routes::finish(&state, &parts, &identity, intent).await;
        return with_cookies(response, &[clear_browser_cookie]);
    }
    let person_id = match person_from_provider(&state.db, &identity).await {
        Ok(id) => id,
        Err(error) => {
            tracing::error!(%error, "could not record the person signing in");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let previous = cookie(&parts, sessions::COOKIE);
    let method = SignInMethod::Provider { provider_id: &identity.provider_id, id_token: &identity.id_token };
    let session = match begin_session(&state, person_id, previous.as_deref(), method).await {
        Ok(session) => session,
        Err(error) => {
            tracing::error!(%error, "could not start a session");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut cookies = vec![clear_browser_cookie, cookie_header(&state.config, session.cookie())];
    if let Some(lang) = session.lang {
        cookies.push(cookie_header(
            &state.config,
            CookieSpec {
                name: app::i18n::Lang::COOKIE,
                value: lang.code(),
                max_age_seconds: Some(365 * 24 * 3600),
                http_only: false,
            },
        ));
    }
    with_cookies(Redirect::to(&safe_return_path(&identity.return_to)).into_response(), &cookies)
}

/// GET /me/data.json: everything the portal holds about the signed-in person.
pub async fn my_data(State(state): State<AppState>, parts: Parts) -> Response {
    let person = match authorize_parts(&state, &parts, Action::ExportOwnData).await {
        Ok(Some(person)) => person,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(error) => return (status_of(&error), "sign in first").into_response(),
    };
    match app::identity::export::my_data(&state.db, person.id.get()).await {
        Ok(document) => (
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"my-portal-data.json\""),
                (header::CACHE_CONTROL, "no-store"),
            ],
            serde_json::to_string_pretty(&document).unwrap_or_default(),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "my-data export failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
