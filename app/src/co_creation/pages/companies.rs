//! Company profiles: registering one (its organisation number checked), changing it, and
//! adding representatives.

use crate::co_creation::api::{AddRepresentative, RegisterCompany, UpdateCompany, get_company};
use crate::co_creation::model::{CompanyKind, CompanySize, CompanyView};
use crate::error::AppError;
use crate::forms::error_at;
use crate::i18n::use_i18n;
use crate::ui::{Field, FieldError, FieldKind, Loaded};
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
    let choice = move |field: &'static str, choices: Vec<&'static str>, current: String| {
        view! {
            <div class="field">
                <label for=format!("company-{field}")>{i.t(&format!("company.field.{field}"))}</label>
                <select id=format!("company-{field}") name=format!("company[{field}]") aria-describedby=format!("company-{field}-error")>
                    <option value="" selected=current.is_empty()>{i.t("form.choose")}</option>
                    {choices.into_iter().map(|c| view! { <option value=c selected=current == c>{i.t(&format!("company.{field}.{c}"))}</option> }).collect_view()}
                </select>
                <FieldError id=format!("company-{field}-error") message=message(field) />
            </div>
        }
    };
    view! {
        {field("name", FieldKind::Text, c.name.clone(), true)}
        {field("org_number", FieldKind::Text, c.org_number.clone(), true)}
        {choice("kind", CompanyKind::ALL.iter().map(|k| k.code()).collect(), c.kind.clone())}
        {choice("size", CompanySize::ALL.iter().map(|k| k.code()).collect(), c.size.clone())}
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
    let register = crate::failed_form::remembered_action::<RegisterCompany>();
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
    let update = crate::failed_form::remembered_action::<UpdateCompany>();
    let add = crate::failed_form::remembered_action::<AddRepresentative>();
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
                    <input id="representative-email" name="email" type="email" maxlength=crate::forms::limits::EMAIL aria-describedby="representative-email-hint representative-email-error" />
                    <FieldError id="representative-email-error".into() message=add_error />
                </div>
                <button type="submit" class="button button--quiet">{i.t("company.add")}</button>
                {move || add.value().get().and_then(|r| r.ok()).map(|_| view! { <p role="status" data-testid="invitation-sent">{i.t("company.invitation_sent")}</p> })}
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

/// An invitation to represent a company, opened from its mail: whoever opens it signed in
/// may accept it (someone who judges proposals is refused, and the administrators told).
#[component]
pub fn CompanyInvitationPage() -> impl IntoView {
    use crate::co_creation::api::{AcceptCompanyInvitation, CompanyInvitationView, get_company_invitation};
    let i = use_i18n();
    let params = leptos_router::hooks::use_params_map();
    let token = Memo::new(move |_| params.get().get("token").unwrap_or_default());
    let invitation = Resource::new(move || token.get(), get_company_invitation);
    let accept = crate::failed_form::remembered_action::<AcceptCompanyInvitation>();
    let error = Signal::derive(move || {
        error_at(i, accept.value().get(), "invitation").or_else(|| error_at(i, accept.value().get(), ""))
    });
    view! {
        <Title text=i.t("company.invitation_title") />
        <section class="page page--narrow">
            <h1>{i.t("company.invitation_title")}</h1>
            <Loaded resource=invitation render={move |invitation: CompanyInvitationView| {
                view! {
                    <p class="lede">{i.t_with("company.invitation_lede", &[("company", &invitation.company), ("email", &invitation.email)])}</p>
                    {if invitation.live {
                        view! {
                            <p>{i.t("company.invitation_explain")}</p>
                            <ActionForm action=accept attr:class="inline-form">
                                <input type="hidden" name="token" value=token.get_untracked() />
                                <button type="submit" class="button" data-testid="accept-invitation">{i.t("company.invitation_accept")}</button>
                            </ActionForm>
                            <FieldError id="accept-error".into() message=error />
                        }.into_any()
                    } else {
                        view! { <p class="notice notice--error" role="status">{i.t("invitation.not_live")}</p> }.into_any()
                    }}
                }.into_any()
            }} />
        </section>
    }
}
