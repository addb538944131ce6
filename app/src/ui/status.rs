//! The not-found and error notices, with the status the server answers them with.

use crate::error::AppError;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for unknown addresses and missing things; the server answers 404.
#[component]
pub fn NotFound() -> impl IntoView {
    let i = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=i.t("error.not_found_title") />
        <section class="page page--narrow">
            <h1>{i.t("error.not_found_title")}</h1>
            <p>{i.t("error.not_found")}</p>
            <p><a href="/">{i.t("error.back_home")}</a></p>
        </section>
    }
}

/// Shown when loading a page's data failed; the message comes from the translations.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let i = use_i18n();
    if error == AppError::NotFound {
        return view! { <NotFound /> }.into_any();
    }
    // The page answers with the error's status (a busy portal 503 with Retry-After), so
    // clients and load balancers see what happened, not a 200.
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(error.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
        if error == AppError::Busy {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from_static("5"));
        }
    }
    let sign_in = matches!(error, AppError::NotSignedIn);
    view! {
        <Title text=i.t("error.title") />
        <section class="page page--narrow" role="alert">
            <h1>{i.t("error.title")}</h1>
            <p>{i.t(error.message_key())}</p>
            {sign_in.then(|| view! { <p><a href="/sign-in">{i.t("shell.sign_in")}</a></p> })}
            <p><a href="/">{i.t("error.back_home")}</a></p>
        </section>
    }
    .into_any()
}
