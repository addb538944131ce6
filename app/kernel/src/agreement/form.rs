//! The terms as a browser edits them, one section at a time: each section is a list of
//! rows (parties, signatories, contributions, …) or one row (the general terms), and each
//! row a set of named values. [`columns`] says what a section's rows hold, [`rows`] gives
//! the values of the terms for the form, and [`apply`] reads what was posted back into the
//! terms, with each problem at the row and field it came from.
//!
//! A form posts `part-n` for row `n` (`code-2`, `due-2`); a row whose first column is
//! empty, or whose `remove-n` is ticked, is left out, so an empty row at the end adds one
//! without JavaScript. People are named by e-mail and found in the portal's register;
//! organisations by their id.

use crate::codes::{CompanySize, code_list};
use crate::dates;
use crate::ids::{OrganisationId, PersonId};
use std::collections::BTreeMap;

use super::model::{Language, PartyKind};
use super::money::{Contribution, ContributionKind, FundingSource, ResearchCategory};
use super::schedule::{Milestone, MilestoneKind, Obligation, ObligationKind};
use super::terms::{
    Authority, BackgroundEntry, ForegroundException, MAX_ITEMS, Party, PartyRole, Problem, Researcher,
    Signatory, Terms,
};

code_list!(
    /// A part of the terms edited on its own.
    Section {
        General = "general",
        Parties = "parties",
        Signatories = "signatories",
        Researchers = "researchers",
        Contributions = "contributions",
        Background = "background",
        ForegroundExceptions = "foreground_exceptions",
        Milestones = "milestones",
        Obligations = "obligations",
    }
);

impl Section {
    /// One row (the general terms) rather than a list.
    pub fn single(self) -> bool {
        self == Section::General
    }
}

/// What a column asks for.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    Text {
        max: usize,
    },
    Area {
        max: usize,
    },
    Date,
    /// A whole number; spaces between digits are allowed (`1 200 000`).
    Number,
    Check,
    /// One of a code list: the codes, the translation-key prefix of their names (ending in
    /// a dot), and
    /// whether "none" may be chosen.
    Choice {
        codes: fn() -> Vec<&'static str>,
        labels: &'static str,
        optional: bool,
    },
    /// An organisation of the portal's register.
    Organisation,
    /// One of the agreement's parties.
    Party,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub part: &'static str,
    pub input: Input,
}

const fn col(part: &'static str, input: Input) -> Column {
    Column { part, input }
}

macro_rules! codes {
    ($list:ty) => {
        || <$list>::ALL.iter().map(|c| c.code()).collect()
    };
}

const NAME: Input = Input::Text { max: super::terms::MAX_NAME };
const TITLE: Input = Input::Text { max: super::terms::MAX_TITLE };
const CODE: Input = Input::Text { max: super::terms::MAX_CODE };
const TEXT: Input = Input::Area { max: super::terms::MAX_TEXT };
const EMAIL: Input = Input::Text { max: 320 };

