//! What the dashboard's pages and its CSV show: the kernel's figures with names, targets
//! and their history, for one viewer and one set of filters. No UI here.

use crate::i18n::Lang;
use kernel::agreement::model::Language;
use kernel::kpi::disclosure::Shown;
use kernel::kpi::figures::{Figure, Key, Value};
use kernel::kpi::filters::{FilterProblem, FilterQuery, Filters};
use kernel::kpi::gender::GenderRow;
use kernel::kpi::targets::{Target, TargetStatus};
use kernel::kpi::{Direction, Kpi, Section, Unit};
use serde::{Deserialize, Serialize};

/// One target change, as the history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetChange {
    pub period: String,
    pub old: Option<(Direction, f64)>,
    pub new: (Direction, f64),
    pub owner: String,
    pub who: String,
    pub when: String,
    pub why: String,
}

/// What is wrong with a filter, as the form shows it at its field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    /// The translation key of the message.
    pub key: String,
}

impl From<FilterProblem> for FieldProblem {
    fn from(problem: FilterProblem) -> Self {
        FieldProblem { field: problem.field.to_owned(), key: problem.key.to_owned() }
    }
}

/// A board note, as the card shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardNote {
    pub period: String,
    pub kind: kernel::kpi::notes::NoteKind,
    pub text: String,
    pub who: String,
    pub when: String,
}

/// One KPI's card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub figure: Figure,
    /// Each breakdown key's name, in the breakdown's order.
    pub breakdown_names: Vec<String>,
    pub target: Option<Target>,
    pub status: Option<TargetStatus>,
    pub history: Vec<TargetChange>,
    /// The board's notes on it for periods this view overlaps, newest first.
    pub notes: Vec<BoardNote>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionView {
    pub section: Section,
    /// The node and cohort filters do not apply (calls are national).
    pub national: bool,
    pub cards: Vec<Card>,
}

/// The choices the filter form offers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Choices {
    pub nodes: Vec<(i64, String)>,
    pub calls: Vec<(i64, String)>,
    pub cohorts: Vec<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The filters as read; the form shows `query` (as typed) when they could not be.
    pub filters: Filters,
    pub query: FilterQuery,
    pub problem: Option<FieldProblem>,
    /// A node coordinator sees their node only: its name.
    pub scoped_to: Option<String>,
    pub sections: Vec<SectionView>,
    pub choices: Choices,
    pub threshold: u64,
    /// When the figures were computed (Stockholm time).
    pub computed_at: String,
    pub can_set_targets: bool,
    /// The periods a target may be set for (`2026`, `2026-Q1`, …).
    pub target_periods: Vec<String>,
    pub can_write_notes: bool,
    pub note_periods: Vec<String>,
    /// Gender balance: one row per group of people, aggregates only.
    pub gender: Vec<GenderRow>,
}

impl Dashboard {
    pub fn card(&self, kpi: Kpi) -> Option<&Card> {
        self.sections.iter().flat_map(|s| &s.cards).find(|c| c.figure.kpi == kpi)
    }
}

/// The view's filters as the CSV and the board pack state them: each filter's name and
/// its choice ("All" where none is chosen).
pub fn filter_lines(dashboard: &Dashboard, lang: Lang) -> Vec<(String, String)> {
    let t = |key: &str| crate::i18n::translate(lang, key);
    let f = &dashboard.filters;
    let name = |choices: &[(i64, String)], id: Option<i64>| match id {
        Some(id) => {
            choices.iter().find(|(c, _)| *c == id).map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
        }
        None => t("dashboard.all"),
    };
    vec![
        (t("dashboard.period"), format!("{} – {}", f.from, f.to)),
        (t("dashboard.node"), name(&dashboard.choices.nodes, f.node.map(|n| n.get()))),
        (t("dashboard.cohort"), name(&dashboard.choices.cohorts, f.cohort.map(|c| c.get()))),
        (t("dashboard.call"), name(&dashboard.choices.calls, f.call.map(|c| c.get()))),
        (
            t("dashboard.company_kind"),
            f.company_kind.map_or_else(|| t("dashboard.all"), |k| t(&format!("company.kind.{}", k.code()))),
        ),
    ]
}

