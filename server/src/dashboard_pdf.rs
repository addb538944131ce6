//! `/dashboard/board-pack.pdf`: the board pack as a PDF the portal makes itself, with the
//! agreements' PDF layout (krilla, embedded fonts, real text): the filters and the time of
//! the data first, then a page per section with each KPI's value, previous period, target
//! and status, its definition, its months and its breakdown written out, the board's
//! notes, and the gender table. The same function as the page builds the figures, so what
//! is suppressed there is suppressed here. Charts are not drawn: every number they show is
//! written out beside its label.

use crate::agreement_pdf::{BODY, Face, Layout, Measure, PdfError, PdfMeta, write};
use app::i18n::{Lang, translate};
use app::kpi::model::{
    Dashboard, change_text, filter_lines, number_text, stored_months_text, value_text, women_share,
};
use app::request::AppState;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::kpi::Unit;
use kernel::kpi::disclosure::Shown;
use kernel::kpi::figures::{Cell, Value};
use kernel::kpi::gender::GenderColumn;

fn cells(unit: Unit, cells: &[(String, Cell)], lang: Lang, threshold: u64) -> String {
    cells
        .iter()
        .map(|(name, c)| format!("{name} {}", value_text(unit, c.value, lang, threshold)))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn count(shown: Shown, threshold: u64) -> String {
    match shown {
        Shown::Count(n) => n.to_string(),
        Shown::Hidden => format!("<{threshold}"),
    }
}

pub fn render(
    dashboard: &Dashboard,
    lang: Lang,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<u8>, PdfError> {
    let t = |key: &str| translate(lang, key);
    let threshold = dashboard.threshold;
    let computed = t("dashboard.computed_at")
        .replace("{time}", &dashboard.computed_at)
        .replace("{threshold}", &threshold.to_string());
    let measure = Measure::new()?;
    let mut layout = Layout::new(&measure);
    let title = t("dashboard.pack");
    layout.block(Face::Bold, 17.0, 0.0, "", &title);
    layout.block(Face::Serif, BODY, 0.0, "", &computed);
    layout.gap(8.0);
    let filters = filter_lines(dashboard, lang);
    layout.facts(&filters, Face::Serif);
    if let Some(node) = &dashboard.scoped_to {
        layout.block(Face::Serif, BODY, 0.0, "", &t("dashboard.scoped").replace("{node}", node));
    }
    for section in &dashboard.sections {
        layout.new_page();
        let code = section.section.code();
        layout.heading(14.0, &t(&format!("dashboard.section.{code}")));
        layout.block(Face::Serif, BODY - 1.0, 0.0, "", &t(&format!("dashboard.section.{code}.filters")));
        for card in &section.cards {
            let kpi = card.figure.kpi;
            let unit = kpi.unit();
            let figure = &card.figure;
            layout.heading(11.0, &t(&format!("kpi.{}.name", kpi.code())));
            let value = value_text(unit, figure.total.value, lang, threshold);
            let mut previous = value_text(unit, figure.previous.value, lang, threshold);
            if let Some(change) = change_text(unit, figure.total.value, figure.previous.value, lang) {
                previous = format!("{previous} ({change})");
            }
            let mut lines = vec![(t("dashboard.pdf.value"), value), (t("dashboard.pdf.previous"), previous)];
            if let Some(target) = &card.target {
                let status =
                    card.status.map(|s| t(&format!("dashboard.status.{}", s.code()))).unwrap_or_default();
                let line = t("dashboard.target_line")
                    .replace("{period}", &target.period.code())
                    .replace("{direction}", &t(&format!("dashboard.direction.{}", target.direction.code())))
                    .replace("{value}", &number_text(unit, target.value, lang))
                    .replace("{owner}", &target.owner);
                lines.push((t("dashboard.pdf.target"), format!("{line} {status}")));
            }
            let months: Vec<(String, Cell)> = figure.trend.iter().map(|(m, c)| (m.code(), *c)).collect();
            lines.push((t("dashboard.pdf.months"), cells(unit, &months, lang, threshold)));
            let groups: Vec<(String, Cell)> =
                card.breakdown_names.iter().cloned().zip(figure.breakdown.iter().map(|(_, c)| *c)).collect();
            if !groups.is_empty() {
                let by = t("dashboard.pdf.breakdown")
                    .replace("{by}", &t(&format!("dashboard.by.{}", kpi.breakdown().code())));
                lines.push((by, cells(unit, &groups, lang, threshold)));
            }
            for note in &card.notes {
                let kind = t(&format!("dashboard.note_kind.{}", note.kind.code()));
                lines.push((
                    format!("{kind} {}", note.period),
                    format!("{} ({}, {})", note.text, note.who, note.when),
                ));
            }
            layout.facts(&lines, Face::Serif);
            if let Some(stored) = stored_months_text(figure, lang) {
                layout.block(Face::Serif, BODY - 2.0, 0.0, "", &stored);
            }
            layout.block(Face::Serif, BODY - 2.0, 0.0, "", &t(&format!("kpi.{}.definition", kpi.code())));
        }
    }
    if !dashboard.gender.is_empty() {
        layout.new_page();
        layout.heading(14.0, &t("dashboard.section.gender"));
        layout.block(Face::Serif, BODY - 1.0, 0.0, "", &t("dashboard.section.gender.filters"));
        let lines: Vec<(String, String)> = dashboard
            .gender
            .iter()
            .map(|row| {
                let name = t(&format!("dashboard.gender.group.{}", row.group.code()));
                if row.too_few {
                    return (
                        name,
                        t("dashboard.gender.too_few").replace("{threshold}", &threshold.to_string()),
                    );
                }
                let mut parts: Vec<String> = GenderColumn::ALL
                    .iter()
                    .zip(&row.cells)
                    .map(|(c, cell)| {
                        format!(
                            "{} {}",
                            t(&format!("dashboard.gender.column.{}", c.code())),
                            count(*cell, threshold)
                        )
                    })
                    .collect();
                parts.push(format!("{} {}", t("dashboard.gender.total"), count(row.total, threshold)));
                let share = women_share(row);
                if share != Value::None {
                    parts.push(format!(
                        "{} {}",
                        t("dashboard.gender.share_women"),
                        value_text(Unit::Share, share, lang, threshold)
                    ));
                }
                (name, parts.join(" · "))
            })
            .collect();
        layout.facts(&lines, Face::Serif);
        layout.block(Face::Serif, BODY - 2.0, 0.0, "", &t("dashboard.gender.how"));
    }
    let subtitle = filters.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; ");
    let footer = t("dashboard.pdf.footer").replace("{time}", &dashboard.computed_at);
    let meta = PdfMeta {
        title: &title,
        subtitle: &subtitle,
        language: lang.code(),
        footer: &footer,
        document_id: None,
        second_footer: None,
    };
    write(&meta, now, layout.pages)
}

/// GET /dashboard/board-pack.pdf?from=…&to=…&node=…
pub async fn board_pack_pdf(
    State(state): State<AppState>,
    Query(query): Query<kernel::kpi::filters::FilterQuery>,
    request: Request,
) -> Response {
    let (dashboard, lang, now) = match crate::dashboard_csv::for_download(&state, query, request).await {
        Ok(built) => built,
        Err(refused) => return refused,
    };
    let bytes = match render(&dashboard, lang, now) {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "the board pack PDF could not be made");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let name = format!("board-pack-{}-{}.pdf", dashboard.filters.from, dashboard.filters.to);
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
