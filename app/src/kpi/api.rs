//! The dashboard's server functions: the figures for a view, the records behind one
//! figure, and setting a target. The policy is the coarse gate (the board, administrators
//! and node coordinators); a coordinator's view is held to their node here, and each
//! record in a drill-down shows what its own workflow's visibility lets this viewer see.

use super::model::{Dashboard, Drill, PublicPage};
use crate::error::AppError;
use kernel::kpi::filters::FilterQuery;
use kernel::kpi::notes::NoteForm;
use kernel::kpi::targets::TargetForm;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::super::model::{Card, Dashboard, Drill, DrillRow, PublicPage, SectionView};
    use super::super::store;
    use crate::db::Conn;
    use crate::error::AppError;
    use crate::i18n::{Lang, translate};
    use crate::identity::model::{Role, SignedInPerson};
    use chrono::{DateTime, Utc};
    use kernel::access::Application;
    use kernel::kpi::disclosure::{Shown, too_small};
    use kernel::kpi::figures::{Facts, Key, RecordId};
    use kernel::kpi::filters::{FilterQuery, Filters, Month};
    use kernel::kpi::notes::note_periods;
    use kernel::kpi::snapshots::{SnapshotScope, storable_months};
    use kernel::kpi::targets::{TargetPeriod, applicable};
    use kernel::kpi::{Kpi, Section};
    use kernel::workflow::Aggregate;
    use kernel::{NodeId, stockholm};
    use std::collections::{BTreeMap, BTreeSet};

    /// The table a record lives in (its page is `/<table>/<id>`), and its id there.
    fn table_of(record: &RecordId) -> (&'static str, i64) {
        match record {
            RecordId::Application(a, _) => ("applications", a.get()),
            RecordId::Proposal(p) => ("proposals", p.get()),
            RecordId::Agreement(a) => ("agreements", a.get()),
        }
    }

    /// The view's filters, held to the viewer's scope: the whole country for the board and
    /// administrators, their node (one of theirs) for a coordinator.
    pub struct Scope {
        pub whole: bool,
        pub filters: Filters,
        pub problem: Option<kernel::kpi::filters::FilterProblem>,
    }

    pub fn scope(
        person: &SignedInPerson,
        query: &FilterQuery,
        today: chrono::NaiveDate,
    ) -> Result<Scope, AppError> {
        let whole = person.has_role(Role::SteeringBoardMember) || person.has_role(Role::Administrator);
        let (mut filters, problem) = match query.read(today) {
            Ok(filters) => (filters, None),
            Err(problem) => {
                (FilterQuery::default().read(today).map_err(|_| AppError::Internal)?, Some(problem))
            }
        };
        if !whole {
            let coordinated: Vec<NodeId> = person
                .grants
                .iter()
                .filter(|g| g.role == Role::NodeCoordinator)
                .filter_map(|g| g.node_id)
                .collect();
            let node = filters.node.filter(|n| coordinated.contains(n)).or(coordinated.first().copied());
            filters.node = Some(node.ok_or(AppError::Forbidden)?);
        }
        Ok(Scope { whole, filters, problem })
    }

    fn name_of(choices: &[(i64, String)], id: i64) -> String {
        choices.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()).unwrap_or_else(|| format!("#{id}"))
    }

    pub fn key_name(key: Key, choices: &super::super::model::Choices, lang: Lang) -> String {
        match key {
            Key::Node(node) => name_of(&choices.nodes, node.get()),
            Key::Call(call) => name_of(&choices.calls, call.get()),
            Key::CompanyKind(kind) => translate(lang, &format!("company.kind.{}", kind.code())),
            Key::NoCompany => translate(lang, "dashboard.no_company"),
        }
    }

    /// The whole dashboard for one viewer and one view.
    pub async fn dashboard(
        conn: &mut Conn,
        person: &SignedInPerson,
        query: FilterQuery,
        lang: Lang,
        threshold: u64,
        now: DateTime<Utc>,
    ) -> Result<Dashboard, AppError> {
        let today = stockholm::date(now);
        let Scope { whole, filters, problem } = scope(person, &query, today)?;
        let facts = read_facts(conn).await?;
        let targets = store::targets(conn).await?;
        let mut history = store::history(conn).await?;
        let choices = store::choices(conn, lang).await?;
        let notes = store::notes(conn).await?;
        let people = store::people(conn).await?;
        // Closed months wholly inside the period come from their snapshots, where the view
        // is one a snapshot can stand for.
        let storable: BTreeSet<Month> = storable_months(&filters, today).into_iter().collect();
        let mut stored = match SnapshotScope::of(&filters) {
            Some(scope) if !storable.is_empty() => store::stored_months(conn, scope).await?,
            _ => BTreeMap::new(),
        };
        let sections = Section::ALL
            .iter()
            .map(|section| {
                let cards = Kpi::in_section(*section)
                    .filter(|kpi| whole || kpi.has_node())
                    .map(|kpi| {
                        let mut months = stored.remove(&kpi).unwrap_or_default();
                        months.retain(|month, _| storable.contains(month));
                        let figure = kpi.figure_with(&facts, &filters, threshold, &months);
                        let target = applicable(&targets, kpi, &filters).cloned();
                        let status = target.as_ref().map(|t| t.status(figure.total.value, &filters, today));
                        let breakdown_names =
                            figure.breakdown.iter().map(|(k, _)| key_name(*k, &choices, lang)).collect();
                        let notes = notes
                            .iter()
                            .filter(|(note, _)| note.kpi == kpi && note.shown_in(&filters))
                            .map(|(_, shown)| shown.clone())
                            .collect();
                        let history = history.remove(&kpi).unwrap_or_default();
                        Card { figure, breakdown_names, target, status, history, notes }
                    })
                    .collect::<Vec<_>>();
                SectionView { section: *section, national: *section == Section::Pipeline, cards }
            })
            .filter(|s| !s.cards.is_empty())
            .collect();
        let scoped_to = (!whole).then(|| filters.node.map(|n| name_of(&choices.nodes, n.get()))).flatten();
        Ok(Dashboard {
            query: if problem.is_some() { query } else { filters.query() },
            filters,
            problem: problem.map(Into::into),
            scoped_to,
            sections,
            choices,
            threshold,
            computed_at: stockholm::minute_text(now),
            can_set_targets: crate::policy::permits(person, crate::policy::Action::SetKpiTarget),
            target_periods: TargetPeriod::choices(today).into_iter().map(TargetPeriod::code).collect(),
            can_write_notes: crate::policy::permits(person, crate::policy::Action::WriteBoardNote),
            note_periods: note_periods(today).into_iter().map(TargetPeriod::code).collect(),
            gender: kernel::kpi::gender::table(&facts, &people, &filters, threshold),
        })
    }

    async fn read_facts(conn: &mut Conn) -> Result<Facts, AppError> {
        store::facts(conn).await.map_err(|error| {
            tracing::error!(%error, "the KPIs' facts could not be read");
            AppError::Internal
        })
    }

    /// The public page's figures: national, from the first record to today.
    pub async fn public_page(
        conn: &mut Conn,
        threshold: u64,
        now: DateTime<Utc>,
    ) -> Result<PublicPage, AppError> {
        let facts = read_facts(conn).await?;
        let filters = kernel::kpi::public::all_time(&facts, stockholm::date(now));
        let (calls, cohorts) = store::catalogue_counts(conn).await?;
        Ok(PublicPage {
            numbers: kernel::kpi::public::public_numbers(&facts, &filters, threshold),
            calls,
            cohorts,
            since: filters.from.to_string(),
            computed_at: stockholm::minute_text(now),
            threshold,
        })
    }

    /// The most records one drill-down lists.
    pub const DRILL_LIMIT: usize = 500;

    fn date(at: DateTime<Utc>) -> String {
        stockholm::date(at).to_string()
    }

    /// The records behind one KPI's figure, newest first, as far as this viewer may see each.
    pub async fn drill(
        conn: &mut Conn,
        person: &SignedInPerson,
        kpi: Kpi,
        query: FilterQuery,
        lang: Lang,
        threshold: u64,
        now: DateTime<Utc>,
    ) -> Result<Drill, AppError> {
        let Scope { whole, filters, problem } = scope(person, &query, stockholm::date(now))?;
        if let Some(problem) = problem {
            return Err(AppError::invalid(problem.field, problem.key));
        }
        if !whole && !kpi.has_node() {
            return Err(AppError::Forbidden);
        }
        let facts = read_facts(conn).await?;
        let choices = store::choices(conn, lang).await?;
        let mut records = kpi.records(&facts, &filters);
        records.sort_by_key(|r| std::cmp::Reverse(r.at));
        records.truncate(DRILL_LIMIT);
        let ids = |pick: fn(&RecordId) -> Option<i64>| {
            let mut ids: Vec<i64> = records.iter().filter_map(|r| pick(&r.id)).collect();
            ids.sort();
            ids.dedup();
            ids
        };
        let application_ids = ids(|r| if let RecordId::Application(a, _) = r { Some(a.get()) } else { None });
        let proposal_ids = ids(|r| if let RecordId::Proposal(p) = r { Some(p.get()) } else { None });
        let agreement_ids = ids(|r| if let RecordId::Agreement(a) = r { Some(a.get()) } else { None });

        // Which of them the viewer may open, each by its own workflow's visibility.
        let mut open: BTreeSet<RecordId> = BTreeSet::new();
        let access_actor = person.access_actor();
        let applications = crate::workflow::load_many::<Application>(conn, &application_ids)
            .await
            .map_err(|_| AppError::Internal)?;
        for (id, application) in &applications {
            let visibility = application.visibility(&access_actor, &Default::default());
            if visibility.sees_application() {
                for cohort in application.parts.keys() {
                    open.insert(RecordId::Application(kernel::ApplicationId(*id), *cohort));
                }
            }
        }
        let proposal_actor = person.proposal_actor();
        for id in &proposal_ids {
            let (proposal, _) =
                crate::co_creation::store::load(conn, *id).await.map_err(|_| AppError::Internal)?;
            let facts = crate::co_creation::store::proposal_facts(conn, *id).await?;
            if proposal.visibility_with(&proposal_actor, &facts).sees {
                open.insert(RecordId::Proposal(kernel::ProposalId(*id)));
            }
        }
        let agreement_actor = crate::agreements::store::actor(conn, person).await?;
        let agreements = crate::agreements::store::load_many_with_facts(conn, &agreement_ids)
            .await
            .map_err(|_| AppError::Internal)?;
        for (id, (agreement, facts)) in &agreements {
            if agreement.visibility_with(&agreement_actor, facts).sees() {
                open.insert(RecordId::Agreement(kernel::AgreementId(*id)));
            }
        }
        let mut title_of: BTreeMap<&str, BTreeMap<i64, String>> = BTreeMap::new();
        for table in ["applications", "proposals", "agreements"] {
            let mut open_ids: Vec<i64> =
                open.iter().filter(|r| table_of(r).0 == table).map(|r| table_of(r).1).collect();
            open_ids.dedup();
            title_of.insert(table, store::titles(conn, table, &open_ids).await?);
        }

        let decisions: BTreeMap<_, _> =
            facts.access.iter().map(|d| (RecordId::Application(d.application, d.cohort), d)).collect();
        let t = |key: &str| translate(lang, key);
        let closed = records.iter().filter(|r| !open.contains(&r.id)).count() as u64;
        let list_closed = !too_small(closed, threshold);
        let rows = records
            .iter()
            .filter(|r| list_closed || open.contains(&r.id))
            .map(|r| {
                let visible = open.contains(&r.id);
                let (table, id) = table_of(&r.id);
                let link = format!("/{table}/{id}");
                let title = visible.then(|| title_of.get(table).and_then(|m| m.get(&id)).cloned()).flatten();
                let mut details = Vec::new();
                let counted = match (r.id, kpi.unit()) {
                    (RecordId::Application(..), _) => {
                        let d = decisions.get(&r.id);
                        if let Some(d) = d {
                            details.push(format!(
                                "{} {}",
                                t("dashboard.drill.complete"),
                                date(d.complete_at)
                            ));
                            details.push(format!("{} {}", t("dashboard.drill.deadline"), date(d.deadline)));
                            details.push(t(if d.approved {
                                "dashboard.drill.approved"
                            } else {
                                "dashboard.drill.rejected"
                            }));
                            if d.extended {
                                details.push(t("dashboard.drill.extended"));
                            }
                        }
                        d.map_or_else(String::new, |d| {
                            let within = t(if d.within_limit() {
                                "dashboard.drill.within"
                            } else {
                                "dashboard.drill.over"
                            });
                            format!("{} {} · {within}", d.days, t("dashboard.days"))
                        })
                    }
                    (_, kernel::kpi::Unit::Share) => {
                        t(if r.x > 0.0 { "dashboard.drill.yes" } else { "dashboard.drill.no" })
                    }
                    (_, unit) => super::super::model::number_text(unit, r.x, lang),
                };
                DrillRow {
                    title: title.or_else(|| visible.then(|| format!("#{id}"))),
                    link: visible.then_some(link),
                    group: key_name(r.key, &choices, lang),
                    at: date(r.at),
                    counted,
                    details,
                }
            })
            .collect();
        Ok(Drill {
            kpi,
            filters,
            rows,
            closed: if too_small(closed, threshold) { Shown::Hidden } else { Shown::Count(closed) },
            threshold,
        })
    }
}

