//! The catalogue's pages: search with facets, one dataset, the nodes, one node with its
//! harvests, and the node form for coordinators. Searches live in the URL, so a result
//! can be shared and the back button works; facets are links, so they work without
//! JavaScript too.

use super::api::{HarvestNodeNow, UpdateNode, get_dataset, get_node, list_nodes, search_datasets};
use super::model::{
    AccessRights, ConsentCode, DatasetDetail, DatasetQuery, DatasetSearchResult, DatasetSummary, Facet,
    FacetGroup, HarvestOutcome, HarvestRunView, NODE_SERVICES, NodeDetail, NodeRef, Origin, SizeRange,
    SortOrder, format_count,
};
use crate::cohort_access::pages::{BasketControl, NodeRulesForm};
use crate::error::AppError;
use crate::forms::{error_at, successes};
use crate::i18n::{I18n, display_utc, use_i18n};
use crate::ui::{DataTable, ErrorNotice, FieldError, Loaded, Pager, TableName};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map};

pub const CATALOGUE_PATH: &str = "/catalogue";

fn search_href(query: &DatasetQuery) -> String {
    let text = query.to_query_string();
    if text.is_empty() { CATALOGUE_PATH.to_owned() } else { format!("{CATALOGUE_PATH}?{text}") }
}

fn slug_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.get().get("slug").unwrap_or_default())
}

fn vocabulary_label(i: I18n, facet: Facet, value: &str) -> String {
    match facet {
        Facet::DataType | Facet::SampleType | Facet::DiseaseArea => {
            i.t(&format!("vocab.{}.{value}", facet.param()))
        }
        Facet::Duo => super::model::DuoTerm::parse(value)
            .map(|t| format!("{} – {}", t.abbreviation(), i.t(&t.label_key())))
            .unwrap_or_else(|| value.to_owned()),
        Facet::Size => {
            SizeRange::parse(value).map(|s| i.t(&s.label_key())).unwrap_or_else(|| value.to_owned())
        }
        Facet::Node => value.to_owned(),
    }
}

fn age_text(i: I18n, min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => {
            i.t_with("home.age_range", &[("min", &min.to_string()), ("max", &max.to_string())])
        }
        _ => i.t("home.age_unknown"),
    }
}

fn node_names(i: I18n, nodes: &[NodeRef]) -> String {
    nodes.iter().map(|n| n.name.get(i.lang).to_owned()).collect::<Vec<_>>().join(", ")
}

