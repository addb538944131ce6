//! Pages about people: demo sign-in, one's own profile, the administrators' people list.

use super::api::{
    DeclareGender, DemoSignIn, SignInChoices, get_declared_gender, get_viewer, list_demo_people, list_people,
    sign_in_options,
};
use super::model::{DemoPerson, PersonListing, RoleGrant, SignedInPerson, Viewer};
use crate::error::AppError;
use crate::i18n::{I18n, use_i18n};
use crate::ui::{DataTable, ErrorNotice, Loaded, TableName};
use kernel::codes::Gender;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

pub(crate) fn grant_label(i: I18n, grant: &RoleGrant) -> String {
    let role = i.t(grant.role.label_key());
    match (&grant.node_slug, &grant.cohort_slug) {
        (Some(node), _) => format!("{role} ({node})"),
        (None, Some(cohort)) => format!("{role} ({cohort})"),
        (None, None) => role,
    }
}

fn grants_text(i: I18n, grants: &[RoleGrant]) -> String {
    if grants.is_empty() {
        i.t("role.applicant")
    } else {
        grants.iter().map(|g| grant_label(i, g)).collect::<Vec<_>>().join(", ")
    }
}

#[component]
pub fn DemoSignInPage() -> impl IntoView {
    let i = use_i18n();
    let people = Resource::new(|| (), |_| list_demo_people());
    view! {
        <Title text=i.t("demo.title") />
        <section class="page page--narrow">
            <h1>{i.t("demo.title")}</h1>
            <p class="notice notice--demo">{i.t("demo.explanation")}</p>
            <Loaded resource=people render={move |people: Vec<DemoPerson>| view! {
                <ul class="person-picker">
                    {people.into_iter().map(|person| view! {
                        <li class="person-picker__item">
                            <form method="post" action=DemoSignIn::url()>
                                <input type="hidden" name="person_id" value=person.id.to_string() />
                                <button type="submit" class="person-picker__button">
                                    <strong>{person.display_name}</strong>
                                    <span>{grants_text(i, &person.grants)}</span>
                                    <span class="muted">{person.home_organisation.unwrap_or_default()}</span>
                                </button>
                            </form>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()} />
        </section>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let i = use_i18n();
    let viewer = Resource::new(|| (), |_| get_viewer());
    view! {
        <Title text=i.t("profile.title") />
        <Loaded resource=viewer page=true render={move |viewer: Viewer| match viewer.person {
            Some(person) => view! { <Profile person /> }.into_any(),
            None => view! { <ErrorNotice error=AppError::NotSignedIn /> }.into_any(),
        }} />
    }
}

#[component]
fn Profile(person: SignedInPerson) -> impl IntoView {
    let i = use_i18n();
    let not_given = i.t("profile.not_given");
    view! {
        <section class="page page--narrow">
            <h1>{person.display_name.clone()}</h1>
            <dl class="facts">
                <dt>{i.t("profile.email")}</dt>
                <dd>{person.email.clone().unwrap_or_else(|| not_given.clone())}</dd>
                <dt>{i.t("profile.organisation")}</dt>
                <dd>{person.home_organisation.clone().unwrap_or(not_given)}</dd>
                <dt>{i.t("profile.roles")}</dt>
                <dd>{grants_text(i, &person.grants)}</dd>
            </dl>
            <GenderDeclaration />
            <h2>{i.t("profile.my_data_heading")}</h2>
            <p>{i.t("profile.my_data_explanation")}</p>
            <p><a class="button" href="/me/data.json" download="my-portal-data.json" rel="external">{i.t("profile.my_data_download")}</a></p>
        </section>
    }
}

/// The optional gender declaration, with why it is asked. A plain form: it works the same
/// without JavaScript, and the server sends the browser back here.
#[component]
fn GenderDeclaration() -> impl IntoView {
    let i = use_i18n();
    let declared = Resource::new(|| (), |_| get_declared_gender());
    view! {
        <h2 id="gender-heading">{i.t("profile.gender.heading")}</h2>
        <p>{i.t("profile.gender.why")}</p>
        <Loaded resource=declared render={move |declared: Option<Gender>| {
            let chosen = declared.map(Gender::code).unwrap_or_default();
            let options = Gender::ALL.iter().map(|g| (g.code(), i.t(&format!("profile.gender.{}", g.code()))))
                .chain([("", i.t("profile.gender.no_answer"))]);
            view! {
                <form method="post" action=DeclareGender::url() class="form" data-testid="gender-form">
                    <fieldset class="field">
                        <legend>{i.t("profile.gender.legend")}</legend>
                        {options.map(|(code, label)| {
                            let id = format!("gender-{}", if code.is_empty() { "none" } else { code });
                            view! {
                                <div class="choice">
                                    <input type="radio" id=id.clone() name="gender" value=code checked=code == chosen />
                                    <label for=id>{label}</label>
                                </div>
                            }
                        }).collect_view()}
                    </fieldset>
                    <button type="submit" class="button">{i.t("profile.gender.save")}</button>
                </form>
            }.into_any()
        }} />
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let i = use_i18n();
    let people = Resource::new(|| (), |_| list_people());
    view! {
        <Title text=i.t("people.title") />
        <Loaded resource=people page=true render={move |people: Vec<PersonListing>| view! {
            <section class="page">
                <h1>{i.t("people.title")}</h1>
                <DataTable name=TableName::Caption { id: "people-caption", text: i.t_with("people.caption", &[("count", &people.len().to_string())]) }>
                    <thead>
                        <tr>
                            <th scope="col">{i.t("people.name")}</th>
                            <th scope="col">{i.t("profile.organisation")}</th>
                            <th scope="col">{i.t("profile.roles")}</th>
                            <th scope="col">{i.t("people.identity_provider")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {people.into_iter().map(|p| view! {
                            <tr>
                                <th scope="row"><a href=format!("/admin/people/{}", p.id)>{p.display_name}</a></th>
                                <td>{p.home_organisation.unwrap_or_default()}</td>
                                <td>{grants_text(i, &p.grants)}</td>
                                <td>{p.issuer}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </DataTable>
            </section>
        }.into_any()} />
    }
}

/// Where people choose how to sign in; also where a failed sign-in explains itself.
#[component]
pub fn SignInPage() -> impl IntoView {
    use leptos_router::hooks::use_query_map;
    let i = use_i18n();
    let query = use_query_map();
    let failure = move || query.read().get("failed");
    let return_to = move || query.read().get("return_to").unwrap_or_else(|| "/".into());
    let choices = Resource::new(|| (), |_| sign_in_options());
    view! {
        <Title text=i.t("signin.title") />
        <section class="page page--narrow">
            <h1>{i.t("signin.title")}</h1>
            {move || failure().map(|code| {
                #[cfg(feature = "ssr")]
                crate::request::with_status(AppError::Request(code.clone()));
                let known = crate::identity::api::SIGN_IN_FAILURES.contains(&code.as_str());
                let key = if known { format!("signin.failure.{code}") } else { "signin.failure.malformed".to_owned() };
                view! {
                    <div class="notice notice--error" role="alert" data-testid="sign-in-failure">
                        <p><strong>{i.t("signin.failed")}</strong></p>
                        <p>{i.t(&key)}</p>
                        <p>{i.t("signin.try_again")}</p>
                    </div>
                }
            })}
            <Loaded resource=choices render={move |choices: SignInChoices| view! {
                {choices.providers.is_empty().then(|| view! { <p>{i.t("signin.no_providers")}</p> })}
                <ul class="person-picker">
                    {choices.providers.into_iter().map(|provider| view! {
                        <li class="person-picker__item">
                            <form method="post" action=format!("/auth/oidc/{}", provider.slug)>
                                <input type="hidden" name="return_to" value=return_to />
                                <button type="submit" class="person-picker__button">
                                    <strong>{i.t_with("signin.with_provider", &[("provider", &provider.name)])}</strong>
                                </button>
                            </form>
                        </li>
                    }).collect_view()}
                </ul>
                {choices.demo.then(|| view! {
                    <p class="notice notice--demo">
                        {i.t("signin.demo_offer")}" "<a href="/demo-sign-in">{i.t("demo.title")}</a>
                    </p>
                })}
            }.into_any()} />
        </section>
    }
}