const GENERAL: &[Column] = &[
    col("title", TITLE),
    col("purpose", TEXT),
    col(
        "language",
        Input::Choice { codes: codes!(Language), labels: "agreement.language.", optional: false },
    ),
    col("start", Input::Date),
    col("end", Input::Date),
    col("trl_start", Input::Number),
    col(
        "research_category",
        Input::Choice { codes: codes!(ResearchCategory), labels: "agreement.category.", optional: false },
    ),
    col("market_price_paid", Input::Check),
    col("cost_of_developed_goods", TEXT),
];
const PARTIES: &[Column] = &[
    col("organisation", Input::Organisation),
    col("role", Input::Choice { codes: codes!(PartyRole), labels: "agreement.role.", optional: false }),
    col("size", Input::Choice { codes: codes!(CompanySize), labels: "company.size.", optional: true }),
    col("organisation_number", Input::Text { max: super::terms::MAX_ORGANISATION_NUMBER }),
];
const SIGNATORIES: &[Column] = &[
    col("email", EMAIL),
    col("party", Input::Party),
    col("title", NAME),
    col(
        "authority",
        Input::Choice { codes: codes!(Authority), labels: "agreement.authority.", optional: false },
    ),
    col("step", Input::Number),
];
const RESEARCHERS: &[Column] = &[col("email", EMAIL), col("university", Input::Party)];
const CONTRIBUTIONS: &[Column] = &[
    col("party", Input::Party),
    col("year", Input::Number),
    col(
        "kind",
        Input::Choice {
            codes: || vec!["cash", "hours", "equipment", "samples_or_data"],
            labels: "agreement.contribution_kind.",
            optional: false,
        },
    ),
    col("amount", Input::Number),
    col("hours", Input::Number),
    col("rate", Input::Number),
    col(
        "source",
        Input::Choice { codes: codes!(FundingSource), labels: "agreement.source.", optional: false },
    ),
    col("description", Input::Text { max: super::money::MAX_DESCRIPTION }),
];
const BACKGROUND: &[Column] = &[
    col("what", TEXT),
    col("party", Input::Party),
    col("owner", Input::Text { max: super::terms::MAX_NAME }),
    col("restrictions", TEXT),
    col("project_use", TEXT),
    col("exploitation", TEXT),
    col("essential", Input::Check),
];
const FOREGROUND_EXCEPTIONS: &[Column] =
    &[col("result", TITLE), col("owner", Input::Party), col("terms", TEXT)];
const MILESTONES: &[Column] = &[
    col("code", CODE),
    col("title", TITLE),
    col(
        "kind",
        Input::Choice { codes: codes!(MilestoneKind), labels: "agreement.milestone_kind.", optional: false },
    ),
    col("due", Input::Date),
    col("responsible", Input::Party),
    col("acceptance", TEXT),
];
const OBLIGATIONS: &[Column] = &[
    col("code", CODE),
    col(
        "kind",
        Input::Choice {
            codes: codes!(ObligationKind),
            labels: "agreement.obligation_kind.",
            optional: false,
        },
    ),
    col("responsible", Input::Party),
    col("first_due", Input::Date),
    col("every_months", Input::Number),
    col("until", Input::Date),
];

/// What each row of a section holds, in the order the form shows it. For a list, the
/// first column is the one that makes a row count.
pub fn columns(section: Section) -> &'static [Column] {
    match section {
        Section::General => GENERAL,
        Section::Parties => PARTIES,
        Section::Signatories => SIGNATORIES,
        Section::Researchers => RESEARCHERS,
        Section::Contributions => CONTRIBUTIONS,
        Section::Background => BACKGROUND,
        Section::ForegroundExceptions => FOREGROUND_EXCEPTIONS,
        Section::Milestones => MILESTONES,
        Section::Obligations => OBLIGATIONS,
    }
}

/// An organisation that may be a party, from the portal's register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredOrganisation {
    pub name: String,
    pub kind: PartyKind,
}

/// A person of the portal, as the terms name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredPerson {
    pub id: PersonId,
    pub name: String,
    pub email: String,
}

/// What the form's names and e-mail addresses are looked up in.
#[derive(Debug, Clone, Default)]
pub struct Register {
    pub organisations: BTreeMap<OrganisationId, RegisteredOrganisation>,
    pub people: Vec<RegisteredPerson>,
}

impl Register {
    fn by_email(&self, email: &str) -> Option<&RegisteredPerson> {
        let email = email.trim();
        self.people.iter().find(|p| p.email.eq_ignore_ascii_case(email))
    }

    fn email_of(&self, person: PersonId) -> String {
        self.people.iter().find(|p| p.id == person).map(|p| p.email.clone()).unwrap_or_default()
    }
}

/// One row's values by column.
pub type Row = BTreeMap<&'static str, String>;

