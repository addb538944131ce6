//! The dashboard (`/dashboard`) and its drill-down (`/dashboard/records/:kpi`). The
//! filters are a plain GET form, so every view is a link that works without JavaScript
//! and the back button walks through the views.

use super::api::{AddBoardNote, SetKpiTarget, get_dashboard, get_dashboard_records, get_public_numbers};
use super::charts::{BarChart, BulletChart, TrendChart};
use super::model::{
    Card, Dashboard, Drill, PublicPage, SectionView, breakdown_finding, change_text, filter_lines,
    gender_finding, number_text, records_text, stored_months_text, trend_finding, value_text, women_share,
};
use crate::error::AppError;
use crate::forms::{error_at, successes};
use crate::i18n::{I18n, use_i18n};
use crate::ui::{DataTable, FieldError, Loaded, TableName};
use kernel::codes::CompanyKind;
use kernel::kpi::disclosure::Shown;
use kernel::kpi::figures::{Cell, Value};
use kernel::kpi::filters::FilterQuery;
use kernel::kpi::gender::{GenderColumn, GenderGroup};
use kernel::kpi::notes::NoteKind;
use kernel::kpi::targets::TargetStatus;
use kernel::kpi::{Direction, Kpi, Unit};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn query_from_url() -> Memo<FilterQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.get();
        let get = |name: &str| q.get(name).filter(|v| !v.is_empty());
        FilterQuery {
            from: get("from"),
            to: get("to"),
            node: get("node"),
            call: get("call"),
            company_kind: get("company_kind"),
            cohort: get("cohort"),
        }
    })
}

pub fn kpi_name(i: I18n, kpi: Kpi) -> String {
    i.t(&format!("kpi.{}.name", kpi.code()))
}

fn status_badge(i: I18n, status: TargetStatus) -> impl IntoView {
    let (symbol, class) = match status {
        TargetStatus::Met => ("✓", "badge--success"),
        TargetStatus::OnTrack => ("→", "badge--success"),
        TargetStatus::OffTrack => ("✗", "badge--warning"),
        TargetStatus::Missed => ("✗", "badge--warning"),
        TargetStatus::NoData => ("–", ""),
    };
    view! {
        <strong class=format!("badge {class}") data-testid="kpi-status" data-status=status.code()>
            <span aria-hidden="true">{symbol}" "</span>{i.t(&format!("dashboard.status.{}", status.code()))}
        </strong>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let i = use_i18n();
    let query = query_from_url();
    let set = crate::failed_form::remembered_action::<SetKpiTarget>();
    let note = crate::failed_form::remembered_action::<AddBoardNote>();
    let (saved, noted) = (successes(set), successes(note));
    let dashboard =
        Resource::new(move || (query.get(), saved.get(), noted.get()), |(query, _, _)| get_dashboard(query));
    let actions = CardActions { set, note };
    view! {
        <Title text=i.t("dashboard.title") />
        <section class="page page--wide">
            <h1>{i.t("dashboard.title")}</h1>
            <p class="lede">{i.t("dashboard.lede")}</p>
            <Loaded resource=dashboard render={move |dashboard: Dashboard| {
                let link = dashboard.filters.query_string();
                view! {
                    {dashboard.scoped_to.clone().map(|node| view! {
                        <p class="notice" data-testid="dashboard-scope">{i.t_with("dashboard.scoped", &[("node", &node)])}</p>
                    })}
                    <DashboardFilters dashboard=dashboard.clone() />
                    <p class="dashboard__meta">
                        {i.t_with("dashboard.computed_at", &[("time", &dashboard.computed_at), ("threshold", &dashboard.threshold.to_string())])}
                        " "
                        <a href=format!("/dashboard.csv?{link}") data-testid="dashboard-csv" download="">{i.t("dashboard.csv")}</a>
                        " · "
                        <a href=format!("/dashboard/board-pack?{link}") data-testid="dashboard-pack">{i.t("dashboard.pack")}</a>
                    </p>
                    {dashboard.sections.clone().into_iter().map(|section| view! {
                        <SectionBlock section dashboard=dashboard.clone() actions pack=false />
                    }).collect_view()}
                    <GenderSection dashboard=dashboard.clone() pack=false />
                }.into_any()
            }} />
        </section>
    }
}

#[component]
fn DashboardFilters(dashboard: Dashboard) -> impl IntoView {
    let i = use_i18n();
    let q = dashboard.query.clone();
    let problem = dashboard.problem.clone();
    let message = move |field: &'static str| {
        let problem = problem.clone();
        Signal::derive(move || problem.as_ref().filter(|p| p.field == field).map(|p| i.t(&p.key)))
    };
    let select = |id: &'static str,
                  name: &'static str,
                  label: String,
                  chosen: Option<String>,
                  choices: Vec<(String, String)>| {
        let chosen = chosen.unwrap_or_default();
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id name=name>
                    <option value="" selected=chosen.is_empty()>{i.t("dashboard.all")}</option>
                    {choices.into_iter().map(|(value, text)| {
                        let selected = value == chosen;
                        view! { <option value=value selected=selected>{text}</option> }
                    }).collect_view()}
                </select>
                <FieldError id=format!("{id}-error") message=message(name) />
            </div>
        }
    };
    let ids =
        |list: &[(i64, String)]| list.iter().map(|(id, n)| (id.to_string(), n.clone())).collect::<Vec<_>>();
    let kinds = CompanyKind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), i.t(&format!("company.kind.{}", k.code()))))
        .collect();
    view! {
        <form method="get" action="/dashboard" class="filters" aria-label=i.t("dashboard.filters")>
            <div class="field">
                <label for="dashboard-from">{i.t("dashboard.from")}</label>
                <input id="dashboard-from" type="date" name="from" value=q.from.clone().unwrap_or_default()
                    aria-describedby="dashboard-from-error" />
                <FieldError id="dashboard-from-error".into() message=message("from") />
            </div>
            <div class="field">
                <label for="dashboard-to">{i.t("dashboard.to")}</label>
                <input id="dashboard-to" type="date" name="to" value=q.to.clone().unwrap_or_default()
                    aria-describedby="dashboard-to-error" />
                <FieldError id="dashboard-to-error".into() message=message("to") />
            </div>
            {select("dashboard-node", "node", i.t("dashboard.node"), q.node.clone(), ids(&dashboard.choices.nodes))}
            {select("dashboard-cohort", "cohort", i.t("dashboard.cohort"), q.cohort.clone(), ids(&dashboard.choices.cohorts))}
            {select("dashboard-call", "call", i.t("dashboard.call"), q.call.clone(), ids(&dashboard.choices.calls))}
            {select("dashboard-kind", "company_kind", i.t("dashboard.company_kind"), q.company_kind.clone(), kinds)}
            <div class="field field--actions">
                <button type="submit" class="button">{i.t("dashboard.show")}</button>
            </div>
        </form>
    }
}

