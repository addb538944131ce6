//! Server-side request context: the shared state, cookies, the viewer and authorization.
//! Every server function starts with [`authorize`]; on a server function's own request the
//! action it asks for must be one its entry in [`policy::endpoints::SERVER_FUNCTIONS`] lists,
//! else the request is refused as an internal error (the declaration is wrong, not the
//! caller).

use crate::config::PortalConfig;
use crate::content::library::ContentLibrary;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::identity::model::{SignedInPerson, Viewer};
use crate::identity::{sessions, store};
use crate::policy::{self, Action, Deployment, Thing};
use axum::extract::FromRef;
use http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE};
use http::{HeaderValue, request::Parts};
use leptos::prelude::*;
use std::sync::Arc;

/// Everything a request handler may need; cloned per request, so only handles inside.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<PortalConfig>,
    pub content: Arc<ContentLibrary>,
    /// Identity providers' discovered metadata, cached per replica.
    pub oidc: Arc<crate::identity::oidc::OidcProviders>,
}

pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the request context");
        AppError::Internal
    })
}

fn request_parts() -> Option<Parts> {
    use_context::<Parts>()
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// The language of this request, from the language cookie or the browser's preference.
pub fn request_lang() -> Lang {
    match request_parts() {
        Some(parts) => lang_of(&parts),
        None => Lang::default(),
    }
}

pub fn lang_of(parts: &Parts) -> Lang {
    let remembered = cookie(parts, Lang::COOKIE);
    let accept = parts.headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    Lang::negotiate(remembered.as_deref(), accept)
}

/// The person behind this request, if their session is live.
pub async fn signed_in_person(state: &AppState) -> Result<Option<SignedInPerson>, AppError> {
    match request_parts() {
        Some(parts) => person_from_parts(state, &parts).await,
        None => Ok(None),
    }
}

/// The signed-in person of one request, looked up once however many of the page's
/// resources and checks ask (the server puts an empty one on every request). Each lookup
/// would take a connection; a page with six resources took six.
#[derive(Clone, Default)]
pub struct SessionLookup(Arc<tokio::sync::OnceCell<Option<SignedInPerson>>>);

/// The person behind a request's session cookie (for plain axum handlers too).
pub async fn person_from_parts(state: &AppState, parts: &Parts) -> Result<Option<SignedInPerson>, AppError> {
    let Some(token) = cookie(parts, sessions::COOKIE) else {
        return Ok(None);
    };
    let look_up = || async {
        let token_hash = sessions::hash_token(&state.config.session_key(), &token);
        let policy = sessions::SessionPolicy::from_config(&state.config);
        store::person_for_session(&state.db, &token_hash, &policy).await.map_err(AppError::from)
    };
    match parts.extensions.get::<SessionLookup>() {
        Some(lookup) => Ok(lookup.0.get_or_try_init(look_up).await?.clone()),
        None => look_up().await,
    }
}

pub async fn current_viewer() -> Result<Viewer, AppError> {
    let state = app_state()?;
    let person = signed_in_person(&state).await?;
    Ok(Viewer {
        person,
        lang: request_lang(),
        demo_sign_in: state.config.demo_sign_in,
        mail_outbox: state.config.smtp_url.is_none(),
    })
}

/// Asks the policy whether the person behind this request may do `action`; answers with
/// the state and the person so the caller can go on. A denial also sets the HTTP status.
pub async fn authorize(action: Action) -> Result<(AppState, Option<SignedInPerson>), AppError> {
    authorize_on(action, Thing::Nothing).await
}

/// [`authorize`] for an action about a particular thing (a draft, something in review).
pub async fn authorize_on(
    action: Action,
    thing: Thing<'_>,
) -> Result<(AppState, Option<SignedInPerson>), AppError> {
    declared(action)?;
    let state = app_state()?;
    let person = signed_in_person(&state).await?;
    match decide_for(&state, person.as_ref(), action, thing) {
        Ok(()) => Ok((state, person)),
        Err(error) => Err(with_status(error)),
    }
}

/// Server functions live under this prefix (the `#[server]` default).
const SERVER_FN_PREFIX: &str = "/api/";

/// Is `action` among those listed for the server function this request calls? A page
/// rendered on the server calls server functions directly, with the page's own request
/// (whose path is no server function's): those calls are not checked here; the same
/// functions called from the browser are.
fn declared(action: Action) -> Result<(), AppError> {
    let Some(path) = with_context::<Parts, _>(|parts| parts.uri.path().to_owned()) else {
        return Ok(());
    };
    match policy::endpoints::for_path(&path) {
        Some(entry) if entry.lists(action) => Ok(()),
        Some(entry) => {
            tracing::error!(
                function = entry.name,
                ?action,
                "server function asked the policy for an action its entry in policy/endpoints.rs does not list"
            );
            Err(AppError::Internal)
        }
        None if path.starts_with(SERVER_FN_PREFIX)
            && leptos::server_fn::axum::server_fn_paths().any(|(registered, _)| registered == path) =>
        {
            tracing::error!(
                function = %path,
                ?action,
                "server function without an entry in policy/endpoints.rs asked the policy"
            );
            Err(AppError::Internal)
        }
        None => Ok(()),
    }
}

/// The policy's answer for this deployment, as the error a caller returns.
fn decide_for(
    state: &AppState,
    person: Option<&SignedInPerson>,
    action: Action,
    thing: Thing<'_>,
) -> Result<(), AppError> {
    let deployment =
        Deployment { demo_sign_in: state.config.demo_sign_in, mail_outbox: state.config.smtp_url.is_none() };
    policy::decide(person, action, thing, deployment).map_err(AppError::from)
}

/// Would the policy allow this? For showing or hiding a control; the action itself still
/// asks [`authorize_on`].
pub fn permits(state: &AppState, person: Option<&SignedInPerson>, action: Action, thing: Thing<'_>) -> bool {
    decide_for(state, person, action, thing).is_ok()
}

/// [`authorize`] for plain axum handlers, which have the request parts instead of a
/// Leptos context: answers the person, or the error whose status to answer with.
pub async fn authorize_parts(
    state: &AppState,
    parts: &Parts,
    action: Action,
) -> Result<Option<SignedInPerson>, AppError> {
    authorize_parts_on(state, parts, action, Thing::Nothing).await
}

/// [`authorize_parts`] for an action about a particular thing.
pub async fn authorize_parts_on(
    state: &AppState,
    parts: &Parts,
    action: Action,
    thing: Thing<'_>,
) -> Result<Option<SignedInPerson>, AppError> {
    let person = person_from_parts(state, parts).await?;
    decide_for(state, person.as_ref(), action, thing)?;
    Ok(person)
}

/// Sets the response status that belongs to an error and hands the error back.
pub fn with_status(error: AppError) -> AppError {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(error.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    error
}

pub struct CookieSpec<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub max_age_seconds: Option<i64>,
    pub http_only: bool,
}

/// A `Set-Cookie` value: always `Path=/` and `SameSite=Lax`; `Secure` in production or
/// behind https.
pub fn cookie_header(config: &PortalConfig, spec: CookieSpec<'_>) -> String {
    let mut cookie = format!("{}={}; Path=/; SameSite=Lax", spec.name, spec.value);
    if let Some(max_age) = spec.max_age_seconds {
        cookie.push_str(&format!("; Max-Age={max_age}"));
    }
    if spec.http_only {
        cookie.push_str("; HttpOnly");
    }
    if config.is_production() || config.public_url.starts_with("https://") {
        cookie.push_str("; Secure");
    }
    cookie
}

pub fn set_cookie(config: &PortalConfig, spec: CookieSpec<'_>) {
    let cookie = cookie_header(config, spec);
    if let (Some(response), Ok(value)) =
        (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(&cookie))
    {
        response.append_header(SET_COOKIE, value);
    }
}

/// A year: the language choice outlives sessions.
const LANG_COOKIE_SECONDS: i64 = 365 * 24 * 3600;

/// Remembers the language in this browser (readable by scripts: it is no secret).
pub fn remember_language(config: &PortalConfig, lang: Lang) {
    set_cookie(
        config,
        CookieSpec {
            name: Lang::COOKIE,
            value: lang.code(),
            max_age_seconds: Some(LANG_COOKIE_SECONDS),
            http_only: false,
        },
    );
}

/// A same-site path to go back to after a form post; anything else becomes "/".
pub fn safe_return_path(candidate: &str) -> String {
    let ok = candidate.starts_with('/')
        && candidate.len() <= 500
        && !candidate.starts_with("//")
        && !candidate.contains('\\')
        && !candidate.chars().any(char::is_control);
    if ok { candidate.to_owned() } else { "/".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_on_this_site() {
        assert_eq!(safe_return_path("/pages/about?x=1"), "/pages/about?x=1");
        for evil in
            ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/a\nb"]
        {
            assert_eq!(safe_return_path(evil), "/", "{evil}");
        }
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let request = http::Request::builder()
            .header(COOKIE, "portal_lang_x=sv; portal_lang=en; other=1")
            .body(())
            .unwrap();
        let (parts, _) = request.into_parts();
        assert_eq!(cookie(&parts, "portal_lang").as_deref(), Some("en"));
        assert_eq!(lang_of(&parts), Lang::En);
    }
}