fn row<const N: usize>(values: [(&'static str, String); N]) -> Row {
    values.into_iter().collect()
}

fn flag(on: bool) -> String {
    if on { "true".into() } else { String::new() }
}

fn date(day: Option<chrono::NaiveDate>) -> String {
    day.map(|d| d.to_string()).unwrap_or_default()
}

/// The terms' values for the form of `section` (one row for the general terms).
pub fn rows(section: Section, terms: &Terms, register: &Register) -> Vec<Row> {
    let id = |o: OrganisationId| o.to_string();
    match section {
        Section::General => vec![row([
            ("title", terms.title.clone()),
            ("purpose", terms.purpose.clone()),
            ("language", terms.language.code().into()),
            ("start", date(terms.start)),
            ("end", date(terms.end)),
            ("trl_start", terms.trl_start.map(|t| t.to_string()).unwrap_or_default()),
            ("research_category", terms.research_category.code().into()),
            ("market_price_paid", flag(terms.market_price_paid)),
            ("cost_of_developed_goods", terms.cost_of_developed_goods.clone()),
        ])],
        Section::Parties => terms
            .parties
            .iter()
            .map(|p| {
                row([
                    ("organisation", id(p.organisation)),
                    ("role", p.role.code().into()),
                    ("size", p.size.map(|s| s.code().to_owned()).unwrap_or_default()),
                    ("organisation_number", p.organisation_number.clone()),
                ])
            })
            .collect(),
        Section::Signatories => terms
            .parties
            .iter()
            .flat_map(|p| p.signatories.iter().map(move |s| (p.organisation, s)))
            .map(|(party, s)| {
                row([
                    ("email", register.email_of(s.person)),
                    ("party", id(party)),
                    ("title", s.title.clone()),
                    ("authority", s.authority.code().into()),
                    ("step", s.step.to_string()),
                ])
            })
            .collect(),
        Section::Researchers => terms
            .researchers
            .iter()
            .map(|r| row([("email", register.email_of(r.person)), ("university", id(r.university))]))
            .collect(),
        Section::Contributions => terms
            .contributions
            .iter()
            .map(|c| {
                let (kind, amount, hours, rate) = match c.kind {
                    ContributionKind::Cash { amount } => ("cash", amount.to_string(), "", ""),
                    ContributionKind::Hours { hours, rate } => {
                        return row([
                            ("party", id(c.party)),
                            ("year", c.year.to_string()),
                            ("kind", "hours".into()),
                            ("amount", String::new()),
                            ("hours", hours.to_string()),
                            ("rate", rate.to_string()),
                            ("source", c.source.code().into()),
                            ("description", c.description.clone()),
                        ]);
                    }
                    ContributionKind::Equipment { value } => ("equipment", value.to_string(), "", ""),
                    ContributionKind::SamplesOrData { value } => {
                        ("samples_or_data", value.to_string(), "", "")
                    }
                };
                row([
                    ("party", id(c.party)),
                    ("year", c.year.to_string()),
                    ("kind", kind.into()),
                    ("amount", amount),
                    ("hours", hours.into()),
                    ("rate", rate.into()),
                    ("source", c.source.code().into()),
                    ("description", c.description.clone()),
                ])
            })
            .collect(),
        Section::Background => terms
            .background
            .iter()
            .map(|b| {
                row([
                    ("what", b.what.clone()),
                    ("party", id(b.party)),
                    ("owner", b.owner.clone()),
                    ("restrictions", b.restrictions.clone()),
                    ("project_use", b.project_use.clone()),
                    ("exploitation", b.exploitation.clone()),
                    ("essential", flag(b.essential)),
                ])
            })
            .collect(),
        Section::ForegroundExceptions => terms
            .foreground_exceptions
            .iter()
            .map(|e| row([("result", e.result.clone()), ("owner", id(e.owner)), ("terms", e.terms.clone())]))
            .collect(),
        Section::Milestones => terms
            .milestones
            .iter()
            .map(|m| {
                row([
                    ("code", m.code.clone()),
                    ("title", m.title.clone()),
                    ("kind", m.kind.code().into()),
                    ("due", m.due.to_string()),
                    ("responsible", id(m.responsible)),
                    ("acceptance", m.acceptance.clone()),
                ])
            })
            .collect(),
        Section::Obligations => terms
            .obligations
            .iter()
            .map(|o| {
                row([
                    ("code", o.code.clone()),
                    ("kind", o.kind.code().into()),
                    ("responsible", id(o.responsible)),
                    ("first_due", o.first_due.to_string()),
                    ("every_months", o.every_months.to_string()),
                    ("until", date(o.until)),
                ])
            })
            .collect(),
    }
}

/// The name a value of row `n` is posted under: `due-2`; the general terms' plain `title`.
pub fn field_name(section: Section, part: &str, n: usize) -> String {
    if section.single() { part.to_owned() } else { format!("{part}-{n}") }
}

/// Where a problem is shown: `milestones.2.due` (a list's row and column) or `title`.
pub fn problem_field(section: Section, part: &str, n: usize) -> String {
    if section.single() { part.to_owned() } else { format!("{}.{n}.{part}", section.code()) }
}

/// The posted form, read row by row.
struct Posted<'a> {
    section: Section,
    values: &'a BTreeMap<String, String>,
}

impl Posted<'_> {
    fn text(&self, part: &str, n: usize) -> String {
        self.values.get(&field_name(self.section, part, n)).map(|v| v.trim().to_owned()).unwrap_or_default()
    }

    fn problem(&self, part: &str, n: usize, key: &'static str) -> Problem {
        Problem::new(problem_field(self.section, part, n), key)
    }

    fn ticked(&self, part: &str, n: usize) -> bool {
        !self.text(part, n).is_empty()
    }

    /// The row numbers that count: the first column filled in, not marked for removal.
    fn rows(&self) -> Vec<usize> {
        let first = columns(self.section)[0].part;
        let mut numbers: Vec<usize> = self
            .values
            .keys()
            .filter_map(|k| k.rsplit_once('-'))
            .filter_map(|(_, n)| n.parse::<usize>().ok())
            .filter(|n| *n < MAX_ITEMS * 2)
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        numbers.retain(|n| !self.text(first, *n).is_empty() && !self.ticked("remove", *n));
        numbers
    }

    fn number<T: std::str::FromStr>(&self, part: &str, n: usize) -> Result<Option<T>, Problem> {
        let text: String = self.text(part, n).chars().filter(|c| !c.is_whitespace()).collect();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| self.problem(part, n, "agreement.form.number"))
    }

    fn required_number<T: std::str::FromStr>(&self, part: &str, n: usize) -> Result<T, Problem> {
        self.number(part, n)?.ok_or_else(|| self.problem(part, n, "form.required"))
    }

    fn date(&self, part: &str, n: usize) -> Result<Option<chrono::NaiveDate>, Problem> {
        let text = self.text(part, n);
        if text.is_empty() {
            return Ok(None);
        }
        dates::parse(&text)
            .filter(|d| dates::sane(*d))
            .map(Some)
            .ok_or_else(|| self.problem(part, n, "form.date"))
    }

    fn required_date(&self, part: &str, n: usize) -> Result<chrono::NaiveDate, Problem> {
        self.date(part, n)?.ok_or_else(|| self.problem(part, n, "form.required"))
    }

    fn choice<T>(&self, part: &str, n: usize, parse: fn(&str) -> Option<T>) -> Result<T, Problem> {
        parse(&self.text(part, n)).ok_or_else(|| self.problem(part, n, "agreement.form.choice"))
    }

    fn optional_choice<T>(
        &self,
        part: &str,
        n: usize,
        parse: fn(&str) -> Option<T>,
    ) -> Result<Option<T>, Problem> {
        if self.text(part, n).is_empty() { Ok(None) } else { self.choice(part, n, parse).map(Some) }
    }

    /// One of the agreement's parties (as the terms stand after this edit).
    fn party(&self, part: &str, n: usize, parties: &[Party]) -> Result<OrganisationId, Problem> {
        let id = self.number::<i64>(part, n)?.map(OrganisationId);
        id.filter(|id| parties.iter().any(|p| p.organisation == *id))
            .ok_or_else(|| self.problem(part, n, "agreement.form.unknown_party"))
    }

    fn person<'r>(
        &self,
        part: &str,
        n: usize,
        register: &'r Register,
    ) -> Result<&'r RegisteredPerson, Problem> {
        register
            .by_email(&self.text(part, n))
            .ok_or_else(|| self.problem(part, n, "agreement.form.unknown_person"))
    }
}