#[component]
fn SectionBlock(
    section: SectionView,
    dashboard: Dashboard,
    actions: CardActions,
    pack: bool,
) -> impl IntoView {
    let i = use_i18n();
    let code = section.section.code();
    let heading_id = format!("dashboard-section-{code}");
    let labelled_by = heading_id.clone();
    view! {
        <section class="dashboard__section" aria-labelledby=labelled_by data-testid=format!("section-{code}")>
            <h2 id=heading_id>{i.t(&format!("dashboard.section.{code}"))}</h2>
            <p class="dashboard__note">{i.t(&format!("dashboard.section.{code}.filters"))}</p>
            <div class="dashboard__cards">
                {section.cards.into_iter().map(|card| view! { <KpiCard card dashboard=dashboard.clone() actions pack /> }).collect_view()}
            </div>
        </section>
    }
}

/// Gender balance: the counts per group and women's share, aggregates only (no
/// drill-down: the records behind it are people).
#[component]
fn GenderSection(dashboard: Dashboard, pack: bool) -> impl IntoView {
    let i = use_i18n();
    let lang = i.lang;
    let threshold = dashboard.threshold;
    let rows = dashboard.gender.clone();
    let group_name = move |group: GenderGroup| i.t(&format!("dashboard.gender.group.{}", group.code()));
    let bars: Vec<(String, Cell)> = rows
        .iter()
        .map(|r| (group_name(r.group), Cell { records: r.total, value: women_share(r) }))
        .collect();
    let finding = gender_finding(&rows, lang, threshold);
    let count = move |shown: Shown| {
        value_text(
            Unit::Count,
            shown.count().map_or(Value::Hidden, |n| Value::Number(n as f64)),
            lang,
            threshold,
        )
    };
    view! {
        <section class="dashboard__section" aria-labelledby="dashboard-section-gender" data-testid="section-gender">
            <h2 id="dashboard-section-gender">{i.t("dashboard.section.gender")}</h2>
            <p class="dashboard__note">{i.t("dashboard.section.gender.filters")}</p>
            <BarChart id="gender-share".into() unit=Unit::Share bars title=i.t("dashboard.gender.chart") finding threshold open=pack />
            <DataTable name=TableName::Caption { id: "gender-table-caption", text: i.t("dashboard.gender.table") } testid="gender-table" dense=true>
                <thead>
                    <tr>
                        <th scope="col">{i.t("dashboard.gender.group")}</th>
                        {GenderColumn::ALL.iter().map(|c| view! { <th scope="col" class="numeric">{i.t(&format!("dashboard.gender.column.{}", c.code()))}</th> }).collect_view()}
                        <th scope="col" class="numeric">{i.t("dashboard.gender.total")}</th>
                        <th scope="col" class="numeric">{i.t("dashboard.gender.share_women")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let share = value_text(Unit::Share, women_share(&row), lang, threshold);
                        view! {
                            <tr data-group=row.group.code()>
                                <th scope="row">{group_name(row.group)}</th>
                                {if row.too_few {
                                    view! { <td colspan="6">{i.t_with("dashboard.gender.too_few", &[("threshold", &threshold.to_string())])}</td> }.into_any()
                                } else {
                                    view! {
                                        {row.cells.iter().map(|c| view! { <td class="numeric">{count(*c)}</td> }).collect_view()}
                                        <td class="numeric">{count(row.total)}</td>
                                        <td class="numeric">{share}</td>
                                    }.into_any()
                                }}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </DataTable>
            <p class="dashboard__note">{i.t("dashboard.gender.how")}" "<a href="/me">{i.t("dashboard.gender.declare")}</a></p>
        </section>
    }
}

#[component]
/// One KPI. In the board pack (`pack`) its tables and target history are open and it
/// has no target form, so the printed page carries every number.
fn KpiCard(card: Card, dashboard: Dashboard, actions: CardActions, pack: bool) -> impl IntoView {
    let i = use_i18n();
    let lang = i.lang;
    let kpi = card.figure.kpi;
    let code = kpi.code();
    let unit = kpi.unit();
    let threshold = dashboard.threshold;
    let figure = card.figure.clone();
    let value = value_text(unit, figure.total.value, lang, threshold);
    let previous = value_text(unit, figure.previous.value, lang, threshold);
    let change = change_text(unit, figure.total.value, figure.previous.value, lang);
    let name = kpi_name(i, kpi);
    let records_link = format!("/dashboard/records/{code}?{}", dashboard.filters.query_string());
    let small = figure.total.records == kernel::kpi::disclosure::Shown::Hidden;
    let months: Vec<(String, _)> = figure.trend.iter().map(|(m, c)| (m.code(), *c)).collect();
    let trend_text = trend_finding(unit, &figure.trend, lang, threshold);
    let stored_note = stored_months_text(&figure, lang);
    let bars: Vec<(String, _)> =
        card.breakdown_names.iter().cloned().zip(figure.breakdown.iter().map(|(_, c)| *c)).collect();
    let bars_text = breakdown_finding(unit, &bars, lang, threshold);
    let target_line = card.target.as_ref().map(|t| t.monthly_line());
    let trend_title = if kpi.accumulates() {
        i.t_with("dashboard.trend_title_monthly", &[("kpi", &name)])
    } else {
        i.t_with("dashboard.trend_title", &[("kpi", &name)])
    };
    let breakdown_title = i.t_with(
        "dashboard.breakdown_title",
        &[("kpi", &name), ("by", &i.t(&format!("dashboard.by.{}", kpi.breakdown().code())))],
    );
    view! {
        <article class="kpi-card" data-testid=format!("kpi-{code}") aria-labelledby=format!("kpi-{code}-name")>
            <h3 id=format!("kpi-{code}-name")>{name.clone()}</h3>
            <p class="kpi-card__value">
                <a href=records_link.clone() data-testid="kpi-value" aria-label=i.t_with("dashboard.open_records", &[("kpi", &name), ("value", &value)])>{value.clone()}</a>
            </p>
            {small.then(|| view! { <p class="notice" data-testid="kpi-small">{i.t_with("dashboard.too_few", &[("threshold", &threshold.to_string())])}</p> })}
            <p class="kpi-card__previous">
                {i.t_with("dashboard.previous", &[("value", &previous)])}
                {change.map(|c| view! { " (" {c} ")" })}
            </p>
            {card.target.clone().map(|t| view! {
                <p class="kpi-card__target" data-testid="kpi-target">
                    {i.t_with("dashboard.target_line", &[
                        ("period", &t.period.code()),
                        ("direction", &i.t(&format!("dashboard.direction.{}", t.direction.code()))),
                        ("value", &super::model::number_text(unit, t.value, lang)),
                        ("owner", &t.owner),
                    ])}
                    " "
                    {card.status.map(|s| status_badge(i, s))}
                </p>
            })}
            {card.target.clone().map(|t| {
                let status = card.status.unwrap_or(TargetStatus::NoData);
                let finding = i.t_with("dashboard.bullet_finding", &[
                    ("value", &value),
                    ("direction", &i.t(&format!("dashboard.direction.{}", t.direction.code()))),
                    ("target", &super::model::number_text(unit, t.value, lang)),
                    ("status", &i.t(&format!("dashboard.status.{}", status.code()))),
                ]);
                let title = i.t_with("dashboard.bullet_title", &[("kpi", &name), ("period", &t.period.code())]);
                view! { <BulletChart id=format!("bullet-{code}") unit value=figure.total.value target=t.value title finding threshold /> }
            })}
            <p class="kpi-card__definition">{i.t(&format!("kpi.{code}.definition"))}</p>
            <p><a href=records_link data-testid="kpi-records">{i.t("dashboard.records_link")}</a></p>
            <TrendChart id=format!("trend-{code}") unit points=months target=target_line title=trend_title finding=trend_text threshold open=pack />
            {stored_note.map(|note| view! { <p class="dashboard__note" data-testid="kpi-stored">{note}</p> })}
            <BarChart id=format!("bars-{code}") unit bars title=breakdown_title finding=bars_text threshold open=pack />
            {(!card.history.is_empty()).then(|| view! {
                <details class="kpi-card__history" open=pack>
                    <summary>{i.t("dashboard.history")}</summary>
                    <ul>
                        {card.history.iter().map(|change| {
                            let new = format!("{} {}", i.t(&format!("dashboard.direction.{}", change.new.0.code())), super::model::number_text(unit, change.new.1, lang));
                            let old = change.old.map(|(d, v)| format!("{} {}", i.t(&format!("dashboard.direction.{}", d.code())), super::model::number_text(unit, v, lang)));
                            view! {
                                <li>{i.t_with("dashboard.history_line", &[
                                    ("when", &change.when), ("who", &change.who), ("period", &change.period),
                                    ("old", &old.unwrap_or_else(|| i.t("dashboard.no_target"))), ("new", &new), ("why", &change.why),
                                ])}</li>
                            }
                        }).collect_view()}
                    </ul>
                </details>
            })}
            {(!card.notes.is_empty()).then(|| view! {
                <section class="kpi-card__notes" data-testid="kpi-notes" aria-label=i.t("dashboard.notes")>
                    <h4>{i.t("dashboard.notes")}</h4>
                    <ul>
                        {card.notes.iter().map(|note| view! {
                            <li>
                                <strong>{i.t(&format!("dashboard.note_kind.{}", note.kind.code()))}" · "{note.period.clone()}</strong>
                                " "{note.text.clone()}
                                <span class="muted">" — "{i.t_with("dashboard.note_by", &[("who", &note.who), ("when", &note.when)])}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
            {(dashboard.can_set_targets && !pack).then(|| view! { <TargetEditor kpi periods=dashboard.target_periods.clone() set=actions.set /> })}
            {(dashboard.can_write_notes && !pack).then(|| view! { <NoteEditor kpi periods=dashboard.note_periods.clone() note=actions.note /> })}
        </article>
    }
}

/// The forms a card posts to; the board pack's are never submitted.
#[derive(Clone, Copy)]
struct CardActions {
    set: ServerAction<SetKpiTarget>,
    note: ServerAction<AddBoardNote>,
}

/// One card's form among the cards that post to the same server function: its field
/// names (`form[name]`) and ids, what was typed before a refusal, and its own result only.
#[derive(Clone, Copy)]
struct CardForm {
    form: &'static str,
    code: &'static str,
    result: Signal<Option<Result<(), AppError>>>,
}

impl CardForm {
    fn new<S>(action: ServerAction<S>, form: &'static str, code: &'static str, kpi_of: fn(&S) -> &str) -> Self
    where
        S: ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
    {
        let key = format!("{form}[kpi]");
        let mine = move || {
            crate::failed_form::failed_form().is_none_or(|f| f.typed(&key) == Some(code))
                && action.input().get().is_none_or(|input| kpi_of(&input) == code)
        };
        let result = Signal::derive(move || if mine() { action.value().get() } else { None });
        CardForm { form, code, result }
    }

    fn name(self, field: &str) -> String {
        format!("{}[{field}]", self.form)
    }

    fn id(self, field: &str) -> String {
        format!("{}-{}-{field}", self.form, self.code)
    }

    fn typed(self, field: &str, default: String) -> String {
        crate::failed_form::typed_in(&self.name("kpi"), self.code, &self.name(field), default)
    }

    fn error(self, i: I18n, field: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || error_at(i, self.result.get(), field))
    }

    fn refused(self) -> bool {
        self.result.get().is_some_and(|r| r.is_err())
    }
}

#[component]
fn PeriodField(form: CardForm, periods: Vec<String>, chosen: String) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="field">
            <label for=form.id("period")>{i.t("dashboard.target_period")}</label>
            <select id=form.id("period") name=form.name("period") aria-describedby=format!("{}-error", form.id("period"))>
                {periods.into_iter().map(|p| {
                    let selected = p == chosen;
                    let label = p.clone();
                    view! { <option value=p selected=selected>{label}</option> }
                }).collect_view()}
            </select>
            <FieldError id=format!("{}-error", form.id("period")) message=form.error(i, "period") />
        </div>
    }
}

#[component]
fn NoteEditor(kpi: Kpi, periods: Vec<String>, note: ServerAction<AddBoardNote>) -> impl IntoView {
    let i = use_i18n();
    let form = CardForm::new(note, "note", kpi.code(), |input: &AddBoardNote| &input.note.kpi);
    let this_year = periods.get(5).or(periods.first()).cloned().unwrap_or_default();
    let period = form.typed("period", this_year);
    let kind = form.typed("kind", NoteKind::Decision.code().to_owned());
    view! {
        <details class="kpi-card__set-target" open=move || form.refused()>
            <summary>{i.t("dashboard.add_note")}</summary>
            <ActionForm action=note attr:class="form-grid" attr:data-testid="note-form">
                <input type="hidden" name="note[kpi]" value=kpi.code() />
                <PeriodField form periods chosen=period />
                <div class="field">
                    <label for=form.id("kind")>{i.t("dashboard.note_kind")}</label>
                    <select id=form.id("kind") name="note[kind]">
                        {NoteKind::ALL.iter().map(|k| {
                            let selected = k.code() == kind;
                            view! { <option value=k.code() selected=selected>{i.t(&format!("dashboard.note_kind.{}", k.code()))}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field field--wide">
                    <label for=form.id("text")>{i.t("dashboard.note_text")}</label>
                    <textarea id=form.id("text") name="note[text]" rows="3" required maxlength="2000"
                        aria-describedby=format!("{}-error", form.id("text"))>{form.typed("text", String::new())}</textarea>
                    <FieldError id=format!("{}-error", form.id("text")) message=form.error(i, "text") />
                </div>
                <div class="field field--actions">
                    <button type="submit" class="button">{i.t("dashboard.save_note")}</button>
                </div>
            </ActionForm>
        </details>
    }
}

#[component]
fn TargetEditor(kpi: Kpi, periods: Vec<String>, set: ServerAction<SetKpiTarget>) -> impl IntoView {
    let i = use_i18n();
    let form = CardForm::new(set, "target", kpi.code(), |input: &SetKpiTarget| &input.target.kpi);
    let direction = form.typed("direction", kpi.usual_direction().code().to_owned());
    let next_year = periods.get(5).or(periods.first()).cloned().unwrap_or_default();
    let period = form.typed("period", next_year);
    let unit_hint = i.t(&format!("dashboard.unit_hint.{}", kpi.unit().code()));
    let text_field = move |field: &'static str, max: &'static str| {
        view! {
            <div class="field">
                <label for=form.id(field)>{i.t(&format!("dashboard.target_{field}"))}</label>
                <input id=form.id(field) name=form.name(field) value=form.typed(field, String::new()) required maxlength=max
                    aria-describedby=if field == "value" { format!("{0}-hint {0}-error", form.id(field)) } else { format!("{}-error", form.id(field)) } />
                <FieldError id=format!("{}-error", form.id(field)) message=form.error(i, field) />
            </div>
        }
    };
    view! {
        <details class="kpi-card__set-target" open=move || form.refused()>
            <summary>{i.t("dashboard.set_target")}</summary>
            <ActionForm action=set attr:class="form-grid" attr:data-testid="target-form">
                <input type="hidden" name="target[kpi]" value=kpi.code() />
                <PeriodField form periods chosen=period />
                <div class="field">
                    <label for=form.id("direction")>{i.t("dashboard.target_direction")}</label>
                    <select id=form.id("direction") name="target[direction]">
                        {Direction::ALL.iter().map(|d| {
                            let selected = d.code() == direction;
                            view! { <option value=d.code() selected=selected>{i.t(&format!("dashboard.direction.{}", d.code()))}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <p class="field__hint" id=format!("{}-hint", form.id("value"))>{unit_hint}</p>
                {text_field("value", "20")}
                {text_field("owner", "200")}
                <div class="field field--wide">
                    <label for=form.id("rationale")>{i.t("dashboard.target_rationale")}</label>
                    <textarea id=form.id("rationale") name="target[rationale]" rows="3" required maxlength="2000"
                        aria-describedby=format!("{}-error", form.id("rationale"))>{form.typed("rationale", String::new())}</textarea>
                    <FieldError id=format!("{}-error", form.id("rationale")) message=form.error(i, "rationale") />
                </div>
                <div class="field field--actions">
                    <button type="submit" class="button">{i.t("dashboard.save_target")}</button>
                </div>
            </ActionForm>
        </details>
    }
}

/// `/dashboard/board-pack`: every section for the view's filters on one printable page,
/// the filters and the time of the data at its head, each section on a page of its own.
#[component]
pub fn BoardPackPage() -> impl IntoView {
    let i = use_i18n();
    let query = query_from_url();
    let actions = CardActions { set: ServerAction::new(), note: ServerAction::new() };
    let dashboard = Resource::new(move || query.get(), get_dashboard);
    view! {
        <Title text=i.t("dashboard.pack") />
        <section class="page page--wide board-pack">
            <Loaded resource=dashboard render={move |dashboard: Dashboard| {
                let back = format!("/dashboard?{}", dashboard.filters.query_string());
                view! {
                    <p class="no-print"><a href=back>{i.t("dashboard.back")}</a></p>
                    <h1>{i.t("dashboard.pack")}</h1>
                    <p class="lede no-print">{i.t("dashboard.pack_print")}</p>
                    <p class="no-print"><a href=format!("/dashboard/board-pack.pdf?{}", dashboard.filters.query_string()) data-testid="pack-pdf" download="" rel="external">{i.t("dashboard.pdf")}</a></p>
                    <dl class="board-pack__filters" data-testid="pack-filters">
                        {filter_lines(&dashboard, i.lang).into_iter().map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> }).collect_view()}
                        <dt>{i.t("dashboard.data_time")}</dt>
                        <dd>{i.t_with("dashboard.computed_at", &[("time", &dashboard.computed_at), ("threshold", &dashboard.threshold.to_string())])}</dd>
                    </dl>
                    {dashboard.scoped_to.clone().map(|node| view! {
                        <p class="notice" data-testid="dashboard-scope">{i.t_with("dashboard.scoped", &[("node", &node)])}</p>
                    })}
                    {dashboard.sections.clone().into_iter().map(|section| view! {
                        <SectionBlock section dashboard=dashboard.clone() actions pack=true />
                    }).collect_view()}
                    <GenderSection dashboard=dashboard.clone() pack=true />
                }.into_any()
            }} />
        </section>
    }
}

#[component]
pub fn DashboardRecordsPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let query = query_from_url();
    let kpi = Memo::new(move |_| params.get().get("kpi").unwrap_or_default());
    let drill =
        Resource::new(move || (kpi.get(), query.get()), |(kpi, query)| get_dashboard_records(kpi, query));
    view! {
        <Loaded resource=drill page=true render={move |drill: Drill| {
            let name = kpi_name(i, drill.kpi);
            let back = format!("/dashboard?{}", drill.filters.query_string());
            let threshold = drill.threshold;
            view! {
                <Title text=i.t_with("dashboard.records_title", &[("kpi", &name)]) />
                <section class="page page--wide">
                    <p><a href=back>{i.t("dashboard.back")}</a></p>
                    <h1>{i.t_with("dashboard.records_title", &[("kpi", &name)])}</h1>
                    <p class="lede">{i.t(&format!("kpi.{}.definition", drill.kpi.code()))}</p>
                    <p class="dashboard__meta" data-testid="drill-filters">{filters_text(i, &drill)}</p>
                    {match drill.closed {
                        kernel::kpi::disclosure::Shown::Hidden => Some(view! {
                            <p class="notice" data-testid="drill-closed">{i.t_with("dashboard.drill.closed_few", &[("threshold", &threshold.to_string())])}</p>
                        }.into_any()),
                        kernel::kpi::disclosure::Shown::Count(0) => None,
                        kernel::kpi::disclosure::Shown::Count(n) => Some(view! {
                            <p class="notice" data-testid="drill-closed">{i.t_with("dashboard.drill.closed", &[("count", &n.to_string())])}</p>
                        }.into_any()),
                    }}
                    {if drill.rows.is_empty() {
                        view! { <p class="notice" data-testid="drill-none">{i.t("dashboard.drill.none")}</p> }.into_any()
                    } else {
                        view! {
                            <DataTable name=TableName::Caption { id: "drill-caption", text: i.t_with("dashboard.drill.caption", &[("count", &drill.rows.len().to_string())]) } testid="drill">
                                <thead><tr>
                                    <th scope="col">{i.t("dashboard.drill.record")}</th>
                                    <th scope="col">{i.t("dashboard.group")}</th>
                                    <th scope="col">{i.t("dashboard.drill.date")}</th>
                                    <th scope="col">{i.t("dashboard.drill.counted")}</th>
                                    <th scope="col">{i.t("dashboard.drill.details")}</th>
                                </tr></thead>
                                <tbody>
                                    {drill.rows.into_iter().map(|row| view! {
                                        <tr>
                                            <td>{match (row.link, row.title) {
                                                (Some(link), Some(title)) => view! { <a href=link>{title}</a> }.into_any(),
                                                _ => view! { <span class="muted">{i.t("dashboard.drill.not_open")}</span> }.into_any(),
                                            }}</td>
                                            <td>{row.group}</td>
                                            <td>{row.at}</td>
                                            <td>{row.counted}</td>
                                            <td>{row.details.join(" · ")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </DataTable>
                        }.into_any()
                    }}
                </section>
            }.into_any()
        }} />
    }
}

fn filters_text(i: I18n, drill: &Drill) -> String {
    i.t_with(
        "dashboard.drill.period",
        &[("from", &drill.filters.from.to_string()), ("to", &drill.filters.to.to_string())],
    )
}

/// `/numbers`: "The cluster in numbers", for everyone.
#[component]
pub fn NumbersPage() -> impl IntoView {
    let i = use_i18n();
    let page = Resource::new(|| (), |_| get_public_numbers());
    view! {
        <Title text=i.t("numbers.title") />
        <section class="page">
            <h1>{i.t("numbers.title")}</h1>
            <Loaded resource=page render={move |page: PublicPage| {
                let n = page.numbers;
                let t = page.threshold;
                let days = value_text(kernel::kpi::Unit::Days, n.median_days_to_access_decision, i.lang, t);
                let count = |c: u64| number_text(kernel::kpi::Unit::Count, c as f64, i.lang);
                let figures = vec![
                    ("calls", count(page.calls)),
                    ("proposals", records_text(n.proposals_received, t)),
                    ("selected", records_text(n.projects_selected, t)),
                    ("agreements", records_text(n.agreements_signed, t)),
                    ("cohorts", count(page.cohorts)),
                    ("access_decisions", records_text(n.access_decisions, t)),
                    ("median_days", days),
                ];
                view! {
                    <p class="lede">{i.t_with("numbers.lede", &[("since", &page.since)])}</p>
                    <dl class="numbers" data-testid="numbers">
                        {figures.into_iter().map(|(key, value)| view! {
                            <div class="numbers__figure" data-testid=format!("number-{key}")>
                                <dt>{i.t(&format!("numbers.{key}"))}</dt>
                                <dd>{value}</dd>
                            </div>
                        }).collect_view()}
                    </dl>
                    <p class="dashboard__meta">{i.t_with("dashboard.computed_at", &[("time", &page.computed_at), ("threshold", &t.to_string())])}</p>
                    <p class="dashboard__note">{i.t("numbers.how")}</p>
                }.into_any()
            }} />
        </section>
    }
}
