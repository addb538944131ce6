//! Company profiles: registering one (its organisation number checked), changing it, and
//! adding representatives.

use crate::co_creation::api::{AddRepresentative, RegisterCompany, UpdateCompany, get_company};
use crate::co_creation::model::{COMPANY_KINDS, COMPANY_SIZES, CompanyView};
use crate::error::AppError;
use crate::forms::{Field, FieldError, FieldKind, error_at};
use crate::i18n::use_i18n;
use crate::shell::Loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The profile's fields, for registering and for changing.
#[component]
fn ProfileFields(
    company: Option<CompanyView>,
    result: Signal<Option<Result<(), AppError>>>,
) -> impl IntoView {
    let i = use_i18n();
    let c = company.unwrap_or(CompanyView {
        slug: String::new(),
        name: String::new(),
        org_number: String::new(),
        kind: String::new(),
        size: String::new(),
        city: String::new(),
        website: String::new(),
        contact_name: String::new(),
        contact_email: String::new(),
        contact_phone: String::new(),
        representatives: Vec::new(),
        can_edit: true,
    });
    let message = move |field: &'static str| Signal::derive(move || error_at(i, result.get(), field));
    let field = move |field: &'static str, kind: FieldKind, value: String, required: bool| {
        let hint_key = format!("company.hint.{field}");
        let hint = (i.t(&hint_key) != hint_key).then(|| i.t(&hint_key));
        view! {
            <Field id=format!("company-{field}") name=format!("company[{field}]") label=i.t(&format!("company.field.{field}"))
                kind value message=message(field) hint=hint required />
        }
    };
    let choice = move |field: &'static str, choices: &'static [&'static str], current: String| {
        view! {
            <div class="field">
                <label for=format!("company-{field}")>{i.t(&format!("company.field.{field}"))}</label>
                <select id=format!("company-{field}") name=format!("company[{field}]") aria-describedby=format!("company-{field}-error")>
                    <option value="" selected=current.is_empty()>{i.t("form.choose")}</option>
                    {choices.iter().map(|c| view! { <option value=*c selected=current == *c>{i.t(&format!("company.{field}.{c}"))}</option> }).collect_view()}
                </select>
                <FieldError id=format!("company-{field}-error") message=message(field) />
            </div>
        }
    };
    view! {
        {field("name", FieldKind::Text, c.name.clone(), true)}
        {field("org_number", FieldKind::Text, c.org_number.clone(), true)}
        {choice("kind", &COMPANY_KINDS, c.kind.clone())}
        {choice("size", &COMPANY_SIZES, c.size.clone())}
        {field("city", FieldKind::Text, c.city.clone(), false)}
        {field("website", FieldKind::Text, c.website.clone(), false)}
        {field("contact_name", FieldKind::Text, c.contact_name.clone(), true)}
        {field("contact_email", FieldKind::Email, c.contact_email.clone(), true)}
        {field("contact_phone", FieldKind::Text, c.contact_phone.clone(), false)}
        <FieldError id="company-error".into() message=message("") />
    }
}

#[component]
pub fn CompanyNewPage() -> impl IntoView {
    let i = use_i18n();
    let register = ServerAction::<RegisterCompany>::new();
    let result = Signal::derive(move || register.value().get().map(|r| r.map(|_| ())));
    view! {
        <Title text=i.t("company.register") />
        <section class="page page--narrow">
            <h1>{i.t("company.register")}</h1>
            <p class="lede">{i.t("company.register_lede")}</p>
            <ActionForm action=register attr:class="form" attr:novalidate=true>
                <ProfileFields company=None result />
                <button type="submit" class="button" data-testid="register-company">{i.t("company.register")}</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn CompanyPageView() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.get().get("slug").unwrap_or_default());
    let version = RwSignal::new(0u64);
    let company = Resource::new(move || (slug.get(), version.get()), |(slug, _)| get_company(slug));
    view! {
        <Loaded resource=company render={move |company: CompanyView| view! { <CompanyView company version /> }.into_any()} />
    }
}

#[component]
fn CompanyView(company: CompanyView, version: RwSignal<u64>) -> impl IntoView {
    let i = use_i18n();
    let update = ServerAction::<UpdateCompany>::new();
    let add = ServerAction::<AddRepresentative>::new();
    Effect::new(move |_| {
        if add.value().with(|v| matches!(v, Some(Ok(_)))) || update.value().with(|v| matches!(v, Some(Ok(_))))
        {
            version.update(|n| *n += 1);
        }
    });
    let result = Signal::derive(move || update.value().get());
    let (add_slug, update_slug, profile) = (company.slug.clone(), company.slug.clone(), company.clone());
    let add_error = Signal::derive(move || {
        error_at(i, add.value().get(), "email").or_else(|| error_at(i, add.value().get(), ""))
    });
    view! {
        <Title text=company.name.clone() />
        <section class="page page--narrow" data-testid="company">
            <p class="breadcrumbs"><a href="/proposals">{i.t("proposals.title")}</a></p>
            <h1>{company.name.clone()}</h1>
            <p>{i.t("company.field.org_number")}": "<span data-testid="org-number">{company.org_number.clone()}</span></p>
            <h2>{i.t("company.representatives")}</h2>
            <ul>{company.representatives.iter().map(|(name, email)| view! { <li>{name.clone()}{email.clone().map(|e| format!(" <{e}>"))}</li> }).collect_view()}</ul>
            <ActionForm action=add attr:class="form form--inline">
                <input type="hidden" name="slug" value=add_slug />
                <div class="field">
                    <label for="representative-email">{i.t("company.add_representative")}</label>
                    <p class="field__hint" id="representative-email-hint">{i.t("company.add_representative_hint")}</p>
                    <input id="representative-email" name="email" type="email" aria-describedby="representative-email-hint representative-email-error" />
                    <FieldError id="representative-email-error".into() message=add_error />
                </div>
                <button type="submit" class="button button--quiet">{i.t("company.add")}</button>
            </ActionForm>
            <h2>{i.t("company.profile")}</h2>
            <ActionForm action=update attr:class="form" attr:novalidate=true>
                <input type="hidden" name="slug" value=update_slug />
                <ProfileFields company=Some(profile) result />
                <button type="submit" class="button">{i.t("company.save")}</button>
                {move || update.value().get().and_then(|r| r.ok()).map(|_| view! { <p role="status">{i.t("company.saved")}</p> })}
            </ActionForm>
        </section>
    }
}
