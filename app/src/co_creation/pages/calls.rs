//! Calls: the public list, a call's page (with its numbers once closed), the editor for
//! administrators, and the ranked panel view for the board.

use crate::co_creation::api::{
    ManageCall, SaveCall, StartProposal, get_call, get_call_editor, get_panel, list_calls,
};
use crate::co_creation::model::{CallEditor, CallPage, CallPhase, CallSummary, CriterionView, PanelPage};
use crate::forms::{Refresh, error_at, successes};
use crate::i18n::{I18n, use_i18n};
use crate::ui::{DataTable, FieldError, Loaded, TableName};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn phase(i: I18n, phase: CallPhase) -> String {
    i.t(&format!("call.phase.{}", phase.code()))
}

#[component]
pub fn CallsPage() -> impl IntoView {
    let i = use_i18n();
    let calls = Resource::new(|| (), |_| list_calls());
    view! {
        <Title text=i.t("calls.title") />
        <section class="page">
            <h1>{i.t("calls.title")}</h1>
            <p class="lede">{i.t("calls.lede")}" "<a href="/pages/co-creation">{i.t("calls.how_it_works")}</a></p>
            <Loaded resource=calls render={move |calls: Vec<CallSummary>| {
                let (current, closed): (Vec<_>, Vec<_>) = calls.into_iter().partition(|c| c.phase != CallPhase::Closed);
                view! {
                    <h2>{i.t("calls.current")}</h2>
                    {if current.is_empty() {
                        view! { <p class="notice">{i.t("calls.none_open")}</p> }.into_any()
                    } else {
                        view! { <ul class="card-list" data-testid="open-calls">{current.into_iter().map(|c| view! { <CallCard call=c /> }).collect_view()}</ul> }.into_any()
                    }}
                    {(!closed.is_empty()).then(|| view! {
                        <h2>{i.t("calls.closed")}</h2>
                        <ul class="card-list" data-testid="closed-calls">{closed.into_iter().map(|c| view! { <CallCard call=c /> }).collect_view()}</ul>
                    })}
                }.into_any()
            }} />
        </section>
    }
}

#[component]
fn CallCard(call: CallSummary) -> impl IntoView {
    let i = use_i18n();
    view! {
        <li class="card">
            <h3><a href=format!("/calls/{}", call.slug)>{call.title.get(i.lang).to_owned()}</a></h3>
            <p>
                <span class="tag">{phase(i, call.phase)}</span>" "
                {i.t_with("call.window", &[("opens", &call.opens), ("closes", &call.closes)])}
            </p>
            <p>{i.t_with("call.trl_range", &[("min", &call.trl_min.to_string()), ("max", &call.trl_max.to_string())])}
                {(!call.disease_areas.is_empty()).then(|| format!(" · {}", call.disease_areas.join(", ")))}</p>
        </li>
    }
}

#[component]
pub fn CallPageView() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.get().get("slug").unwrap_or_default());
    let page = Resource::new(move || slug.get(), get_call);
    view! { <Loaded resource=page render={move |page: CallPage| view! { <CallView page /> }.into_any()} /> }
}

