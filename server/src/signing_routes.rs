//! Signing an agreement through the identity provider, as plain routes: the signer posts
//! to ask, the portal sends them to sign in again, and the OIDC callback (in
//! `auth_routes`) hands the fresh identity to [`finish`]. Both end on the agreement's page,
//! which says what happened (`?signed=1` or `?signing_failed=<message key>`).

use app::agreements::signing::{self, SigningFailure, SigningIntent};
use app::identity::oidc::{BROWSER_COOKIE, SIGN_IN_WINDOW_MINUTES, VerifiedIdentity};
use app::policy::Action;
use app::request::{AppState, CookieSpec, authorize_parts, cookie_header};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use kernel::{AgreementId, OrganisationId};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SignForm {
    organisation: i64,
    #[serde(default)]
    undertaking: bool,
}

fn back_to(agreement: AgreementId, outcome: Result<(), SigningFailure>) -> Response {
    let query = match outcome {
        Ok(()) => "signed=1".to_owned(),
        Err(failure) => format!("signing_failed={}", failure.message_key()),
    };
    Redirect::to(&format!("/agreements/{agreement}?{query}")).into_response()
}

/// POST /agreements/{id}/sign: record the signing request and send the signer to their
/// identity provider to sign in again.
pub async fn ask(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    parts: Parts,
    Form(form): Form<SignForm>,
) -> Response {
    let agreement = AgreementId(id);
    let person = match authorize_parts(&state, &parts, Action::SignAgreement).await {
        Ok(Some(person)) => person,
        Ok(None) => return Redirect::to(&format!("/sign-in?return_to=/agreements/{id}")).into_response(),
        Err(error) => {
            return axum::http::StatusCode::from_u16(error.status())
                .unwrap_or(axum::http::StatusCode::FORBIDDEN)
                .into_response();
        }
    };
    let now = chrono::Utc::now();
    let organisation = OrganisationId(form.organisation);
    let (provider, intent) =
        match signing::ask(&state, &person, agreement, organisation, form.undertaking, now).await {
            Ok(asked) => asked,
            Err(failure) => return back_to(agreement, Err(failure)),
        };
    let intent = serde_json::to_string(&intent).unwrap_or_default();
    let return_to = format!("/agreements/{id}");
    match state.oidc.start(&state.db, &state.config, &provider, &return_to, Some(&intent)).await {
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
            let mut response = Redirect::to(&url).into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(failure) => {
            tracing::warn!(failure = failure.code(), "could not send a signer to their provider");
            back_to(agreement, Err(SigningFailure::NoProvider))
        }
    }
}

/// The callback's end for a sign-in that was a signature: sign as the person of the
/// session (never start another session from it), and go back to the agreement.
pub async fn finish(state: &AppState, parts: &Parts, identity: &VerifiedIdentity, intent: &str) -> Response {
    let Ok(intent) = serde_json::from_str::<SigningIntent>(intent) else {
        tracing::error!("a stored signing request could not be read");
        return Redirect::to("/agreements").into_response();
    };
    let person = authorize_parts(state, parts, Action::SignAgreement).await.ok().flatten();
    let client = signing::client(state.config.trust_forwarded_for, Some(parts));
    let outcome = signing::sign(state, person.as_ref(), identity, &intent, client, chrono::Utc::now()).await;
    if let Err(failure) = &outcome {
        tracing::warn!(agreement = %intent.agreement, failure = failure.message_key(), "a signature was refused");
    }
    back_to(intent.agreement, outcome)
}
