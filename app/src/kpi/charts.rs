//! Charts as SVG drawn in the component (no chart JavaScript): the same markup on the
//! server and in the browser. Each has `role="img"`, a title and a description that state
//! the finding, a title per mark, direct labels besides colour, and a table with the same
//! numbers one click away. Suppressed cells show "<5" in the chart and the table alike.

use super::model::{number_text, records_text, value_text};
use crate::i18n::{Lang, use_i18n};
use crate::ui::{DataTable, TableName};
use kernel::kpi::Unit;
use kernel::kpi::figures::{Cell, Value};
use leptos::prelude::*;

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

fn scale_max(values: impl Iterator<Item = f64>, target: Option<f64>) -> f64 {
    let max = values.chain(target).fold(0.0_f64, f64::max);
    if max <= 0.0 { 1.0 } else { max * 1.1 }
}

/// A trend: one point per month, joined where consecutive months have figures; a dashed
/// target line, labelled.
#[component]
pub fn TrendChart(
    id: String,
    unit: Unit,
    /// Month codes and cells, oldest first.
    points: Vec<(String, Cell)>,
    target: Option<f64>,
    title: String,
    finding: String,
    threshold: u64,
    /// The table open (the board pack prints it).
    open: bool,
) -> impl IntoView {
    let i = use_i18n();
    let lang = i.lang;
    let max = scale_max(points.iter().filter_map(|(_, c)| c.value.number()), target);
    let step = (WIDTH - LEFT - 12.0) / (points.len().max(2) - 1) as f64;
    let x = move |index: usize| LEFT + step * index as f64;
    let y = move |value: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - value / max);
    let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (index, (_, cell)) in points.iter().enumerate() {
        match cell.value.number() {
            Some(value) => segments.last_mut().expect("one segment").push((x(index), y(value))),
            None => segments.push(Vec::new()),
        }
    }
    let lines = segments
        .into_iter()
        .filter(|s| s.len() > 1)
        .map(|s| {
            let points = s.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
            view! { <polyline class="chart__line" points=points /> }
        })
        .collect_view();
    let every = points.len().div_ceil(6).max(1);
    let marks = points
        .iter()
        .enumerate()
        .map(|(index, (month, cell))| {
            let label = format!("{month}: {}", value_text(unit, cell.value, lang, threshold));
            let tick = (index % every == 0).then(|| {
                view! { <text class="chart__tick" x=format!("{:.1}", x(index)) y=format!("{:.1}", HEIGHT - 8.0) text-anchor="middle">{month.clone()}</text> }
            });
            let mark = match cell.value {
                Value::Number(value) => view! {
                    <circle class="chart__point" cx=format!("{:.1}", x(index)) cy=format!("{:.1}", y(value)) r="4"><title>{label}</title></circle>
                }
                .into_any(),
                Value::Hidden => view! {
                    <text class="chart__hidden" x=format!("{:.1}", x(index)) y=format!("{:.1}", HEIGHT - BOTTOM - 4.0) text-anchor="middle">
                        <title>{label}</title>{format!("<{threshold}")}
                    </text>
                }
                .into_any(),
                Value::None => ().into_any(),
            };
            view! { {tick} {mark} }
        })
        .collect_view();
    let target_line = target.map(|t| {
        let ty = format!("{:.1}", y(t));
        let text = format!("{} {}", i.t("dashboard.target"), number_text(unit, t, lang));
        view! {
            <line class="chart__target" x1=LEFT.to_string() x2=(WIDTH - 4.0).to_string() y1=ty.clone() y2=ty.clone()><title>{text.clone()}</title></line>
            <text class="chart__target-label" x=(WIDTH - 6.0).to_string() y=format!("{:.1}", y(t) - 4.0) text-anchor="end">{text}</text>
        }
    });
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled_by = format!("{title_id} {desc_id}");
    let axis_top = number_text(unit, max / 1.1, lang);
    view! {
        <figure class="chart">
            <svg class="chart__svg" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby=labelled_by>
                <title id=title_id>{title.clone()}</title>
                <desc id=desc_id>{finding.clone()}</desc>
                <line class="chart__axis" x1=LEFT.to_string() x2=LEFT.to_string() y1=TOP.to_string() y2=(HEIGHT - BOTTOM).to_string() />
                <line class="chart__axis" x1=LEFT.to_string() x2=(WIDTH - 4.0).to_string() y1=(HEIGHT - BOTTOM).to_string() y2=(HEIGHT - BOTTOM).to_string() />
                <text class="chart__tick" x=(LEFT - 6.0).to_string() y=format!("{:.1}", y(max / 1.1) + 4.0) text-anchor="end">{axis_top}</text>
                <text class="chart__tick" x=(LEFT - 6.0).to_string() y=format!("{:.1}", HEIGHT - BOTTOM) text-anchor="end">"0"</text>
                {target_line}
                {lines}
                {marks}
            </svg>
            <figcaption>{finding}</figcaption>
            <FigureTable caption=title rows=points.into_iter().collect() unit threshold lang open />
        </figure>
    }
}