/// `terms` with `section` replaced by what was posted, or the first problem at its
/// field. The values' bounds are the terms' own ([`Terms::check_bounds`]); what a
/// complete agreement needs is checked when it is sent, not on each edit.
pub fn apply(
    section: Section,
    posted: &BTreeMap<String, String>,
    terms: &Terms,
    register: &Register,
) -> Result<Terms, Problem> {
    let form = Posted { section, values: posted };
    let mut next = terms.clone();
    let numbers = if section.single() { vec![0] } else { form.rows() };
    if numbers.len() > MAX_ITEMS {
        return Err(Problem::new(section.code(), "form.too_many"));
    }
    // Which row each item of the edited list came from, to put a problem at its row.
    let mut origin: BTreeMap<String, usize> = BTreeMap::new();
    let parties = terms.parties.clone();
    match section {
        Section::General => {
            next.title = form.text("title", 0);
            next.purpose = form.text("purpose", 0);
            next.language = form.choice("language", 0, Language::parse)?;
            next.start = form.date("start", 0)?;
            next.end = form.date("end", 0)?;
            next.trl_start = form.number("trl_start", 0)?;
            next.research_category = form.choice("research_category", 0, ResearchCategory::parse)?;
            next.market_price_paid = form.ticked("market_price_paid", 0);
            next.cost_of_developed_goods = form.text("cost_of_developed_goods", 0);
        }
        Section::Parties => {
            next.parties.clear();
            for (i, &n) in numbers.iter().enumerate() {
                let organisation = form.required_number::<i64>("organisation", n).map(OrganisationId)?;
                let earlier = terms.party(organisation);
                let registered = register.organisations.get(&organisation);
                let (name, kind) = match (registered, earlier) {
                    (Some(r), _) => (r.name.clone(), r.kind),
                    (None, Some(p)) => (p.name.clone(), p.kind),
                    (None, None) => {
                        return Err(form.problem("organisation", n, "agreement.form.unknown_organisation"));
                    }
                };
                if next.parties.iter().any(|p| p.organisation == organisation) {
                    return Err(form.problem("organisation", n, "agreement.missing.duplicate_party"));
                }
                origin.insert(format!("parties.{i}"), n);
                next.parties.push(Party {
                    organisation,
                    name,
                    kind,
                    organisation_number: form.text("organisation_number", n),
                    role: form.choice("role", n, PartyRole::parse)?,
                    size: form.optional_choice("size", n, CompanySize::parse)?,
                    // Signatories are their own section; they stay with their party.
                    signatories: earlier.map(|p| p.signatories.clone()).unwrap_or_default(),
                });
            }
            let kept = |o: &OrganisationId| next.parties.iter().any(|p| p.organisation == *o);
            let gone: Vec<OrganisationId> =
                terms.parties.iter().map(|p| p.organisation).filter(|o| !kept(o)).collect();
            if next_references(&next).iter().any(|o| gone.contains(o)) {
                return Err(Problem::new("parties", "agreement.form.party_in_use"));
            }
        }
        Section::Signatories => {
            for party in &mut next.parties {
                party.signatories.clear();
            }
            for &n in &numbers {
                let person = form.person("email", n, register)?;
                let organisation = form.party("party", n, &parties)?;
                let party = next.parties.iter_mut().find(|p| p.organisation == organisation);
                let Some(party) = party else {
                    return Err(form.problem("party", n, "agreement.form.unknown_party"));
                };
                if party.signatories.iter().any(|s| s.person == person.id) {
                    return Err(form.problem("email", n, "agreement.missing.duplicate_signatory"));
                }
                let (i, j) = (
                    parties.iter().position(|p| p.organisation == organisation).unwrap_or(0),
                    party.signatories.len(),
                );
                origin.insert(format!("parties.{i}.signatories.{j}"), n);
                party.signatories.push(Signatory {
                    person: person.id,
                    name: person.name.clone(),
                    title: form.text("title", n),
                    authority: form.choice("authority", n, Authority::parse)?,
                    step: form.number("step", n)?.unwrap_or(1),
                });
            }
        }
        Section::Researchers => {
            next.researchers.clear();
            for (i, &n) in numbers.iter().enumerate() {
                let person = form.person("email", n, register)?;
                origin.insert(format!("researchers.{i}"), n);
                next.researchers.push(Researcher {
                    person: person.id,
                    name: person.name.clone(),
                    university: form.party("university", n, &parties)?,
                });
            }
        }
        Section::Contributions => {
            next.contributions.clear();
            for (i, &n) in numbers.iter().enumerate() {
                let kind = match form.text("kind", n).as_str() {
                    "cash" => ContributionKind::Cash { amount: form.required_number("amount", n)? },
                    "hours" => ContributionKind::Hours {
                        hours: form.required_number("hours", n)?,
                        rate: form.required_number("rate", n)?,
                    },
                    "equipment" => ContributionKind::Equipment { value: form.required_number("amount", n)? },
                    "samples_or_data" => {
                        ContributionKind::SamplesOrData { value: form.required_number("amount", n)? }
                    }
                    _ => return Err(form.problem("kind", n, "agreement.form.choice")),
                };
                origin.insert(format!("contributions.{i}"), n);
                next.contributions.push(Contribution {
                    party: form.party("party", n, &parties)?,
                    year: form.required_number("year", n)?,
                    kind,
                    source: form.choice("source", n, FundingSource::parse)?,
                    description: form.text("description", n),
                });
            }
        }
        Section::Background => {
            next.background.clear();
            for (i, &n) in numbers.iter().enumerate() {
                origin.insert(format!("background.{i}"), n);
                next.background.push(BackgroundEntry {
                    party: form.party("party", n, &parties)?,
                    what: form.text("what", n),
                    owner: form.text("owner", n),
                    restrictions: form.text("restrictions", n),
                    project_use: form.text("project_use", n),
                    exploitation: form.text("exploitation", n),
                    essential: form.ticked("essential", n),
                });
            }
        }
        Section::ForegroundExceptions => {
            next.foreground_exceptions.clear();
            for (i, &n) in numbers.iter().enumerate() {
                origin.insert(format!("foreground_exceptions.{i}"), n);
                next.foreground_exceptions.push(ForegroundException {
                    result: form.text("result", n),
                    owner: form.party("owner", n, &parties)?,
                    terms: form.text("terms", n),
                });
            }
        }
        Section::Milestones => {
            next.milestones.clear();
            for (i, &n) in numbers.iter().enumerate() {
                origin.insert(format!("milestones.{i}"), n);
                next.milestones.push(Milestone {
                    code: form.text("code", n),
                    title: form.text("title", n),
                    kind: form.choice("kind", n, MilestoneKind::parse)?,
                    due: form.required_date("due", n)?,
                    responsible: form.party("responsible", n, &parties)?,
                    acceptance: form.text("acceptance", n),
                });
            }
        }
        Section::Obligations => {
            next.obligations.clear();
            for (i, &n) in numbers.iter().enumerate() {
                origin.insert(format!("obligations.{i}"), n);
                next.obligations.push(Obligation {
                    code: form.text("code", n),
                    kind: form.choice("kind", n, ObligationKind::parse)?,
                    responsible: form.party("responsible", n, &parties)?,
                    first_due: form.required_date("first_due", n)?,
                    every_months: form.number("every_months", n)?.unwrap_or(0),
                    until: form.date("until", n)?,
                });
            }
        }
    }
    next.check_bounds().map_err(|problem| at_row(problem, &origin))?;
    Ok(next)
}