/// The dashboard for this view (the filters in the URL).
#[server]
pub async fn get_dashboard(#[server(default)] query: FilterQuery) -> Result<Dashboard, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, request_lang};
    let (state, person) = authorize(Action::ViewDashboard).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let threshold = state.config.small_number_threshold;
    ssr::dashboard(&mut conn, &person, query, request_lang(), threshold, chrono::Utc::now()).await
}

/// The records behind one KPI's figure, with the same filters.
#[server]
pub async fn get_dashboard_records(
    kpi: String,
    #[server(default)] query: FilterQuery,
) -> Result<Drill, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, request_lang};
    let (state, person) = authorize(Action::ViewDashboard).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let kpi = kernel::kpi::Kpi::parse(&kpi).ok_or(AppError::NotFound)?;
    let mut conn = state.db.read().await?;
    let threshold = state.config.small_number_threshold;
    ssr::drill(&mut conn, &person, kpi, query, request_lang(), threshold, chrono::Utc::now()).await
}

/// Sets a KPI's target for a period; the change is kept with who, when and why.
#[server]
pub async fn set_kpi_target(target: TargetForm) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, person) = authorize(Action::SetKpiTarget).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let today = kernel::stockholm::date(chrono::Utc::now());
    let target = target.read(today).map_err(|p| with_status(AppError::invalid(p.field, p.key)))?;
    let mut tx = state.db.write().await?;
    super::store::set_target(&mut tx, person.id, &target).await?;
    tx.commit().await?;
    Ok(())
}

/// "The cluster in numbers": a few national totals, for everyone (no sign-in).
#[server]
pub async fn get_public_numbers() -> Result<PublicPage, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::ViewPublicNumbers).await?;
    let mut conn = state.db.read().await?;
    ssr::public_page(&mut conn, state.config.small_number_threshold, chrono::Utc::now()).await
}

/// Records the board's decision or action on a KPI for a period.
#[server]
pub async fn add_board_note(note: NoteForm) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, person) = authorize(Action::WriteBoardNote).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let today = kernel::stockholm::date(chrono::Utc::now());
    let note = note.read(today).map_err(|p| with_status(AppError::invalid(p.field, p.key)))?;
    let mut tx = state.db.write().await?;
    super::store::add_note(&mut tx, person.id, &note).await?;
    tx.commit().await?;
    Ok(())
}