/// A breakdown: one labelled bar per group, its value written at its end.
#[component]
pub fn BarChart(
    id: String,
    unit: Unit,
    bars: Vec<(String, Cell)>,
    title: String,
    finding: String,
    threshold: u64,
    open: bool,
) -> impl IntoView {
    let i = use_i18n();
    let lang = i.lang;
    let max = scale_max(bars.iter().filter_map(|(_, c)| c.value.number()), None);
    let row = 26.0;
    let height = TOP + row * bars.len().max(1) as f64 + 4.0;
    let label_width = 170.0;
    let room = WIDTH - label_width - 90.0;
    let marks = bars
        .iter()
        .enumerate()
        .map(|(index, (name, cell))| {
            let id = id.clone();
            let top = TOP + row * index as f64;
            let text = value_text(unit, cell.value, lang, threshold);
            let length = cell.value.number().map_or(0.0, |v| room * v / max);
            let hatch = (cell.value == Value::Hidden).then(|| format!("url(#{id}-hatch)"));
            let short: String = if name.chars().count() > 24 { format!("{}…", name.chars().take(23).collect::<String>()) } else { name.clone() };
            view! {
                <g class="chart__bar-row">
                    <title>{format!("{name}: {text}")}</title>
                    <text class="chart__tick" x=(label_width - 6.0).to_string() y=format!("{:.1}", top + 15.0) text-anchor="end">{short}</text>
                    <rect class="chart__bar" class:chart__bar--hidden=cell.value == Value::Hidden x=label_width.to_string() y=format!("{:.1}", top + 3.0)
                        width=format!("{:.1}", if cell.value == Value::Hidden { 24.0 } else { length }) height="16" fill=hatch />
                    <text class="chart__value" x=format!("{:.1}", label_width + length.max(if cell.value == Value::Hidden { 24.0 } else { 0.0 }) + 6.0) y=format!("{:.1}", top + 15.0)>{text}</text>
                </g>
            }
        })
        .collect_view();
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <figure class="chart">
            <svg class="chart__svg" viewBox=format!("0 0 {WIDTH} {height:.0}") role="img" aria-labelledby=labelled_by>
                <title id=title_id>{title.clone()}</title>
                <desc id=desc_id>{finding.clone()}</desc>
                <defs>
                    <pattern id=format!("{id}-hatch") width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <line x1="0" y1="0" x2="0" y2="6" class="chart__hatch" />
                    </pattern>
                </defs>
                {marks}
            </svg>
            <figcaption>{finding}</figcaption>
            <FigureTable caption=title rows=bars unit threshold lang open />
        </figure>
    }
}

/// The chart's numbers as a table, one click away.
#[component]
fn FigureTable(
    caption: String,
    rows: Vec<(String, Cell)>,
    unit: Unit,
    threshold: u64,
    lang: Lang,
    open: bool,
) -> impl IntoView {
    let i = use_i18n();
    view! {
        <details class="chart__table" open=open>
            <summary>{i.t("dashboard.as_table")}</summary>
            <DataTable name=TableName::Label(caption) dense=true>
                <thead><tr>
                    <th scope="col">{i.t("dashboard.group")}</th>
                    <th scope="col">{i.t("dashboard.value")}</th>
                    <th scope="col">{i.t("dashboard.records")}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|(name, cell)| view! {
                        <tr>
                            <th scope="row">{name}</th>
                            <td>{value_text(unit, cell.value, lang, threshold)}</td>
                            <td>{records_text(cell.records, threshold)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </DataTable>
        </details>
    }
}

/// Value against target: the value as a bar, the target as a tick across it, both written
/// out; the description states the status in words.
#[component]
pub fn BulletChart(
    id: String,
    unit: Unit,
    value: Value,
    target: f64,
    title: String,
    finding: String,
    threshold: u64,
) -> impl IntoView {
    let i = use_i18n();
    let lang = i.lang;
    let shown = value.number();
    let max = match unit {
        Unit::Share => 1.0,
        _ => scale_max(shown.into_iter(), Some(target)),
    };
    let (label_width, height) = (0.0, 60.0);
    let room = WIDTH - 8.0;
    let at = move |v: f64| label_width + room * (v / max).clamp(0.0, 1.0);
    let value_label = value_text(unit, value, lang, threshold);
    let target_label = format!("{} {}", i.t("dashboard.target"), number_text(unit, target, lang));
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled_by = format!("{title_id} {desc_id}");
    let target_x = format!("{:.1}", at(target));
    let anchor = if at(target) > WIDTH / 2.0 { "end" } else { "start" };
    view! {
        <figure class="chart chart--bullet">
            <svg class="chart__svg" viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-labelledby=labelled_by>
                <title id=title_id>{title}</title>
                <desc id=desc_id>{finding}</desc>
                <rect class="chart__track" x="0" y="6" width=format!("{:.1}", room) height="18" />
                {shown.map(|v| view! {
                    <rect class="chart__bar" x="0" y="10" width=format!("{:.1}", at(v)) height="10"><title>{value_label.clone()}</title></rect>
                })}
                <line class="chart__target chart__target--bullet" x1=target_x.clone() x2=target_x.clone() y1="2" y2="28"><title>{target_label.clone()}</title></line>
                <text class="chart__value" x="2" y="40">{value_label.clone()}</text>
                <text class="chart__target-label" x=target_x text-anchor=anchor y="56">{target_label.clone()}</text>
            </svg>
        </figure>
    }
}