/// A record's DUO codes as tags; modifiers look different from the primary code.
#[component]
pub fn ConsentTags(codes: Vec<ConsentCode>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <ul class="tags">
            {codes.into_iter().map(|code| {
                let label = i.t(&code.term.label_key());
                view! {
                    <li class="tag" class:tag--modifier=!code.term.is_primary() title=format!("{} ({})", label, code.term.duo_id())>
                        {code.short()}
                        <span class="visually-hidden">{format!(": {label}")}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn CataloguePage() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let search = Memo::new(move |_| location.search.get());
    let results = Resource::new(move || search.get(), search_datasets);
    // A query the catalogue cannot read: say so above an empty search form.
    let bad_query = Callback::new(move |error: AppError| {
        if !matches!(error, AppError::Invalid { .. }) {
            return Err(error);
        }
        Ok(view! {
            <SearchForm query=DatasetQuery::default() />
            <p class="notice notice--error" role="alert">{i.t("catalogue.bad_query")}</p>
        }
        .into_any())
    });
    view! {
        <Title text=i.t("catalogue.title") />
        <section class="page">
            <h1>{i.t("catalogue.title")}</h1>
            <p class="lede">{i.t("catalogue.lede")}</p>
            <Loaded resource=results recover=bad_query render={|result: DatasetSearchResult| view! { <SearchResults result /> }.into_any()} />
        </section>
    }
}

#[component]
fn SearchForm(query: DatasetQuery) -> impl IntoView {
    let i = use_i18n();
    let hidden: Vec<(&'static str, String)> =
        Facet::ALL.iter().flat_map(|f| query.selected(*f).into_iter().map(move |v| (f.param(), v))).collect();
    view! {
        <form method="get" action=CATALOGUE_PATH class="search" role="search">
            <label for="catalogue-q">{i.t("catalogue.search_label")}</label>
            <div class="search__row">
                <input id="catalogue-q" type="search" name="q" value=query.text.clone() autocomplete="off" />
                <label for="catalogue-sort" class="visually-hidden">{i.t("catalogue.sort_label")}</label>
                <select id="catalogue-sort" name="sort">
                    {SortOrder::ALL.into_iter().map(|sort| view! {
                        <option value=sort.code() selected=sort == query.sort>{i.t(&format!("catalogue.sort.{}", sort.code()))}</option>
                    }).collect_view()}
                </select>
                {hidden.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value /> }).collect_view()}
                <button type="submit" class="button">{i.t("catalogue.search_button")}</button>
            </div>
        </form>
    }
}

#[component]
fn SearchResults(result: DatasetSearchResult) -> impl IntoView {
    let i = use_i18n();
    let query = result.query.clone();
    let page_count = result.page_count();
    let previous = (query.page > 1).then(|| search_href(&query.on_page(query.page - 1)));
    let next = (query.page < page_count).then(|| search_href(&query.on_page(query.page + 1)));
    let heading = i.t_with("catalogue.result_count", &[("count", &format_count(result.total, i.lang))]);
    let reset = (query.has_filters() || !query.text.is_empty()).then(|| {
        view! {
            <p><a href=CATALOGUE_PATH>{i.t("catalogue.reset")}</a></p>
        }
    });
    let empty =
        result.items.is_empty().then(|| view! { <p class="notice">{i.t("catalogue.no_results")}</p> });
    view! {
        <SearchForm query=query.clone() />
        <div class="catalogue">
            <aside class="facets" aria-label=i.t("catalogue.filters")>
                <h2 class="facets__heading">{i.t("catalogue.filters")}</h2>
                {result.facets.into_iter().map(|group| view! { <FacetList group query=query.clone() /> }).collect_view()}
                {reset}
            </aside>
            <div class="results">
                <h2 class="results__count" aria-live="polite" data-testid="result-count">{heading}</h2>
                {empty}
                <ul class="dataset-list">
                    {result.items.into_iter().map(|item| view! { <DatasetCard item /> }).collect_view()}
                </ul>
                <Pager
                    label=i.t("catalogue.pages")
                    previous=previous.map(|href| (href, i.t("catalogue.previous")))
                    next=next.map(|href| (href, i.t("catalogue.next")))
                    status=i.t_with("catalogue.page_of", &[("page", &query.page.to_string()), ("count", &page_count.to_string())])
                />
            </div>
        </div>
    }
}

#[component]
fn FacetList(group: FacetGroup, query: DatasetQuery) -> impl IntoView {
    let i = use_i18n();
    let facet = group.facet;
    let heading_id = format!("facet-{}", facet.param());
    let labelled_by = heading_id.clone();
    view! {
        <section class="facet" aria-labelledby=labelled_by>
            <h3 id=heading_id class="facet__heading">{i.t(&facet.label_key())}</h3>
            <ul class="facet__values">
                {group.values.into_iter().map(|value| {
                    let label = match &value.label {
                        Some(name) => name.get(i.lang).to_owned(),
                        None => vocabulary_label(i, facet, &value.value),
                    };
                    let href = search_href(&query.toggled(facet, &value.value));
                    let state = if value.selected { i.t("catalogue.filter_on") } else { i.t("catalogue.filter_off") };
                    view! {
                        <li>
                            <a href=href class="facet__value" class:facet__value--on=value.selected
                                data-facet=facet.param() data-value=value.value.clone()>
                                <span class="facet__box" aria-hidden="true">{if value.selected { "☑" } else { "☐" }}</span>
                                <span class="facet__label">{label}</span>
                                <span class="facet__count">{format_count(value.count, i.lang)}</span>
                                <span class="visually-hidden">{format!(" ({state})")}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn DatasetCard(item: DatasetSummary) -> impl IntoView {
    let i = use_i18n();
    let href = format!("/datasets/{}", item.slug);
    let origin = match item.origin {
        Origin::Harvested => i.t("catalogue.origin.harvested"),
        Origin::Entered => i.t("catalogue.origin.entered"),
    };
    let data_types =
        item.data_types.iter().map(|d| i.t(&format!("vocab.data_type.{d}"))).collect::<Vec<_>>().join(", ");
    view! {
        <li class="dataset" data-testid="dataset-card">
            <h3 class="dataset__title">
                <a href=href>
                    {(!item.acronym.is_empty()).then(|| view! { <abbr class="cohort__acronym">{item.acronym.clone()}</abbr>" " })}
                    <span>{item.title.get(i.lang).to_owned()}</span>
                </a>
            </h3>
            <p class="dataset__description">{item.description.get(i.lang).to_owned()}</p>
            <dl class="facts facts--inline">
                <dt>{i.t("home.held_at")}</dt>
                <dd>{node_names(i, &item.nodes)}</dd>
                <dt>{i.t("home.participants")}</dt>
                <dd>{format_count(item.participants, i.lang)}</dd>
                <dt>{i.t("home.ages")}</dt>
                <dd>{age_text(i, item.age_min, item.age_max)}</dd>
                <dt>{i.t("home.data_types")}</dt>
                <dd>{data_types}</dd>
                <dt>{i.t("home.consent_codes")}</dt>
                <dd><ConsentTags codes=item.consent_codes /></dd>
            </dl>
            <p class="dataset__origin">
                {origin}
                {item.illustrative.then(|| view! { <span class="tag tag--muted">{i.t("catalogue.demo_record")}</span> })}
            </p>
        </li>
    }
}

#[component]
pub fn DatasetPage() -> impl IntoView {
    let slug = slug_param();
    let dataset = Resource::new(move || slug.get(), get_dataset);
    view! {
        <Loaded resource=dataset page=true render={|dataset: DatasetDetail| view! { <DatasetView dataset /> }.into_any()} />
    }
}

#[component]
fn DatasetView(dataset: DatasetDetail) -> impl IntoView {
    let i = use_i18n();
    let record = dataset.record.clone();
    let title = record.title.get(i.lang).to_owned();
    let list = |facet: &str, values: &[String]| {
        values.iter().map(|v| i.t(&format!("vocab.{facet}.{v}"))).collect::<Vec<_>>().join(", ")
    };
    let origin = match (&dataset.origin, &dataset.source_node) {
        (Origin::Harvested, Some(node)) => {
            i.t_with("catalogue.harvested_from", &[("node", node.name.get(i.lang))])
        }
        _ => i.t("catalogue.origin.entered"),
    };
    let back_link = record.landing_page.clone().map(|href| view! {
        <p><a class="external" href=href data-testid="node-catalogue-link" rel="external">{i.t("catalogue.view_at_node")}</a></p>
    });
    let withdrawn = dataset.withdrawn_at.clone().map(|at| view! {
        <p class="notice notice--error" role="status">{i.t_with("catalogue.withdrawn", &[("date", &display_utc(&at))])}</p>
    });
    let committee = record.access_committee.clone().unwrap_or_else(|| i.t("catalogue.committee_of_node"));
    let keywords = record.keywords.join(", ");
    let decided_by = dataset
        .deciding_node
        .as_ref()
        .map(|n| i.t_with("catalogue.decided_by", &[("node", n.name.get(i.lang))]));
    view! {
        <Title text=title.clone() />
        <article class="page dataset-page">
            <p class="breadcrumbs"><a href=CATALOGUE_PATH>{i.t("catalogue.title")}</a></p>
            <h1>
                {(!record.acronym.is_empty()).then(|| view! { <abbr class="cohort__acronym">{record.acronym.clone()}</abbr>" " })}
                {title}
            </h1>
            {withdrawn}
            {dataset.illustrative.then(|| view! { <p class="notice notice--demo">{i.t("catalogue.demo_record_notice")}</p> })}
            <p class="lede">{record.description.get(i.lang).to_owned()}</p>
            {dataset.withdrawn_at.is_none().then(|| view! {
                <section class="apply-box" aria-labelledby="apply-heading" data-testid="apply-for-access">
                    <h2 id="apply-heading" class="apply-box__heading">{i.t("catalogue.apply")}</h2>
                    <p>{decided_by.clone()}" "<a href="/pages/cohort-access">{i.t("catalogue.how_access_works")}</a></p>
                    <BasketControl slug=dataset.slug.clone() />
                </section>
            })}
            <dl class="facts">
                <dt>{i.t("home.held_at")}</dt>
                <dd data-testid="dataset-nodes">
                    {dataset.nodes.iter().map(|n| view! { <a href=format!("/nodes/{}", n.slug) class="node-link">{n.name.get(i.lang).to_owned()}</a>" " }).collect_view()}
                </dd>
                <dt>{i.t("catalogue.population")}</dt>
                <dd>{record.population.get(i.lang).to_owned()}</dd>
                <dt>{i.t("home.participants")}</dt>
                <dd>{format_count(record.participants, i.lang)}</dd>
                <dt>{i.t("home.ages")}</dt>
                <dd>{age_text(i, record.age_min, record.age_max)}</dd>
                <dt>{i.t("home.data_types")}</dt>
                <dd>{list("data_type", &record.data_types)}</dd>
                <dt>{i.t("catalogue.facet.sample_type")}</dt>
                <dd>{list("sample_type", &record.sample_types)}</dd>
                <dt>{i.t("catalogue.facet.disease_area")}</dt>
                <dd>{list("disease_area", &record.disease_areas)}</dd>
                <dt>{i.t("catalogue.keywords")}</dt>
                <dd>{keywords}</dd>
                <dt>{i.t("home.consent_codes")}</dt>
                <dd><ConsentTags codes=record.consent_codes.clone() /></dd>
                <dt>{i.t("catalogue.access_conditions")}</dt>
                <dd>{record.access_conditions.get(i.lang).to_owned()}</dd>
                <dt>{i.t("catalogue.access_committee")}</dt>
                <dd>{committee}</dd>
                <dt>{i.t("catalogue.access_rights_label")}</dt>
                <dd>{i.t(&record.access_rights.label_key())}</dd>
                <dt>{i.t("catalogue.origin_label")}</dt>
                <dd data-testid="dataset-origin">{origin}</dd>
                <dt>{i.t("catalogue.last_modified")}</dt>
                <dd>{record.last_modified.as_deref().map(display_utc).unwrap_or_default()}</dd>
            </dl>
            {back_link}
        </article>
    }
}

#[component]
pub fn NodesPage() -> impl IntoView {
    let i = use_i18n();
    let nodes = Resource::new(|| (), |_| list_nodes());
    view! {
        <Title text=i.t("nodes.title") />
        <section class="page">
            <h1>{i.t("nodes.title")}</h1>
            <p class="lede">{i.t("nodes.lede")}</p>
            <Loaded resource=nodes render={move |nodes: Vec<NodeDetail>| view! {
                <ul class="card-grid">
                    {nodes.into_iter().map(|node| view! {
                        <li class="card">
                            <h2 class="card__title"><a href=format!("/nodes/{}", node.slug)>{node.name.get(i.lang).to_owned()}</a></h2>
                            <dl class="facts">
                                <dt>{i.t("home.universities")}</dt>
                                <dd>{node.universities.join(", ")}</dd>
                                <dt>{i.t("home.hospital")}</dt>
                                <dd>{node.hospitals.join(", ")}</dd>
                                <dt>{i.t("nodes.services")}</dt>
                                <dd>{node.services.iter().map(|s| i.t(&format!("vocab.service.{s}"))).collect::<Vec<_>>().join(", ")}</dd>
                            </dl>
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()} />
        </section>
    }
}

#[component]
pub fn NodePage() -> impl IntoView {
    let slug = slug_param();
    let harvest = crate::failed_form::remembered_action::<HarvestNodeNow>();
    let harvested = successes(harvest);
    let node = Resource::new(move || (slug.get(), harvested.get()), |(slug, _)| get_node(slug));
    view! {
        <Loaded resource=node page=true render={move |node: NodeDetail| view! { <NodeView node harvest /> }.into_any()} />
    }
}

#[component]
fn NodeView(node: NodeDetail, harvest: ServerAction<HarvestNodeNow>) -> impl IntoView {
    let i = use_i18n();
    let name = node.name.get(i.lang).to_owned();
    let services =
        node.services.iter().map(|s| i.t(&format!("vocab.service.{s}"))).collect::<Vec<_>>().join(", ");
    let contact = match (&node.contact_name, &node.contact_email) {
        (Some(name), Some(email)) => {
            view! { {name.clone()}", "<a href=format!("mailto:{email}")>{email.clone()}</a> }.into_any()
        }
        (None, Some(email)) => view! { <a href=format!("mailto:{email}")>{email.clone()}</a> }.into_any(),
        (Some(name), None) => name.clone().into_any(),
        (None, None) => i.t("nodes.no_contact").into_any(),
    };
    let site = node
        .catalogue_site_url
        .clone()
        .map(|href| view! { <a href=href rel="external">{i.t("nodes.catalogue_site_link")}</a> });
    let machine = node.catalogue_url.clone().map(|href| view! { <code class="url">{href}</code> });
    let demo = node.catalogue_is_demo.then(|| view! { <p class="notice notice--demo" data-testid="demo-catalogue">{i.t("nodes.demo_catalogue")}</p> });
    let edit = node.can_edit.then(|| view! { <p><a class="button button--quiet" href=format!("/nodes/{}/edit", node.slug)>{i.t("nodes.edit")}</a></p> });
    let can_harvest = node.can_edit && node.catalogue_url.is_some();
    let slug = node.slug.clone();
    let harvest_error = Signal::derive(move || {
        error_at(i, harvest.value().get(), "harvest").or_else(|| error_at(i, harvest.value().get(), ""))
    });
    let last_run = Signal::derive(move || match harvest.value().get() {
        Some(Ok(run)) => Some(run),
        _ => None,
    });
    let dataset_count = i.t_with("nodes.datasets_heading", &[("count", &node.datasets.len().to_string())]);
    view! {
        <Title text=name.clone() />
        <article class="page node-page">
            <p class="breadcrumbs"><a href="/nodes">{i.t("nodes.title")}</a></p>
            <h1>{name}</h1>
            <p class="lede">{node.description.get(i.lang).to_owned()}</p>
            {edit}
            <dl class="facts">
                <dt>{i.t("home.universities")}</dt>
                <dd>{node.universities.join(", ")}</dd>
                <dt>{i.t("home.hospital")}</dt>
                <dd>{node.hospitals.join(", ")}</dd>
                <dt>{i.t("nodes.city")}</dt>
                <dd>{node.city.clone()}</dd>
                <dt>{i.t("nodes.services")}</dt>
                <dd>{services}</dd>
                <dt>{i.t("nodes.contact")}</dt>
                <dd>{contact}</dd>
                <dt>{i.t("nodes.catalogue_site")}</dt>
                <dd>{site.map(|s| s.into_any()).unwrap_or_else(|| i.t("nodes.no_catalogue_site").into_any())}</dd>
                <dt>{i.t("nodes.catalogue_url")}</dt>
                <dd>{machine.map(|m| m.into_any()).unwrap_or_else(|| i.t("nodes.no_catalogue").into_any())}</dd>
            </dl>
            {demo}
            <section aria-labelledby="harvests-heading">
                <h2 id="harvests-heading">{i.t("nodes.harvests_heading")}</h2>
                {can_harvest.then(|| view! {
                    <ActionForm action=harvest attr:class="inline-form">
                        <input type="hidden" name="slug" value=slug.clone() />
                        <button type="submit" class="button" data-testid="harvest-now">{i.t("nodes.harvest_now")}</button>
                    </ActionForm>
                })}
                <FieldError id="harvest-error".into() message=harvest_error />
                {move || last_run.get().map(|run| view! { <p class="notice" role="status" data-testid="harvest-result">{run_summary(i, &run)}</p> })}
                <HarvestRuns runs=node.harvest_runs />
            </section>
            <section aria-labelledby="node-datasets-heading">
                <h2 id="node-datasets-heading">{dataset_count}</h2>
                <ul class="dataset-list">
                    {node.datasets.into_iter().map(|item| view! { <DatasetCard item /> }).collect_view()}
                </ul>
            </section>
        </article>
    }
}

fn run_summary(i: I18n, run: &HarvestRunView) -> String {
    match run.outcome {
        HarvestOutcome::Succeeded => i.t_with(
            "nodes.run_succeeded",
            &[
                ("pages", &run.pages.to_string()),
                ("seen", &run.datasets_seen.to_string()),
                ("created", &run.created.to_string()),
                ("updated", &run.updated.to_string()),
                ("unchanged", &run.unchanged.to_string()),
                ("withdrawn", &run.withdrawn.to_string()),
            ],
        ),
        HarvestOutcome::Failed => {
            i.t_with("nodes.run_failed", &[("error", run.error.as_deref().unwrap_or_default())])
        }
        HarvestOutcome::Running => i.t("nodes.run_running"),
    }
}

#[component]
fn HarvestRuns(runs: Vec<HarvestRunView>) -> impl IntoView {
    let i = use_i18n();
    if runs.is_empty() {
        return view! { <p>{i.t("nodes.no_harvests")}</p> }.into_any();
    }
    view! {
        <DataTable name=TableName::Label(i.t("nodes.harvests_heading")) testid="harvest-runs">
            <thead>
                <tr>
                    <th scope="col">{i.t("nodes.run_started")}</th>
                    <th scope="col">{i.t("nodes.run_by")}</th>
                    <th scope="col">{i.t("nodes.run_outcome")}</th>
                    <th scope="col">{i.t("nodes.run_pages")}</th>
                    <th scope="col">{i.t("nodes.run_counts")}</th>
                </tr>
            </thead>
            <tbody>
                {runs.into_iter().map(|run| {
                    let by = run.requested_by.clone().unwrap_or_else(|| i.t("nodes.run_schedule"));
                    let outcome = i.t(&format!("nodes.outcome.{}", run.outcome.code()));
                    let failed = run.outcome == HarvestOutcome::Failed;
                    let counts = i.t_with("nodes.run_count_cells", &[
                        ("created", &run.created.to_string()),
                        ("updated", &run.updated.to_string()),
                        ("unchanged", &run.unchanged.to_string()),
                        ("withdrawn", &run.withdrawn.to_string()),
                    ]);
                    let warnings = (!run.warnings.is_empty()).then(|| view! {
                        <details><summary>{i.t_with("nodes.run_warnings", &[("count", &run.warnings.len().to_string())])}</summary>
                            <ul>{run.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
                        </details>
                    });
                    view! {
                        <tr class:run--failed=failed>
                            <td><time datetime=run.started_at.clone()>{display_utc(&run.started_at)}</time></td>
                            <td>{by}</td>
                            <td>
                                <strong>{outcome}</strong>
                                {run.error.clone().map(|e| view! { <p class="run__error" data-testid="run-error">{e}</p> })}
                            </td>
                            <td>{run.pages}</td>
                            <td>{counts}{warnings}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </DataTable>
    }
    .into_any()
}

#[component]
pub fn NodeEditPage() -> impl IntoView {
    let slug = slug_param();
    let node = Resource::new(move || slug.get(), get_node);
    view! {
        <Loaded resource=node page=true render={|node: NodeDetail| {
            if !node.can_edit {
                return view! { <ErrorNotice error=AppError::Forbidden /> }.into_any();
            }
            let slug = node.slug.clone();
            view! { <NodeForm node /> <div class="page page--narrow"><NodeRulesForm slug /></div> }.into_any()
        }} />
    }
}

#[component]
fn NodeForm(node: NodeDetail) -> impl IntoView {
    let i = use_i18n();
    let update = crate::failed_form::remembered_action::<UpdateNode>();
    let saved = successes(update);
    let value = update.value();
    let error = move |field: &'static str| Signal::derive(move || error_at(i, value.get(), field));
    let described = |field: &str| format!("node-{field}-error");
    let text_field = move |field: &'static str, label: String, current: String, kind: &'static str| {
        view! {
            <div class="field">
                <label for=format!("node-{field}")>{label}</label>
                <input id=format!("node-{field}") name=field type=kind value=current aria-describedby=described(field) />
                <FieldError id=described(field) message=error(field) />
            </div>
        }
    };
    let area_field = move |field: &'static str, label: String, current: String| {
        view! {
            <div class="field">
                <label for=format!("node-{field}")>{label}</label>
                <textarea id=format!("node-{field}") name=field rows="4" aria-describedby=described(field)>{current}</textarea>
                <FieldError id=described(field) message=error(field) />
            </div>
        }
    };
    let name = node.name.get(i.lang).to_owned();
    view! {
        <Title text=i.t_with("nodes.edit_title", &[("node", &name)]) />
        <section class="page page--narrow">
            <p class="breadcrumbs"><a href=format!("/nodes/{}", node.slug)>{name.clone()}</a></p>
            <h1>{i.t_with("nodes.edit_title", &[("node", &name)])}</h1>
            <ActionForm action=update attr:class="form" attr:novalidate=true>
                <input type="hidden" name="slug" value=node.slug.clone() />
                {area_field("description_sv", i.t("nodes.description_sv"), node.description.sv.clone())}
                {area_field("description_en", i.t("nodes.description_en"), node.description.en.clone())}
                {text_field("contact_name", i.t("nodes.contact_name"), node.contact_name.clone().unwrap_or_default(), "text")}
                {text_field("contact_email", i.t("nodes.contact_email"), node.contact_email.clone().unwrap_or_default(), "email")}
                {text_field("catalogue_site_url", i.t("nodes.catalogue_site"), node.catalogue_site_url.clone().unwrap_or_default(), "url")}
                {text_field("catalogue_url", i.t("nodes.catalogue_url"), node.catalogue_url.clone().unwrap_or_default(), "url")}
                <fieldset class="field" aria-describedby=described("services")>
                    <legend>{i.t("nodes.services")}</legend>
                    {NODE_SERVICES.iter().map(|service| view! {
                        <label class="checkbox">
                            <input type="checkbox" name="services[]" value=*service checked=node.services.iter().any(|s| s == service) />
                            {i.t(&format!("vocab.service.{service}"))}
                        </label>
                    }).collect_view()}
                    <FieldError id=described("services") message=error("services") />
                </fieldset>
                <FieldError id="node-form-error".into() message=error("") />
                <button type="submit" class="button">{i.t("nodes.save")}</button>
                {move || (saved.get() > 0).then(|| view! { <p class="notice notice--ok" role="status">{i.t("nodes.saved")}</p> })}
            </ActionForm>
        </section>
    }
}

/// Translation keys this module builds at run time (checked by the i18n tests).
pub fn dynamic_translation_keys() -> Vec<String> {
    let mut keys: Vec<String> =
        SortOrder::ALL.iter().map(|s| format!("catalogue.sort.{}", s.code())).collect();
    keys.extend(Facet::ALL.iter().map(|f| f.label_key()));
    keys.extend(SizeRange::ALL.iter().map(|s| s.label_key()));
    keys.extend(AccessRights::ALL.iter().map(|a| a.label_key()));
    keys.extend(["running", "succeeded", "failed"].iter().map(|o| format!("nodes.outcome.{o}")));
    keys
}