/// "The cluster in numbers": the public page's figures, national, since the first record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicPage {
    pub numbers: kernel::kpi::public::PublicNumbers,
    /// Published calls and the cohorts in the catalogue (not about people: never hidden).
    pub calls: u64,
    pub cohorts: u64,
    pub since: String,
    pub computed_at: String,
    pub threshold: u64,
}

/// One record behind a figure, as far as this viewer may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillRow {
    /// Its title and page, when the record's own rules let the viewer open it.
    pub title: Option<String>,
    pub link: Option<String>,
    pub group: String,
    pub at: String,
    /// What the KPI counted of it: "120 days", "approved", "within the limit".
    pub counted: String,
    pub details: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drill {
    pub kpi: Kpi,
    pub filters: Filters,
    pub rows: Vec<DrillRow>,
    /// Records the viewer may not open, listed without what names them; hidden when too few.
    pub closed: Shown,
    pub threshold: u64,
}

fn language(lang: Lang) -> Language {
    match lang {
        Lang::Sv => Language::Sv,
        Lang::En => Language::En,
    }
}

/// A number with the language's decimal sign.
fn decimal(value: f64, decimals: usize, lang: Lang) -> String {
    let text = format!("{value:.decimals$}");
    match lang {
        Lang::Sv => text.replace('.', ","),
        Lang::En => text,
    }
}

/// A KPI's value as people read it; `hidden` is what a suppressed value shows ("<5").
pub fn value_text(unit: Unit, value: Value, lang: Lang, threshold: u64) -> String {
    match value {
        Value::None => "–".to_owned(),
        Value::Hidden => format!("<{threshold}"),
        Value::Number(n) => number_text(unit, n, lang),
    }
}

pub fn number_text(unit: Unit, n: f64, lang: Lang) -> String {
    let percent = match lang {
        Lang::Sv => " %",
        Lang::En => "%",
    };
    match unit {
        Unit::Count => kernel::agreement::render::sek(n.round() as i64, language(lang))
            .trim_end_matches(" kr")
            .trim_start_matches("SEK ")
            .to_owned(),
        Unit::Share => format!("{}{percent}", decimal(n * 100.0, 0, lang)),
        Unit::Days => decimal(n, if n.fract() == 0.0 { 0 } else { 1 }, lang),
        Unit::Kronor => kernel::agreement::render::sek(n.round() as i64, language(lang)),
        Unit::Ratio => decimal(n, 2, lang),
    }
}

/// A count of records as people read it.
pub fn records_text(records: Shown, threshold: u64) -> String {
    match records {
        Shown::Count(n) => n.to_string(),
        Shown::Hidden => format!("<{threshold}"),
    }
}

/// The change from the previous period, as people read it ("+3", "−5 %-points").
pub fn change_text(unit: Unit, now: Value, before: Value, lang: Lang) -> Option<String> {
    let (now, before) = (now.number()?, before.number()?);
    let delta = now - before;
    let sign = if delta > 0.0 {
        "+"
    } else if delta < 0.0 {
        "−"
    } else {
        "±"
    };
    let magnitude = match unit {
        Unit::Share => format!(
            "{} {}",
            decimal(delta.abs() * 100.0, 0, lang),
            crate::i18n::translate(lang, "dashboard.percentage_points")
        ),
        _ => number_text(unit, delta.abs(), lang),
    };
    Some(format!("{sign}{magnitude}"))
}

/// A breakdown key's code, for the CSV and for tests.
pub fn key_code(key: Key) -> String {
    match key {
        Key::Node(node) => format!("node:{node}"),
        Key::Call(call) => format!("call:{call}"),
        Key::CompanyKind(kind) => format!("company_kind:{}", kind.code()),
        Key::NoCompany => "company_kind:none".to_owned(),
    }
}

