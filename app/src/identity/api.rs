//! Server functions for identity: who is here, demo sign-in, sign-out, language, people.

use super::model::{DemoPerson, PersonListing, Viewer};
use crate::error::AppError;
use leptos::prelude::*;

/// The viewer of the current request: their person (if signed in) and language.
#[server]
pub async fn get_viewer() -> Result<Viewer, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, current_viewer};
    authorize(Action::ReadPublicCatalogue).await?;
    current_viewer().await
}

#[server]
pub async fn list_demo_people() -> Result<Vec<DemoPerson>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::UseDemoSignIn).await?;
    Ok(super::store::demo_people(&state.db).await?)
}

/// Signs in as a demo person: a new session (new id), the person's language, an event.
#[server]
pub async fn demo_sign_in(person_id: i64) -> Result<(), AppError> {
    use super::{sessions, store};
    use crate::events::{self, NewEvent};
    use crate::policy::Action;
    use crate::request::{CookieSpec, authorize, remember_language, set_cookie, with_status};

    let (state, previous) = authorize(Action::UseDemoSignIn).await?;
    if !store::is_demo_person(&state.db, person_id).await? {
        return Err(with_status(AppError::invalid("person_id", "error.unknown_demo_person")));
    }
    // Whatever session this browser had ends here, so its id never carries over.
    if let Some(old) = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| crate::request::cookie(&p, sessions::COOKIE))
    {
        store::delete_session(&state.db, &sessions::hash_token(&state.config.session_key(), &old)).await?;
    }
    let token = sessions::new_token();
    let policy = sessions::SessionPolicy::from_config(&state.config);
    store::create_session(
        &state.db,
        person_id,
        &sessions::hash_token(&state.config.session_key(), &token),
        &policy,
    )
    .await?;
    set_cookie(
        &state.config,
        CookieSpec {
            name: sessions::COOKIE,
            value: &token,
            max_age_seconds: Some(policy.absolute.num_seconds()),
            http_only: true,
        },
    );
    if let Some(lang) = store::preferred_lang(&state.db, person_id).await? {
        remember_language(&state.config, lang);
    }
    events::record(
        state.db.pool(),
        NewEvent {
            reason: Some("demo sign-in".into()),
            ..NewEvent::about_person(
                person_id,
                "signed_in",
                Some(if previous.is_some() { "signed_in" } else { "signed_out" }.into()),
                Some("signed_in".into()),
            )
        },
    )
    .await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    use super::sessions;
    use crate::events::{self, NewEvent};
    use crate::policy::Action;
    use crate::request::{CookieSpec, authorize, cookie, set_cookie};

    let (state, person) = authorize(Action::SignOut).await?;
    if let Some(token) =
        leptos::prelude::use_context::<http::request::Parts>().and_then(|p| cookie(&p, sessions::COOKIE))
    {
        super::store::delete_session(&state.db, &sessions::hash_token(&state.config.session_key(), &token))
            .await?;
    }
    set_cookie(
        &state.config,
        CookieSpec { name: sessions::COOKIE, value: "", max_age_seconds: Some(0), http_only: true },
    );
    if let Some(person) = person {
        events::record(
            state.db.pool(),
            NewEvent::about_person(
                person.id,
                "signed_out",
                Some("signed_in".into()),
                Some("signed_out".into()),
            ),
        )
        .await?;
    }
    leptos_axum::redirect("/");
    Ok(())
}

/// Switches the language for this browser and, when signed in, for the person.
#[server]
pub async fn set_language(lang: String, return_to: String) -> Result<(), AppError> {
    use crate::events::{self, NewEvent};
    use crate::i18n::Lang;
    use crate::policy::Action;
    use crate::request::{authorize, remember_language, safe_return_path, with_status};

    let (state, person) = authorize(Action::SetOwnLanguage).await?;
    let Some(lang) = Lang::parse(&lang) else {
        return Err(with_status(AppError::invalid("lang", "error.unknown_language")));
    };
    remember_language(&state.config, lang);
    if let Some(person) = person {
        let before = super::store::set_preferred_lang(&state.db, person.id, lang).await?;
        if before != Some(lang) {
            events::record(
                state.db.pool(),
                NewEvent::about_person(
                    person.id,
                    "language_changed",
                    before.map(|l| l.code().to_owned()),
                    Some(lang.code().to_owned()),
                ),
            )
            .await?;
        }
    }
    leptos_axum::redirect(&safe_return_path(&return_to));
    Ok(())
}

#[server]
pub async fn list_people() -> Result<Vec<PersonListing>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::ListPeople).await?;
    Ok(super::store::all_people(&state.db).await?)
}
