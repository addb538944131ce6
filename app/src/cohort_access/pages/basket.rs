//! The basket: cohorts picked in the catalogue, possibly at several nodes, that become one
//! application.

use crate::cohort_access::api::{AddToBasket, Basket, RemoveFromBasket, StartApplication, get_basket};
use crate::error::AppError;
use crate::forms::{error_at, successes};
use crate::i18n::use_i18n;
use crate::ui::{ErrorNotice, FieldError, Loaded};
use leptos::prelude::*;
use leptos_meta::Title;

pub const BASKET_PATH: &str = "/applications/basket";

/// On a dataset's page: put the cohort in the basket, or see that it is there.
#[component]
pub fn BasketControl(slug: String) -> impl IntoView {
    let i = use_i18n();
    let add = crate::failed_form::remembered_action::<AddToBasket>();
    let added = successes(add);
    let basket = Resource::new(move || added.get(), |_| get_basket());
    let error = Signal::derive(move || error_at(i, add.value().get(), ""));
    view! {
        <div class="basket-control" data-testid="basket-control">
            <Suspense fallback=|| ()>
                {move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        match basket.await {
                            Ok(basket) if !basket.signed_in => view! {
                                <p><a class="button" href="/sign-in">{i.t("basket.sign_in_to_apply")}</a></p>
                            }.into_any(),
                            Err(error) => view! { <p class="notice notice--error">{i.t(error.message_key())}</p> }.into_any(),
                            Ok(basket) => {
                                let items = basket.items;
                                let inside = items.iter().any(|item| item.slug == slug);
                                let count = items.len().to_string();
                                view! {
                                    {if inside {
                                        view! { <p class="notice notice--ok" role="status">{i.t("basket.in_basket")}</p> }.into_any()
                                    } else {
                                        view! {
                                            <ActionForm action=add attr:class="inline-form">
                                                <input type="hidden" name="slug" value=slug.clone() />
                                                <button type="submit" class="button" data-testid="add-to-basket">{i.t("basket.add")}</button>
                                            </ActionForm>
                                        }.into_any()
                                    }}
                                    {(!items.is_empty()).then(|| view! {
                                        <p><a href=BASKET_PATH data-testid="basket-link">{i.t_with("basket.go", &[("count", &count)])}</a></p>
                                    })}
                                }.into_any()
                            }
                        }
                    })
                }}
            </Suspense>
            <FieldError id="basket-error".into() message=error />
        </div>
    }
    .into_any()
}

#[component]
pub fn BasketPage() -> impl IntoView {
    let i = use_i18n();
    let remove = crate::failed_form::remembered_action::<RemoveFromBasket>();
    let start = crate::failed_form::remembered_action::<StartApplication>();
    let removed = successes(remove);
    let basket = Resource::new(move || removed.get(), |_| get_basket());
    let title_error = Signal::derive(move || error_at(i, start.value().get(), "title"));
    view! {
        <Title text=i.t("basket.title") />
        <section class="page page--narrow">
            <p class="breadcrumbs"><a href="/applications">{i.t("applications.title")}</a></p>
            <h1>{i.t("basket.title")}</h1>
            <p class="lede">{i.t("basket.lede")}</p>
            <Loaded resource=basket render={move |basket: Basket| {
                if !basket.signed_in {
                    return view! { <ErrorNotice error=AppError::NotSignedIn /> }.into_any();
                }
                let items = basket.items;
                if items.is_empty() {
                    return view! {
                        <p class="notice">{i.t("basket.empty")}" "<a href="/catalogue">{i.t("basket.to_catalogue")}</a></p>
                    }.into_any();
                }
                let mut nodes: Vec<String> = items.iter().filter_map(|item| item.deciding_node.as_ref().map(|n| n.get(i.lang).to_owned())).collect();
                nodes.sort();
                nodes.dedup();
                view! {
                    <ul class="basket" data-testid="basket">
                        {items.into_iter().map(|item| view! {
                            <li class="basket__item">
                                <div>
                                    <strong><abbr class="cohort__acronym">{item.acronym.clone()}</abbr></strong>" "
                                    <a href=format!("/datasets/{}", item.slug)>{item.title.get(i.lang).to_owned()}</a>
                                    <p class="basket__node">{item.deciding_node.as_ref().map(|n| i.t_with("basket.decided_by", &[("node", n.get(i.lang))]))}</p>
                                </div>
                                <ActionForm action=remove attr:class="inline-form">
                                    <input type="hidden" name="cohort_id" value=item.cohort_id.to_string() />
                                    <button type="submit" class="button button--quiet">
                                        {i.t("basket.remove")}<span class="visually-hidden">{format!(" {}", item.acronym)}</span>
                                    </button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                    <p>{i.t_with("basket.nodes", &[("nodes", &nodes.join(", ")), ("count", &nodes.len().to_string())])}</p>
                    <ActionForm action=start attr:class="form" attr:novalidate=true>
                        <div class="field" class:field--invalid=move || title_error.get().is_some()>
                            <label for="application-title">{i.t("form.field.title")}</label>
                            <p class="field__hint" id="application-title-hint">{i.t("basket.title_hint")}</p>
                            <input id="application-title" name="title" required aria-describedby="application-title-hint application-title-error" />
                            <FieldError id="application-title-error".into() message=title_error />
                        </div>
                        <button type="submit" class="button" data-testid="start-application">{i.t("basket.start")}</button>
                    </ActionForm>
                }.into_any()
            }} />
        </section>
    }
    .into_any()
}
