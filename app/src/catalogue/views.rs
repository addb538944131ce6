//! The home page: what the portal is for, the seven nodes and the cohorts they hold.

use super::api::get_catalogue_overview;
use super::model::{CatalogueOverview, CohortSummary, NodeSummary, format_count};
use super::pages::ConsentTags;
use crate::i18n::use_i18n;
use crate::ui::Loaded;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let i = use_i18n();
    let overview = Resource::new(|| (), |_| get_catalogue_overview());
    view! {
        <Title text=String::new() />
        <section class="hero">
            <div class="hero__inner">
                <h1>{i.t("home.title")}</h1>
                <p class="hero__lede">{i.t("home.lede")}</p>
                <ul class="hero__paths">
                    <li><a class="card-link" href="/pages/cohort-access">
                        <strong>{i.t("home.path_access_title")}</strong>
                        <span>{i.t("home.path_access_text")}</span>
                    </a></li>
                    <li><a class="card-link" href="/pages/co-creation">
                        <strong>{i.t("home.path_cocreation_title")}</strong>
                        <span>{i.t("home.path_cocreation_text")}</span>
                    </a></li>
                    <li><a class="card-link" href="/nodes">
                        <strong>{i.t("home.path_nodes_title")}</strong>
                        <span>{i.t("home.path_nodes_text")}</span>
                    </a></li>
                </ul>
            </div>
        </section>
        <Loaded resource=overview page=true render={move |overview: CatalogueOverview| view! {
            <div class="page">
                <p class="notice notice--demo">{i.t("home.illustrative_notice")}</p>
                <NodeList nodes=overview.nodes />
                <CohortList cohorts=overview.cohorts />
            </div>
        }.into_any()} />
    }
}

#[component]
fn NodeList(nodes: Vec<NodeSummary>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section id="nodes" aria-labelledby="nodes-heading">
            <h2 id="nodes-heading">{i.t_with("home.nodes_heading", &[("count", &nodes.len().to_string())])}</h2>
            <ul class="card-grid">
                {nodes.into_iter().map(|node| {
                    let cohorts = i.t_with("home.node_cohorts", &[("count", &node.cohort_count.to_string())]);
                    let city = (node.city != node.name).then(|| view! { <p class="card__meta">{node.city.clone()}</p> });
                    view! {
                        <li class="card" id=format!("node-{}", node.slug)>
                            <h3 class="card__title"><a href=format!("/nodes/{}", node.slug)>{node.name}</a></h3>
                            {city}
                            <dl class="facts">
                                <dt>{i.t("home.universities")}</dt>
                                <dd>{node.universities.join(", ")}</dd>
                                <dt>{i.t("home.hospital")}</dt>
                                <dd>{node.hospitals.join(", ")}</dd>
                            </dl>
                            <p class="card__footer">{cohorts}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn CohortList(cohorts: Vec<CohortSummary>) -> impl IntoView {
    let i = use_i18n();
    let lang = i.lang;
    view! {
        <section id="cohorts" aria-labelledby="cohorts-heading">
            <h2 id="cohorts-heading">{i.t_with("home.cohorts_count", &[("count", &cohorts.len().to_string())])}</h2>
            <ul class="cohort-list">
                {cohorts.into_iter().map(|cohort| {
                    let ages = match (cohort.age_min, cohort.age_max) {
                        (Some(min), Some(max)) => i.t_with("home.age_range", &[("min", &min.to_string()), ("max", &max.to_string())]),
                        _ => i.t("home.age_unknown"),
                    };
                    view! {
                        <li class="cohort" id=format!("cohort-{}", cohort.slug)>
                            <h3 class="cohort__title">
                                <a href=format!("/datasets/{}", cohort.slug)>
                                    <abbr class="cohort__acronym">{cohort.acronym}</abbr>" "
                                    <span>{cohort.title}</span>
                                </a>
                            </h3>
                            <p class="cohort__description">{cohort.description}</p>
                            <dl class="facts facts--inline">
                                <dt>{i.t("home.participants")}</dt>
                                <dd>
                                    {format_count(cohort.participants, lang)}
                                    {cohort.illustrative.then(|| view! { <span class="tag tag--muted">{i.t("home.illustrative")}</span> })}
                                </dd>
                                <dt>{i.t("home.ages")}</dt>
                                <dd>{ages}</dd>
                                <dt>{i.t("home.held_at")}</dt>
                                <dd>{cohort.node_names.join(", ")}</dd>
                                <dt>{i.t("home.data_types")}</dt>
                                <dd>{cohort.data_types.iter().map(|d| i.t(&format!("vocab.data_type.{d}"))).collect::<Vec<_>>().join(", ")}</dd>
                                <dt>{i.t("home.consent_codes")}</dt>
                                <dd><ConsentTags codes=cohort.consent_codes /></dd>
                            </dl>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p><a class="button" href="/catalogue">{i.t("home.browse_catalogue")}</a></p>
        </section>
    }
}
