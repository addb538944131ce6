//! The guided choice of a collaboration model (`/agreements/<id>/guide`): a few questions
//! as a plain GET form (the answers are in the link, so it works without JavaScript and
//! can be sent to a colleague), then the recommended model, why in plain words, and the
//! models that would also do. Choosing one is the agreement's own `ChooseModel`; the
//! person may as well pick any other model on the agreement's page.

use super::api::{ChooseModel, guide_agreement};
use super::model::{GuidePage, GuideQuestion, GuideRecommendation, ModelChoice};
use crate::i18n::use_i18n;
use crate::ui::{Loaded, command_form};
use kernel::AgreementId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeMap;

#[component]
pub fn GuidePageView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        AgreementId(params.get().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0))
    });
    let answers = Memo::new(move |_| {
        let q = query.get();
        kernel::agreement::guide::QUESTIONS
            .iter()
            .filter_map(|question| q.get(question.field).map(|v| (question.field.to_owned(), v)))
            .collect::<BTreeMap<String, String>>()
    });
    let refresh = RwSignal::new(0u64);
    provide_context(crate::forms::Refresh(refresh));
    let page = Resource::new(
        move || (id.get(), answers.get(), refresh.get()),
        |(id, answers, _)| guide_agreement(id, answers),
    );
    view! { <Loaded resource=page render={move |page: GuidePage| view! { <Guide page /> }.into_any()} /> }
}

#[component]
fn Guide(page: GuidePage) -> impl IntoView {
    let i = use_i18n();
    let heading = i.t("guide.title");
    let id = page.id;
    let answer = |field: &str| page.answers.iter().find(|(f, _)| f == field).map(|(_, v)| v.clone());
    let asked = !page.answers.is_empty();
    let questions: Vec<(GuideQuestion, Option<String>)> =
        page.questions.iter().map(|q| (q.clone(), answer(&q.field))).collect();
    view! {
        <Title text=heading.clone() />
        <section class="page page--narrow">
            <p class="breadcrumb"><a href=format!("/agreements/{id}")>{page.title.clone()}</a></p>
            <h1>{heading}</h1>
            <p class="lede">{i.t("guide.lede")}</p>
            <form method="get" action=format!("/agreements/{id}/guide") class="form" data-testid="guide-questions">
                {questions.into_iter().map(|(question, given)| view! { <Question question given /> }).collect_view()}
                <button type="submit" class="button" data-testid="guide-recommend">{i.t("guide.recommend")}</button>
            </form>
            {match page.recommendation.clone() {
                Some(found) => view! { <Recommended id found /> }.into_any(),
                None if asked => view! { <p class="notice" role="status" data-testid="guide-incomplete">{i.t("guide.incomplete")}</p> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}

#[component]
fn Question(question: GuideQuestion, given: Option<String>) -> impl IntoView {
    let i = use_i18n();
    let field = question.field.clone();
    let hint_id = format!("guide-{field}-hint");
    view! {
        <fieldset class="choices" aria-describedby=question.consortium_only.then(|| hint_id.clone())>
            <legend>{i.t(&question.key)}</legend>
            {question.consortium_only.then(|| view! { <p class="field__hint" id=hint_id.clone()>{i.t("guide.consortium_only")}</p> })}
            {question.options.iter().map(|option| {
                let input = format!("guide-{field}-{}", option.replace('+', "plus"));
                let label_key = match option.as_str() {
                    "yes" | "no" => format!("guide.option.{option}"),
                    "2" | "3" | "4+" => format!("guide.option.parties.{}", option.replace('+', "plus")),
                    other => format!("guide.option.{field}.{other}"),
                };
                view! {
                    <div class="choice">
                        <input type="radio" id=input.clone() name=field.clone() value=option.clone() checked=given.as_deref() == Some(option.as_str()) />
                        <label for=input>{i.t(&label_key)}</label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn Recommended(id: AgreementId, found: GuideRecommendation) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="notice notice--success" aria-labelledby="guide-result" data-testid="guide-result">
            <h2 id="guide-result">{i.t("guide.recommended")}</h2>
            {match found.model.clone() {
                Some(model) => view! {
                    <p><strong data-testid="guide-model">{model.name.clone()}</strong>
                        {model.example.then(|| view! { " " <span class="badge">{i.t("agreement.example_model")}</span> })}</p>
                    <p>{model.explanation.clone()}</p>
                }.into_any(),
                None => view! { <p>{i.t("guide.no_model")}</p> }.into_any(),
            }}
            <h3>{i.t("guide.why")}</h3>
            <ul data-testid="guide-reasons">
                {found.reasons.iter().map(|r| {
                    let args: Vec<(&str, &str)> = r.args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    view! { <li>{i.t_with(&r.key, &args)}</li> }
                }).collect_view()}
            </ul>
            {found.model.clone().map(|model| view! { <Take id model primary=true /> })}
            {(!found.runners_up.is_empty()).then(|| view! {
                <h3>{i.t("guide.also")}</h3>
                <ul class="plain-list">
                    {found.runners_up.iter().cloned().map(|model| view! {
                        <li><strong>{model.name.clone()}</strong>" " <span class="field__hint">{model.explanation.clone()}</span> <Take id model primary=false /></li>
                    }).collect_view()}
                </ul>
            })}
            <p><a href=format!("/agreements/{id}#models-heading")>{i.t("guide.all_models")}</a></p>
        </section>
    }
}

/// Chooses this model for the agreement; the guide then shows it as chosen.
#[component]
fn Take(id: AgreementId, model: ModelChoice, primary: bool) -> impl IntoView {
    let i = use_i18n();
    let action = crate::failed_form::remembered_action::<ChooseModel>();
    let hidden = vec![("id".to_owned(), id.to_string()), ("model".to_owned(), model.id.to_string())];
    let label =
        if model.chosen { i.t("guide.chosen") } else { i.t_with("guide.take", &[("model", &model.name)]) };
    let class = if primary { "button" } else { "button button--quiet" };
    let testid = if primary { "guide-take" } else { "guide-take-other" };
    command_form(
        action,
        hidden,
        format!("take-{}", model.id),
        Box::new(move || {
            view! { <button type="submit" class=class data-testid=testid disabled=model.chosen>{label.clone()}</button> }.into_any()
        }),
        None,
    )
}

/// Translation keys the guide builds at run time (checked by the i18n tests).
pub fn dynamic_translation_keys() -> Vec<String> {
    use kernel::agreement::guide::{BackgroundHolder, CompanyNeed, QUESTIONS};
    let mut keys: Vec<String> = QUESTIONS.iter().map(|q| q.key.to_owned()).collect();
    keys.extend(
        ["yes", "no", "parties.2", "parties.3", "parties.4plus"].map(|o| format!("guide.option.{o}")),
    );
    keys.extend(
        BackgroundHolder::ALL.iter().map(|o| format!("guide.option.essential_background.{}", o.code())),
    );
    keys.extend(CompanyNeed::ALL.iter().map(|o| format!("guide.option.company_needs.{}", o.code())));
    keys.extend(
        [
            "parties",
            "service_agreement",
            "unpublished",
            "market_price",
            "one_party_exploits",
            "company_needs",
            "background_protected",
            "equal_terms",
            "use_only",
            "exclusivity",
            "company_background",
            "ownership",
            "academic_background",
            "research_publishes",
        ]
        .map(|r| format!("guide.reason.{r}")),
    );
    keys
}