/// The organisations the rest of the terms name (signatories aside).
fn next_references(terms: &Terms) -> Vec<OrganisationId> {
    terms
        .researchers
        .iter()
        .map(|r| r.university)
        .chain(terms.contributions.iter().map(|c| c.party))
        .chain(terms.background.iter().map(|b| b.party))
        .chain(terms.foreground_exceptions.iter().map(|e| e.owner))
        .chain(terms.milestones.iter().map(|m| m.responsible))
        .chain(terms.obligations.iter().map(|o| o.responsible))
        .collect()
}

/// A problem of the terms (`milestones.1.due`) at the form row the item came from
/// (`milestones.4.due`); a contribution's bounds name its column when they can.
fn at_row(problem: Problem, origin: &BTreeMap<String, usize>) -> Problem {
    let found = origin
        .iter()
        .rev()
        .find(|(item, _)| problem.field == **item || problem.field.starts_with(&format!("{item}.")));
    let Some((item, n)) = found else { return problem };
    let rest = problem.field[item.len()..].trim_start_matches('.');
    let list =
        if item.contains(".signatories.") { "signatories" } else { item.split('.').next().unwrap_or("") };
    let part =
        if rest.is_empty() { columns_first_editable(list) } else { rest.rsplit('.').next().unwrap_or(rest) };
    Problem::new(format!("{list}.{n}.{part}"), problem.key)
}