#[component]
pub fn CriteriaTable(criteria: Vec<CriterionView>, overall_threshold: String) -> impl IntoView {
    let i = use_i18n();
    view! {
        <DataTable name=TableName::Caption { id: "criteria-caption", text: i.t("call.criteria_caption") } testid="criteria">
            <thead><tr>
                <th scope="col">{i.t("call.criterion")}</th>
                <th scope="col">{i.t("call.threshold")}</th>
                <th scope="col">{i.t("call.weight")}</th>
            </tr></thead>
            <tbody>
                {criteria.into_iter().map(|c| view! {
                    <tr>
                        <th scope="row">{c.name.get(i.lang).to_owned()}<p class="field__hint">{c.description.get(i.lang).to_owned()}</p></th>
                        <td>{c.threshold.clone()}" / 5"</td>
                        <td>{c.weight}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </DataTable>
        <p>{i.t_with("call.overall_threshold", &[("threshold", &overall_threshold)])}</p>
    }
}

#[component]
fn CallView(page: CallPage) -> impl IntoView {
    let i = use_i18n();
    let call = page.call.clone();
    let title = call.title.get(i.lang).to_owned();
    let start = crate::failed_form::remembered_action::<StartProposal>();
    let start_error =
        move |field: &'static str| Signal::derive(move || error_at(i, start.value().get(), field));
    let open = call.phase == CallPhase::Open;
    view! {
        <Title text=title.clone() />
        <article class="page" data-testid="call">
            <p class="breadcrumbs"><a href="/calls">{i.t("calls.title")}</a></p>
            <h1>{title}</h1>
            <p>
                <span class="tag" data-testid="call-phase">{phase(i, call.phase)}</span>" "
                {i.t_with("call.window", &[("opens", &call.opens), ("closes", &call.closes)])}
            </p>
            {(page.can_manage || page.can_view_panel).then(|| view! {
                <p class="actions">
                    {page.can_manage.then(|| view! { <a class="button button--quiet" href=format!("/calls/{}/edit", call.slug)>{i.t("call.edit")}</a> })}
                    {page.can_view_panel.then(|| view! { " "<a class="button button--quiet" href=format!("/calls/{}/panel", call.slug)>{i.t("panel.title")}</a> })}
                </p>
            })}
            <div class="prose" inner_html=page.body.get(i.lang).to_owned()></div>
            <h2>{i.t("call.eligibility")}</h2>
            <ul>
                <li>{i.t_with("call.trl_range", &[("min", &call.trl_min.to_string()), ("max", &call.trl_max.to_string())])}</li>
                {(!call.disease_areas.is_empty()).then(|| view! { <li>{i.t("call.disease_areas")}": "{call.disease_areas.join(", ")}</li> })}
                <li>{if call.expression_of_interest { i.t("call.stages_eoi") } else { i.t("call.stages_full") }}</li>
            </ul>
            <h2>{i.t("call.how_selected")}</h2>
            <p>{i.t_with("call.method", &[("reviewers", &page.reviewers_per_proposal.to_string())])}</p>
            <CriteriaTable criteria=page.criteria.clone() overall_threshold=page.overall_threshold.clone() />
            {page.outcome.clone().map(|outcome| view! {
                <section aria-labelledby="outcome-heading" data-testid="call-outcome">
                    <h2 id="outcome-heading">{i.t("call.outcome")}</h2>
                    <dl class="facts">
                        <dt>{i.t("call.received")}</dt><dd data-testid="received">{outcome.received}</dd>
                        <dt>{i.t("call.eligible")}</dt><dd data-testid="eligible">{outcome.eligible}</dd>
                        <dt>{i.t("call.selected")}</dt>
                        <dd data-testid="selected">{outcome.selected.map(|n| n.to_string()).unwrap_or_else(|| i.t("call.not_yet_released"))}</dd>
                        {outcome.reserve.map(|n| view! { <dt>{i.t("call.reserve")}</dt><dd>{n}</dd> })}
                    </dl>
                    {(!outcome.named.is_empty()).then(|| view! {
                        <h3>{i.t("call.selected_projects")}</h3>
                        <ul data-testid="named-projects">{outcome.named.iter().map(|(company, title)| view! { <li>{format!("{title} – {company}")}</li> }).collect_view()}</ul>
                    })}
                </section>
            })}
            {open.then(|| {
                if !page.signed_in {
                    view! { <p class="notice"><a href="/sign-in">{i.t("shell.sign_in")}</a>" "{i.t("call.sign_in_to_propose")}</p> }.into_any()
                } else if page.my_companies.is_empty() {
                    view! { <p class="notice">{i.t("call.register_company_first")}" "<a href="/companies/new">{i.t("company.register")}</a></p> }.into_any()
                } else {
                    view! {
                        <section aria-labelledby="propose-heading">
                            <h2 id="propose-heading">{i.t("call.propose")}</h2>
                            <ActionForm action=start attr:class="form form--narrow">
                                <input type="hidden" name="call" value=call.slug.clone() />
                                <div class="field">
                                    <label for="propose-company">{i.t("proposal.company")}</label>
                                    <select id="propose-company" name="company" aria-describedby="propose-company-error">
                                        {page.my_companies.iter().map(|(slug, name)| view! { <option value=slug.clone()>{name.clone()}</option> }).collect_view()}
                                    </select>
                                    <FieldError id="propose-company-error".into() message=start_error("company") />
                                </div>
                                <div class="field">
                                    <label for="propose-title">{i.t("proposal.field.title")}</label>
                                    <input id="propose-title" name="title" required=true aria-describedby="propose-title-error" />
                                    <FieldError id="propose-title-error".into() message=start_error("title") />
                                </div>
                                <FieldError id="propose-error".into() message=start_error("") />
                                <button type="submit" class="button" data-testid="start-proposal">{i.t("call.start_proposal")}</button>
                            </ActionForm>
                        </section>
                    }.into_any()
                }
            })}
        </article>
    }
}

#[component]
pub fn CallEditPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.get().get("slug").unwrap_or_default());
    let editor = Resource::new(move || slug.get(), get_call_editor);
    view! { <Loaded resource=editor render={move |editor: CallEditor| view! { <CallEditorView editor /> }.into_any()} /> }
}

#[component]
fn CallEditorView(editor: CallEditor) -> impl IntoView {
    let i = use_i18n();
    let save = crate::failed_form::remembered_action::<SaveCall>();
    let message = move |field: &'static str| Signal::derive(move || error_at(i, save.value().get(), field));
    let heading = if editor.slug.is_some() { i.t("call.edit") } else { i.t("call.new") };
    // After a refusal without JavaScript, what was typed comes back.
    let again = |name: String, value: String| crate::failed_form::typed_or(&name, value);
    let input = move |field: &'static str, value: String, kind: &'static str| {
        let value = again(format!("call[{field}]"), value);
        view! {
            <div class="field">
                <label for=format!("call-{field}")>{i.t(&format!("call.field.{field}"))}</label>
                <input id=format!("call-{field}") name=format!("call[{field}]") type=kind value=value
                    aria-describedby=format!("call-{field}-error") aria-invalid=move || message(field).get().is_some().to_string() />
                <FieldError id=format!("call-{field}-error") message=message(field) />
            </div>
        }
    };
    let area = move |field: &'static str, value: String| {
        let value = again(format!("call[{field}]"), value);
        view! {
            <div class="field">
                <label for=format!("call-{field}")>{i.t(&format!("call.field.{field}"))}</label>
                <p class="field__hint" id=format!("call-{field}-hint")>{i.t("call.markdown_hint")}</p>
                <textarea id=format!("call-{field}") name=format!("call[{field}]") rows="8"
                    aria-describedby=format!("call-{field}-hint call-{field}-error")>{value}</textarea>
                <FieldError id=format!("call-{field}-error") message=message(field) />
            </div>
        }
    };
    let locked = editor.criteria_locked;
    let mut rows = editor.criteria.clone();
    // Room for criteria of one's own.
    rows.extend(std::iter::repeat_with(Default::default).take(2));
    view! {
        <Title text=heading.clone() />
        <section class="page">
            <p class="breadcrumbs"><a href="/calls">{i.t("calls.title")}</a></p>
            <h1>{heading}</h1>
            <ActionForm action=save attr:class="form" attr:novalidate=true>
                <input type="hidden" name="slug" value=editor.slug.clone().unwrap_or_default() />
                <fieldset class="form-section">
                    <legend>{i.t("call.section.text")}</legend>
                    {input("title_sv", editor.title_sv.clone(), "text")}
                    {input("title_en", editor.title_en.clone(), "text")}
                    {area("body_sv", editor.body_sv.clone())}
                    {area("body_en", editor.body_en.clone())}
                </fieldset>
                <fieldset class="form-section">
                    <legend>{i.t("call.section.rules")}</legend>
                    <p class="field__hint">{i.t("call.times_hint")}</p>
                    {input("opens", editor.opens.clone(), "datetime-local")}
                    {input("closes", editor.closes.clone(), "datetime-local")}
                    {input("trl_min", editor.trl_min.clone(), "number")}
                    {input("trl_max", editor.trl_max.clone(), "number")}
                    {input("disease_areas", editor.disease_areas.clone(), "text")}
                    {input("overall_threshold", editor.overall_threshold.clone(), "text")}
                    {input("reviewers_per_proposal", editor.reviewers_per_proposal.clone(), "number")}
                    <div class="field"><label class="checkbox"><input type="checkbox" name="call[expression_of_interest]" value="true" checked=crate::failed_form::ticked_or("call[expression_of_interest]", editor.expression_of_interest) />{i.t("call.field.expression_of_interest")}</label></div>
                    <div class="field"><label class="checkbox"><input type="checkbox" name="call[published]" value="true" checked=crate::failed_form::ticked_or("call[published]", editor.published) />{i.t("call.field.published")}</label></div>
                </fieldset>
                <fieldset class="form-section" id="call-criteria" aria-describedby="call-criteria-error">
                    <legend>{i.t("call.section.criteria")}</legend>
                    <p class="field__hint">{if locked { i.t("call.criteria_locked") } else { i.t("call.criteria_hint") }}</p>
                    <FieldError id="call-criteria-error".into() message=message("criteria") />
                    {rows.into_iter().enumerate().map(|(n, row)| {
                        let name = move |part: &str| format!("criteria[{part}-{n}]");
                        let id = move |part: &str| format!("criteria-{n}-{part}");
                        view! {
                            <fieldset class="criterion-row">
                                <legend>{i.t_with("call.criterion_n", &[("n", &(n + 1).to_string())])}</legend>
                                <input type="hidden" name=name("code") value=row.code.clone() />
                                {[("name_sv", row.name_sv.clone()), ("name_en", row.name_en.clone()), ("description_sv", row.description_sv.clone()), ("description_en", row.description_en.clone()), ("threshold", row.threshold.clone()), ("weight", row.weight.clone())]
                                    .into_iter()
                                    .map(|(part, value)| {
                                        let field_id = id(part);
                                        let value = again(name(part), value);
                                        let error_id = format!("{field_id}-error");
                                        let error_key = field_id.clone();
                                        view! {
                                            <div class="field field--inline">
                                                <label for=field_id.clone()>{i.t(&format!("call.criterion.{part}"))}</label>
                                                <input id=field_id.clone() name=name(part) value=value disabled=locked aria-describedby=error_id.clone() />
                                                <FieldError id=error_id message=Signal::derive(move || match save.value().get() {
                                                    Some(Err(crate::error::AppError::Invalid { field, message_key })) if field == error_key => Some(i.t(&message_key)),
                                                    _ => None,
                                                }) />
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </fieldset>
                        }
                    }).collect_view()}
                </fieldset>
                <FieldError id="call-error".into() message=message("") />
                <button type="submit" class="button" data-testid="save-call">{i.t("call.save")}</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn PanelPageView() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.get().get("slug").unwrap_or_default());
    let refresh = RwSignal::new(0u64);
    provide_context(Refresh(refresh));
    let page = Resource::new(move || (slug.get(), refresh.get()), |(slug, _)| get_panel(slug));
    view! { <Loaded resource=page render={move |page: PanelPage| view! { <PanelView page /> }.into_any()} /> }
}

#[component]
fn PanelView(page: PanelPage) -> impl IntoView {
    let i = use_i18n();
    let title = i.t_with("panel.heading", &[("call", page.call.title.get(i.lang))]);
    let slug = page.call.slug.clone();
    let manage = crate::failed_form::remembered_action::<ManageCall>();
    let done = successes(manage);
    if let Some(Refresh(refresh)) = use_context::<Refresh>() {
        Effect::new(move |previous: Option<usize>| {
            let now = done.get();
            if previous.is_some_and(|p| p != now) {
                refresh.update(|n| *n += 1);
            }
            now
        });
    }
    let manage_error = Signal::derive(move || error_at(i, manage.value().get(), ""));
    let (suggest_slug, release_slug) = (slug.clone(), slug.clone());
    view! {
        <Title text=title.clone() />
        <section class="page page--wide" data-testid="panel">
            <p class="breadcrumbs"><a href=format!("/calls/{slug}")>{page.call.title.get(i.lang).to_owned()}</a></p>
            <h1>{title}</h1>
            <p class="lede">{i.t("panel.lede")}</p>
            {(page.hidden_for_conflict > 0).then(|| view! {
                <p class="notice">{i.t_with("panel.hidden_for_conflict", &[("count", &page.hidden_for_conflict.to_string())])}</p>
            })}
            <DataTable name=TableName::Caption { id: "panel-caption", text: i.t_with("panel.caption", &[("threshold", &page.overall_threshold)]) } testid="panel-table" dense=true>
                <thead><tr>
                    <th scope="col">{i.t("panel.rank")}</th>
                    <th scope="col">{i.t("proposal.field.title")}</th>
                    <th scope="col">{i.t("panel.trl")}</th>
                    <th scope="col">{i.t("panel.reviews")}</th>
                    {page.criteria.iter().map(|c| view! { <th scope="col">{c.name.get(i.lang).to_owned()}<span class="visually-hidden">{i.t("panel.median_spread")}</span></th> }).collect_view()}
                    <th scope="col">{i.t("panel.weighted")}</th>
                    <th scope="col">{i.t("panel.decision")}</th>
                </tr></thead>
                <tbody>
                    {page.rows.iter().map(|row| view! {
                        <tr class:row--below=!row.passes data-testid=format!("panel-row-{}", row.id)>
                            <td>{row.rank}{row.tied.then(|| view! { " "<span class="tag tag--muted">{i.t("panel.tied")}</span> })}</td>
                            <td><a href=format!("/proposals/{}", row.id)>{row.title.clone()}</a><br /><span class="field__hint">{row.company.clone()}</span></td>
                            <td>{row.trl_claimed.map(|t| t.to_string()).unwrap_or_default()}" / "{row.trl_assessed.clone().unwrap_or_else(|| "–".into())}</td>
                            <td class:warn=row.reviews < row.needed as usize>{format!("{}/{}", row.reviews, row.needed)}</td>
                            {row.medians.iter().map(|(median, spread, passes)| view! {
                                <td class:below=!*passes>{median.clone().unwrap_or_else(|| "–".into())}<span class="field__hint">{format!(" ±{spread}")}</span></td>
                            }).collect_view()}
                            <td>
                                <strong>{row.weighted_mean.clone()}</strong>
                                {(!row.passes).then(|| view! { " "<span class="tag tag--muted">{i.t("panel.below_threshold")}</span> })}
                                {row.disagreement.then(|| view! { " "<span class="tag tag--warn" data-testid="disagreement">{i.t("panel.disagreement")}</span> })}
                            </td>
                            <td>{row.decision.as_deref().map(|d| i.t(&format!("decision.{d}"))).unwrap_or_else(|| "–".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </DataTable>
            <p class="field__hint">{i.t("panel.legend")}</p>
            {page.can_manage.then(|| view! {
            <h2>{i.t("panel.actions")}</h2>
            <ActionForm action=manage attr:class="command-form">
                <input type="hidden" name="slug" value=suggest_slug />
                <input type="hidden" name="step" value="suggest_assignment" />
                <button type="submit" class="button button--quiet" data-testid="suggest-assignment">{i.t("panel.suggest_assignment")}</button>
            </ActionForm>
            {if page.can_release {
                view! {
                    <ActionForm action=manage attr:class="command-form">
                        <input type="hidden" name="slug" value=release_slug.clone() />
                        <input type="hidden" name="step" value="release" />
                        <button type="submit" class="button" data-testid="release-decisions">{i.t("panel.release")}</button>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <ul class="plain-list" data-testid="release-blockers">
                        {page.release_blockers.iter().map(|key| view! { <li>{i.t(key)}</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            })}
            <FieldError id="panel-error".into() message=manage_error />
            {move || manage.value().get().and_then(|r| r.ok()).map(|outcome| view! { <p role="status" class="notice">{i.t_with("panel.done", &[("outcome", &outcome)])}</p> })}
        </section>
    }
}
