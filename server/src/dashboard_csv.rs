//! `/dashboard.csv`: exactly what the dashboard shows for the same query (the same
//! function builds both, so suppressed cells stay suppressed), with the filters and the
//! time of the data in its first lines.

use app::i18n::{Lang, translate};
use app::kpi::api::ssr::dashboard;
use app::kpi::model::{Dashboard, filter_lines, key_code};
use app::policy::Action;
use app::request::{AppState, authorize_parts, lang_of};
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::kpi::disclosure::Shown;
use kernel::kpi::figures::{Cell, Value};

/// A field as CSV writes it: quoted when it must be, and never read as a formula by a
/// spreadsheet (a leading `=`, `+`, `-` or `@` is prefixed with `'`).
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

fn line(fields: &[String]) -> String {
    let mut text = fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",");
    text.push_str("\r\n");
    text
}

fn value(cell: &Cell, threshold: u64) -> String {
    match cell.value {
        Value::Number(n) => format!("{}", (n * 10_000.0).round() / 10_000.0),
        Value::Hidden => format!("<{threshold}"),
        Value::None => String::new(),
    }
}

fn records(cell: &Cell, threshold: u64) -> String {
    match cell.records {
        Shown::Count(n) => n.to_string(),
        Shown::Hidden => format!("<{threshold}"),
    }
}

/// The dashboard as CSV: a header of comment lines, then one row per figure shown.
pub fn csv(dashboard: &Dashboard, lang: Lang) -> String {
    let t = |key: &str| translate(lang, key);
    let f = &dashboard.filters;
    let mut out = String::new();
    out.push_str(&line(&[format!("# {}", t("dashboard.title"))]));
    let filters = filter_lines(dashboard, lang)
        .into_iter()
        .map(|(term, value)| format!("{term}: {value}"))
        .collect::<Vec<_>>();
    out.push_str(&line(&[format!("# {}", filters.join("; "))]));
    out.push_str(&line(&[format!("# {}: {}", t("dashboard.csv_query"), f.query_string())]));
    out.push_str(&line(&[format!(
        "# {}",
        translate(lang, "dashboard.computed_at")
            .replace("{time}", &dashboard.computed_at)
            .replace("{threshold}", &dashboard.threshold.to_string())
    )]));
    out.push_str(&line(
        &[
            "section",
            "kpi",
            "name",
            "definition_version",
            "row",
            "group",
            "value",
            "records",
            "target",
            "status",
        ]
        .map(str::to_owned),
    ));
    let threshold = dashboard.threshold;
    for section in &dashboard.sections {
        for card in &section.cards {
            let kpi = card.figure.kpi;
            let row = |kind: &str, group: String, cell: &Cell, with_target: bool, version: u32| {
                line(&[
                    section.section.code().to_owned(),
                    kpi.code().to_owned(),
                    t(&format!("kpi.{}.name", kpi.code())),
                    version.to_string(),
                    kind.to_owned(),
                    group,
                    value(cell, threshold),
                    records(cell, threshold),
                    card.target
                        .as_ref()
                        .filter(|_| with_target)
                        .map(|t| format!("{} {} ({})", t.direction.code(), t.value, t.period.code()))
                        .unwrap_or_default(),
                    card.status.filter(|_| with_target).map(|s| s.code().to_owned()).unwrap_or_default(),
                ])
            };
            let version = kpi.definition_version();
            out.push_str(&row("period", format!("{} – {}", f.from, f.to), &card.figure.total, true, version));
            let previous = f.previous();
            out.push_str(&row(
                "previous_period",
                format!("{} – {}", previous.from, previous.to),
                &card.figure.previous,
                false,
                version,
            ));
            for (month, cell) in &card.figure.trend {
                // A stored month keeps the definition it was computed under.
                let stored = card.figure.stored.iter().find(|(m, _)| m == month).map(|(_, v)| *v);
                out.push_str(&row("month", month.code(), cell, false, stored.unwrap_or(version)));
            }
            for ((key, cell), group_name) in card.figure.breakdown.iter().zip(&card.breakdown_names) {
                out.push_str(&row(
                    "breakdown",
                    format!("{group_name} ({})", key_code(*key)),
                    cell,
                    false,
                    version,
                ));
            }
        }
    }
    // Gender balance: one line per group and column, and women's share, as shown.
    let shown = |s: Shown| match s {
        Shown::Count(n) => n.to_string(),
        Shown::Hidden => format!("<{threshold}"),
    };
    for row in &dashboard.gender {
        let group = row.group.code();
        let name = t(&format!("dashboard.gender.group.{group}"));
        let gender_line = |kind: &str, column: &str, value: String| {
            let version = kernel::kpi::gender::DEFINITION_VERSION.to_string();
            line(&["gender", group, &name, &version, kind, column, &value, "", "", ""].map(str::to_owned))
        };
        for (column, cell) in kernel::kpi::gender::GenderColumn::ALL.iter().zip(&row.cells) {
            out.push_str(&gender_line("gender", column.code(), shown(*cell)));
        }
        out.push_str(&gender_line("gender", "total", shown(row.total)));
        let share = value(&Cell { records: row.total, value: app::kpi::model::women_share(row) }, threshold);
        out.push_str(&gender_line("share_women", "women", share));
    }
    out
}

/// The dashboard for a download's query, as the signed-in person may see it, or the
/// answer that refuses it (401, 403, 400 for a malformed filter).
pub async fn for_download(
    state: &AppState,
    query: kernel::kpi::filters::FilterQuery,
    request: Request,
) -> Result<(Dashboard, Lang, chrono::DateTime<chrono::Utc>), Response> {
    let (parts, _) = request.into_parts();
    let person = match authorize_parts(state, &parts, Action::ViewDashboard).await {
        Ok(Some(person)) => person,
        Ok(None) => return Err(StatusCode::UNAUTHORIZED.into_response()),
        Err(error) => {
            return Err(StatusCode::from_u16(error.status())
                .unwrap_or(StatusCode::FORBIDDEN)
                .into_response());
        }
    };
    let lang = lang_of(&parts);
    let now = chrono::Utc::now();
    let built = async {
        let mut conn = state.db.read().await?;
        dashboard(&mut conn, &person, query, lang, state.config.small_number_threshold, now).await
    };
    let dashboard = built.await.map_err(|error| {
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR).into_response()
    })?;
    if let Some(problem) = &dashboard.problem {
        return Err((StatusCode::BAD_REQUEST, translate(lang, &problem.key)).into_response());
    }
    Ok((dashboard, lang, now))
}

/// GET /dashboard.csv?from=…&to=…&node=…
pub async fn download(
    State(state): State<AppState>,
    Query(query): Query<kernel::kpi::filters::FilterQuery>,
    request: Request,
) -> Response {
    let (dashboard, lang, _) = match for_download(&state, query, request).await {
        Ok(built) => built,
        Err(refused) => return refused,
    };
    let name = format!("dashboard-{}-{}.csv", dashboard.filters.from, dashboard.filters.to);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        format!("\u{feff}{}", csv(&dashboard, lang)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        assert_eq!(field("Uppsala"), "Uppsala");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-3"), "'-3");
    }
}