/// What a trend shows, in one sentence: its highest and lowest months.
pub fn trend_finding(
    unit: Unit,
    trend: &[(kernel::kpi::filters::Month, kernel::kpi::figures::Cell)],
    lang: Lang,
    threshold: u64,
) -> String {
    let shown: Vec<(String, f64)> =
        trend.iter().filter_map(|(m, c)| c.value.number().map(|v| (m.code(), v))).collect();
    let hidden = trend.iter().filter(|(_, c)| c.value == Value::Hidden).count();
    let t = |key: &str| crate::i18n::translate(lang, key);
    let mut text = match (
        shown.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
        shown.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
    ) {
        (Some(high), Some(low)) => t("dashboard.finding.trend")
            .replace("{high_month}", &high.0)
            .replace("{high}", &number_text(unit, high.1, lang))
            .replace("{low_month}", &low.0)
            .replace("{low}", &number_text(unit, low.1, lang)),
        _ => t("dashboard.finding.no_months"),
    };
    if hidden > 0 {
        text.push(' ');
        text.push_str(
            &t("dashboard.finding.hidden")
                .replace("{count}", &hidden.to_string())
                .replace("{threshold}", &threshold.to_string()),
        );
    }
    text
}

/// What a breakdown shows, in one sentence: its largest and smallest group.
pub fn breakdown_finding(
    unit: Unit,
    cells: &[(String, kernel::kpi::figures::Cell)],
    lang: Lang,
    threshold: u64,
) -> String {
    let shown: Vec<(&str, f64)> =
        cells.iter().filter_map(|(n, c)| c.value.number().map(|v| (n.as_str(), v))).collect();
    let hidden = cells.iter().filter(|(_, c)| c.value == Value::Hidden).count();
    let t = |key: &str| crate::i18n::translate(lang, key);
    let mut text = match (
        shown.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
        shown.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
    ) {
        (Some(high), Some(low)) if shown.len() > 1 => t("dashboard.finding.breakdown")
            .replace("{high_name}", high.0)
            .replace("{high}", &number_text(unit, high.1, lang))
            .replace("{low_name}", low.0)
            .replace("{low}", &number_text(unit, low.1, lang)),
        (Some(only), _) => t("dashboard.finding.one_group")
            .replace("{name}", only.0)
            .replace("{value}", &number_text(unit, only.1, lang)),
        _ => t("dashboard.finding.no_groups"),
    };
    if hidden > 0 {
        text.push(' ');
        text.push_str(
            &t("dashboard.finding.hidden_groups")
                .replace("{count}", &hidden.to_string())
                .replace("{threshold}", &threshold.to_string()),
        );
    }
    text
}

/// A gender row's women's share as the chart draws it: hidden when too few to show.
pub fn women_share(row: &GenderRow) -> Value {
    match (row.share_women, row.total) {
        (Some(share), _) => Value::Number(share),
        (None, Shown::Count(0)) => Value::None,
        (None, _) => Value::Hidden,
    }
}

/// What the gender table shows, in one sentence: women's share in each group it can be
/// shown for.
pub fn gender_finding(rows: &[GenderRow], lang: Lang, threshold: u64) -> String {
    let t = |key: &str| crate::i18n::translate(lang, key);
    let shares: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let share = number_text(Unit::Share, r.share_women?, lang);
            Some(format!(
                "{} {share}",
                t(&format!("dashboard.gender.group.{}", r.group.code())).to_lowercase()
            ))
        })
        .collect();
    let mut text = if shares.is_empty() {
        t("dashboard.gender.finding_none")
    } else {
        t("dashboard.gender.finding").replace("{shares}", &shares.join(", "))
    };
    if rows.iter().any(|r| r.share_women.is_none()) {
        text.push(' ');
        text.push_str(&t("dashboard.gender.finding_hidden").replace("{threshold}", &threshold.to_string()));
    }
    text
}

/// Which of the trend's months are as stored when they closed, and under which
/// definitions, in one sentence (`None` when every month is live).
pub fn stored_months_text(figure: &kernel::kpi::figures::Figure, lang: Lang) -> Option<String> {
    let (first, last) = (figure.stored.first()?, figure.stored.last()?);
    let t = |key: &str| crate::i18n::translate(lang, key);
    let current = figure.kpi.definition_version();
    let mut text = t("dashboard.stored")
        .replace("{from}", &first.0.code())
        .replace("{to}", &last.0.code())
        .replace("{version}", &current.to_string());
    let older: std::collections::BTreeSet<u32> =
        figure.stored.iter().map(|(_, v)| *v).filter(|v| *v != current).collect();
    if !older.is_empty() {
        let versions = older.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
        text.push(' ');
        text.push_str(&t("dashboard.stored_older").replace("{versions}", &versions));
    }
    Some(text)
}