/// Where a problem with a whole row is shown: its first column.
fn columns_first_editable(list: &str) -> &'static str {
    Section::parse(list).map(|s| columns(s)[0].part).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    fn register(terms: &Terms) -> Register {
        let mut register = Register::default();
        for party in &terms.parties {
            register.organisations.insert(
                party.organisation,
                RegisteredOrganisation { name: party.name.clone(), kind: party.kind },
            );
            for s in &party.signatories {
                register.people.push(RegisteredPerson {
                    id: s.person,
                    name: s.name.clone(),
                    email: format!("p{}@example.org", s.person.0),
                });
            }
        }
        for r in &terms.researchers {
            register.people.push(RegisteredPerson {
                id: r.person,
                name: r.name.clone(),
                email: format!("p{}@example.org", r.person.0),
            });
        }
        register
    }

    fn posted(section: Section, rows: &[Row]) -> BTreeMap<String, String> {
        rows.iter()
            .enumerate()
            .flat_map(|(n, row)| {
                row.iter().map(move |(part, value)| (field_name(section, part, n), value.clone()))
            })
            .filter(|(_, value)| !value.is_empty())
            .collect()
    }

    #[test]
    fn every_section_reads_back_what_it_shows() {
        let terms = fixtures::terms();
        let register = register(&terms);
        for section in Section::ALL {
            let shown = rows(*section, &terms, &register);
            let back = apply(*section, &posted(*section, &shown), &terms, &register);
            assert_eq!(back.as_ref(), Ok(&terms), "{section:?}");
            for row in &shown {
                let parts: Vec<&str> = columns(*section).iter().map(|c| c.part).collect();
                assert_eq!(
                    row.keys().copied().collect::<std::collections::BTreeSet<_>>(),
                    parts.iter().copied().collect(),
                    "{section:?}"
                );
            }
        }
    }

    #[test]
    fn an_empty_row_adds_nothing_and_a_removed_one_goes() {
        let terms = fixtures::terms();
        let register = register(&terms);
        let mut shown = rows(Section::Milestones, &terms, &register);
        shown.push(Row::new());
        let mut form = posted(Section::Milestones, &shown);
        assert_eq!(
            apply(Section::Milestones, &form, &terms, &register).unwrap().milestones,
            terms.milestones
        );
        form.insert("remove-0".into(), "true".into());
        let fewer = apply(Section::Milestones, &form, &terms, &register).unwrap();
        assert_eq!(fewer.milestones, terms.milestones[1..]);
    }

    #[test]
    fn problems_are_put_at_the_row_they_came_from() {
        let terms = fixtures::terms();
        let register = register(&terms);
        let mut form = posted(Section::Milestones, &rows(Section::Milestones, &terms, &register));
        // Row 5 of the form, after an empty gap: the message goes to row 5, not to item 2.
        form.insert("code-5".into(), "M9".into());
        form.insert("kind-5".into(), "milestone".into());
        form.insert("responsible-5".into(), fixtures::COMPANY_ORG.to_string());
        form.insert("due-5".into(), "2026-13-01".into());
        assert_eq!(
            apply(Section::Milestones, &form, &terms, &register),
            Err(Problem::new("milestones.5.due", "form.date"))
        );
        form.insert("due-5".into(), "2027-01-01".into());
        form.insert("title-5".into(), "x".repeat(super::super::terms::MAX_TITLE + 1));
        assert_eq!(
            apply(Section::Milestones, &form, &terms, &register),
            Err(Problem::new("milestones.5.title", "form.too_long"))
        );
    }

    #[test]
    fn people_are_found_by_email_and_parties_must_be_the_agreements() {
        let terms = fixtures::terms();
        let register = register(&terms);
        let mut form = posted(Section::Signatories, &rows(Section::Signatories, &terms, &register));
        form.insert("email-0".into(), "nobody@example.org".into());
        assert_eq!(
            apply(Section::Signatories, &form, &terms, &register),
            Err(Problem::new("signatories.0.email", "agreement.form.unknown_person"))
        );
        let mut form = posted(Section::Contributions, &rows(Section::Contributions, &terms, &register));
        form.insert("party-0".into(), fixtures::OTHER_COMPANY_ORG.to_string());
        assert_eq!(
            apply(Section::Contributions, &form, &terms, &register),
            Err(Problem::new("contributions.0.party", "agreement.form.unknown_party"))
        );
        let mut form = posted(Section::Contributions, &rows(Section::Contributions, &terms, &register));
        form.insert("amount-0".into(), "1 2x".into());
        assert!(matches!(
            apply(Section::Contributions, &form, &terms, &register),
            Err(Problem { key: "agreement.form.number", .. }) | Err(Problem { key: "form.required", .. })
        ));
    }

    #[test]
    fn a_party_still_named_elsewhere_cannot_be_removed() {
        let terms = fixtures::terms();
        let register = register(&terms);
        let mut form = posted(Section::Parties, &rows(Section::Parties, &terms, &register));
        form.insert("remove-1".into(), "true".into());
        assert_eq!(
            apply(Section::Parties, &form, &terms, &register),
            Err(Problem::new("parties", "agreement.form.party_in_use"))
        );
    }

    #[test]
    fn a_contribution_above_its_bounds_is_refused_at_its_row() {
        let terms = fixtures::terms();
        let register = register(&terms);
        let mut shown = rows(Section::Contributions, &terms, &register);
        shown[0].insert("kind", "cash".into());
        shown[0].insert("amount", (super::super::money::MAX_AMOUNT + 1).to_string());
        let form = posted(Section::Contributions, &shown);
        let problem = apply(Section::Contributions, &form, &terms, &register).unwrap_err();
        assert_eq!(problem.field, "contributions.0.amount");
        assert_eq!(problem.key, "agreement.money.out_of_bounds");
    }
}
