//! A node's rules for deciding access, on its edit page: the decision clock and the vote.

use crate::cohort_access::api::{UpdateNodeRules, get_node_rules};
use crate::cohort_access::model::NodeRulesView;
use crate::forms::{error_at, successes};
use crate::i18n::use_i18n;
use crate::ui::{FieldError, Loaded};
use leptos::prelude::*;

#[component]
pub fn NodeRulesForm(slug: String) -> impl IntoView {
    let i = use_i18n();
    let update = crate::failed_form::remembered_action::<UpdateNodeRules>();
    let saved = successes(update);
    let key = slug.clone();
    let rules = Resource::new(move || (key.clone(), saved.get()), |(slug, _)| get_node_rules(slug));
    let error = move |field: &'static str| Signal::derive(move || error_at(i, update.value().get(), field));
    view! {
        <section aria-labelledby="rules-heading" class="node-rules">
            <h2 id="rules-heading">{i.t("rules.heading")}</h2>
            <p>{i.t("rules.explain")}</p>
            <Loaded resource=rules render={move |rules: NodeRulesView| {
                let slug = slug.clone();
                let number = move |field: &'static str, value: String| view! {
                    <div class="field">
                        <label for=format!("rules-{field}")>{i.t(&format!("rules.{field}"))}</label>
                        <input id=format!("rules-{field}") name=format!("rules[{field}]") type="number" inputmode="numeric" value=value
                            aria-describedby=format!("rules-{field}-error") />
                        <FieldError id=format!("rules-{field}-error") message=error(field) />
                    </div>
                };
                view! {
                    <ActionForm action=update attr:class="form-grid" attr:novalidate=true>
                        <input type="hidden" name="slug" value=slug />
                        {number("decision_months", rules.decision_months.to_string())}
                        {number("extension_months", rules.extension_months.to_string())}
                        {number("quorum", rules.quorum.to_string())}
                        <div class="field">
                            <label for="rules-majority">{i.t("rules.majority")}</label>
                            <select id="rules-majority" name="rules[majority]">
                                {["simple", "two_thirds"].into_iter().map(|m| view! {
                                    <option value=m selected=rules.majority == m>{i.t(&format!("rules.majority.{m}"))}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="rules-chair">{i.t("rules.chair")}</label>
                            <select id="rules-chair" name="rules[chair]" aria-describedby="rules-chair-error">
                                <option value="">{i.t("rules.no_chair")}</option>
                                {rules.committee.iter().map(|(id, name)| view! {
                                    <option value=id.to_string() selected=rules.chair == Some(*id)>{name.clone()}</option>
                                }).collect_view()}
                            </select>
                            <FieldError id="rules-chair-error".into() message=error("chair") />
                        </div>
                        <div class="field field--checks">
                            <label class="checkbox">
                                <input type="checkbox" name="rules[chair_decides_ties]" value="true" checked=rules.chair_decides_ties />
                                {i.t("rules.chair_decides_ties")}
                            </label>
                        </div>
                        <div class="field field--actions">
                            <button type="submit" class="button" data-testid="save-rules">{i.t("rules.save")}</button>
                        </div>
                    </ActionForm>
                    {move || (saved.get() > 0).then(|| view! { <p class="notice notice--ok" role="status">{i.t("rules.saved")}</p> })}
                }.into_any()
            }} />
        </section>
    }
    .into_any()
}
