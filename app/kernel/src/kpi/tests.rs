use super::disclosure::{DEFAULT_THRESHOLD, Shown, possible_values, suppress_line};
use super::facts::{access_decisions, proposal_facts};
use super::figures::{Facts, Key, Value, median};
use super::filters::{FilterQuery, Filters};
use super::targets::{Target, TargetPeriod, TargetStatus, applicable};
use super::{Direction, Kpi};
use crate::access::Event as A;
use crate::proposal::{Decision, Event as P, Stage};
use crate::{ApplicationId, CallId, CohortId, CompanyId, NodeId, PersonId, ProposalId};
use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{text}T10:00:00Z")).unwrap().with_timezone(&Utc)
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

const UPPSALA: NodeId = NodeId(1);
const UMEA: NodeId = NodeId(2);
const SCAPIS: CohortId = CohortId(10);

fn created(node: NodeId) -> A {
    A::Created { applicant: PersonId(1), cohorts: vec![(SCAPIS, node)], rules: vec![] }
}

fn approved() -> A {
    A::Approved { cohort: SCAPIS, ends_on: day("2027-12-31"), conditions: String::new() }
}

/// Complete on 10 January, back with the applicant for 10 days, extended, approved on
/// 20 May: 130 calendar days, 120 of them the committee's, within the extended limit.
fn returned_and_extended(id: i64) -> Vec<(A, DateTime<Utc>)> {
    vec![
        (created(UPPSALA), at("2026-01-05")),
        (A::Submitted { version: 1, nodes: vec![UPPSALA] }, at("2026-01-10")),
        (A::HandlerAssigned { node: UPPSALA, handler: PersonId(2 + id) }, at("2026-01-12")),
        (A::Returned { node: UPPSALA, questions: "Which variables?".into() }, at("2026-02-01")),
        (A::Submitted { version: 2, nodes: vec![UPPSALA] }, at("2026-02-11")),
        (A::HandlerAssigned { node: UPPSALA, handler: PersonId(2) }, at("2026-02-12")),
        (A::DeadlineExtended { node: UPPSALA, reason: "Ethics review".into() }, at("2026-04-01")),
        (approved(), at("2026-05-20")),
    ]
}

/// Complete on 2 March, rejected 100 days later without an extension: over the limit.
fn rejected_late(node: NodeId) -> Vec<(A, DateTime<Utc>)> {
    vec![
        (created(node), at("2026-03-01")),
        (A::Submitted { version: 1, nodes: vec![node] }, at("2026-03-02")),
        (A::HandlerAssigned { node, handler: PersonId(2) }, at("2026-03-03")),
        (A::Rejected { cohort: SCAPIS, reasons: "Outside consent.".into() }, at("2026-06-10")),
    ]
}

#[test]
fn access_times_leave_out_the_pauses_and_follow_the_extension() {
    let decisions = access_decisions(ApplicationId(1), &returned_and_extended(1));
    assert_eq!(decisions.len(), 1);
    let d = &decisions[0];
    assert_eq!((d.complete_at, d.decided_at), (at("2026-01-10"), at("2026-05-20")));
    assert_eq!(d.days, 120, "130 days, 10 of them with the applicant");
    assert!(d.approved && d.extended && d.within_limit());
    // Three months from 10 January, moved by the 10 days returned, then by three more.
    assert_eq!(crate::stockholm::date(d.deadline), day("2026-07-20"));

    let late = access_decisions(ApplicationId(2), &rejected_late(UMEA));
    assert_eq!((late[0].days, late[0].approved, late[0].extended), (100, false, false));
    assert!(!late[0].within_limit(), "due on 2 June, decided on 10 June");
    assert_eq!(late[0].node, UMEA);
}

#[test]
fn an_undecided_application_gives_no_decision() {
    let mut log = rejected_late(UPPSALA);
    log.pop();
    assert!(access_decisions(ApplicationId(3), &log).is_empty());
}

fn proposal(id: i64, call: i64, decision: Option<Decision>, eligible: bool) -> Vec<(P, DateTime<Utc>)> {
    let mut log = vec![
        (P::Created { company: CompanyId(7), call: CallId(call), stage: Stage::Full }, at("2026-02-01")),
        (P::Submitted { version: 1 }, at("2026-02-10")),
    ];
    if !eligible {
        log.push((P::ScreenedIneligible { reason: "Not in Sweden.".into() }, at("2026-02-15")));
        return log;
    }
    log.push((P::ScreenedEligible { reason: None }, at("2026-02-15")));
    log.push((P::ReviewerAssigned { reviewer: PersonId(id), suggested: false }, at("2026-02-16")));
    if let Some(decision) = decision {
        log.push((
            P::DecisionRecorded { decision, rationale: "R".into(), summary: "S".into() },
            at("2026-04-11"),
        ));
        log.push((P::DecisionReleased, at("2026-04-20")));
    }
    log
}

fn pipeline() -> Facts {
    let kinds = [
        Decision::Selected,
        Decision::Selected,
        Decision::NotSelected,
        Decision::Reserve,
        Decision::Selected,
    ];
    let mut proposals: Vec<_> = kinds
        .iter()
        .enumerate()
        .map(|(i, d)| {
            proposal_facts(ProposalId(i as i64), None, &proposal(i as i64, 1, Some(*d), true)).unwrap()
        })
        .collect();
    for i in 5..8 {
        proposals.push(proposal_facts(ProposalId(i), None, &proposal(i, 1, None, false)).unwrap());
    }
    for i in 8..10 {
        proposals.push(proposal_facts(ProposalId(i), None, &proposal(i, 2, None, true)).unwrap());
    }
    Facts { proposals, ..Facts::default() }
}

fn year_2026() -> Filters {
    FilterQuery { from: Some("2026-01-01".into()), to: Some("2026-12-31".into()), ..FilterQuery::default() }
        .read(day("2026-12-01"))
        .unwrap()
}

#[test]
fn the_pipeline_counts_screening_selection_and_days_to_decision() {
    let facts = pipeline();
    let filters = year_2026();
    let received = Kpi::ProposalsReceived.figure(&facts, &filters, DEFAULT_THRESHOLD);
    assert_eq!(received.total.value, Value::Number(10.0));
    // Ten screened, seven eligible, three not: the three are too few to give away.
    let eligibility = Kpi::EligibilityRate.figure(&facts, &filters, DEFAULT_THRESHOLD);
    assert_eq!(eligibility.total.value, Value::Hidden, "3 ineligible is a small number");
    assert_eq!(Kpi::EligibilityRate.figure(&facts, &filters, 3).total.value, Value::Number(0.7));
    // Five decided, three selected: with a threshold of 2, 60 %.
    assert_eq!(Kpi::SelectionRate.figure(&facts, &filters, 2).total.value, Value::Number(0.6));
    // Submitted on 10 February, decided on 11 April: 60 days, each of them.
    let days = Kpi::DaysToProposalDecision.figure(&facts, &filters, DEFAULT_THRESHOLD);
    assert_eq!(days.total.value, Value::Number(60.0));
    // Filtered to call 2: two received, shown as hidden.
    let call_2 = Filters { call: Some(CallId(2)), ..filters };
    let received = Kpi::ProposalsReceived.figure(&facts, &call_2, DEFAULT_THRESHOLD);
    assert_eq!((received.total.records, received.total.value), (Shown::Hidden, Value::Hidden));
}

fn access_facts() -> Facts {
    let mut access = Vec::new();
    for id in 0..6 {
        access.extend(access_decisions(ApplicationId(id), &returned_and_extended(id)));
    }
    for id in 6..12 {
        access.extend(access_decisions(ApplicationId(id), &rejected_late(UPPSALA)));
    }
    for id in 12..14 {
        access.extend(access_decisions(ApplicationId(id), &rejected_late(UMEA)));
    }
    Facts { access, ..Facts::default() }
}

#[test]
fn access_kpis_count_decisions_per_node_and_hide_the_small_ones() {
    let facts = access_facts();
    let filters = year_2026();
    let t = DEFAULT_THRESHOLD;
    let decisions = Kpi::AccessDecisions.figure(&facts, &filters, t);
    assert_eq!(decisions.total.value, Value::Number(14.0));
    // Umeå's 2 are hidden, and so is Uppsala's 12: the total would give Umeå's away.
    assert_eq!(
        decisions.breakdown,
        vec![
            (Key::Node(UPPSALA), super::figures::Cell { records: Shown::Hidden, value: Value::Hidden }),
            (Key::Node(UMEA), super::figures::Cell { records: Shown::Hidden, value: Value::Hidden }),
        ]
    );
    let within = Kpi::DecidedWithinLimit.figure(&facts, &filters, t);
    assert_eq!(within.total.value, Value::Number(6.0 / 14.0));
    let extended = Kpi::UsedExtension.figure(&facts, &filters, t);
    assert_eq!(extended.total.value, Value::Number(6.0 / 14.0));
    // Median of six 120s and eight 100s.
    assert_eq!(Kpi::DaysToAccessDecision.figure(&facts, &filters, t).total.value, Value::Number(100.0));
    // Uppsala alone: 12 decisions, 6 of them in time.
    let uppsala = Filters { node: Some(UPPSALA), ..filters };
    assert_eq!(Kpi::DecidedWithinLimit.figure(&facts, &uppsala, t).total.value, Value::Number(0.5));
    // The trend: January had none, May 6 decisions, June 8.
    let trend = Kpi::AccessDecisions.figure(&facts, &filters, t).trend;
    assert_eq!(trend.len(), 12);
    assert_eq!(trend[4].1.value, Value::Number(6.0));
    assert_eq!(trend[5].1.value, Value::Number(8.0));
    assert_eq!(trend[0].1.value, Value::Number(0.0), "zero is not sensitive");
    // 2025 is the previous period: nothing then.
    assert_eq!(Kpi::AccessDecisions.figure(&facts, &filters, t).previous.value, Value::Number(0.0));
}

#[test]
fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
    assert_eq!(median(&mut [3.0, 1.0, 10.0, 4.0]), Some(3.5));
    assert_eq!(median(&mut [5.0]), Some(5.0));
    assert_eq!(median(&mut []), None);
}

#[test]
fn filters_are_read_checked_and_written_back() {
    let today = day("2026-12-01");
    let default = FilterQuery::default().read(today).unwrap();
    assert_eq!((default.from, default.to), (day("2026-01-01"), today));
    let query = FilterQuery {
        from: Some("2026-01-01".into()),
        to: Some("2026-06-30".into()),
        node: Some("3".into()),
        company_kind: Some("sme".into()),
        ..FilterQuery::default()
    };
    let filters = query.read(today).unwrap();
    assert_eq!(filters.query_string(), "from=2026-01-01&to=2026-06-30&node=3&company_kind=sme");
    assert_eq!(filters.query().read(today).unwrap(), filters);
    let previous = filters.previous();
    assert_eq!((previous.from, previous.to), (day("2025-07-04"), day("2025-12-31")));
    for (query, field) in [
        (FilterQuery { from: Some("2026-13-01".into()), ..FilterQuery::default() }, "from"),
        (
            FilterQuery {
                from: Some("2026-05-01".into()),
                to: Some("2026-04-01".into()),
                ..Default::default()
            },
            "to",
        ),
        (
            FilterQuery {
                from: Some("2000-01-01".into()),
                to: Some("2026-04-01".into()),
                ..Default::default()
            },
            "to",
        ),
        (FilterQuery { node: Some("uppsala".into()), ..FilterQuery::default() }, "node"),
        (FilterQuery { company_kind: Some("bank".into()), ..FilterQuery::default() }, "company_kind"),
    ] {
        assert_eq!(query.read(today).unwrap_err().field, field, "{query:?}");
    }
}

fn target(kpi: Kpi, period: &str, direction: Direction, value: f64) -> Target {
    Target {
        kpi,
        period: TargetPeriod::parse(period).unwrap(),
        direction,
        value,
        owner: "Board".into(),
        rationale: "R".into(),
    }
}

#[test]
fn targets_are_judged_by_pace_for_counts_and_by_level_for_shares() {
    let half =
        FilterQuery { from: Some("2026-01-01".into()), to: Some("2026-12-31".into()), ..Default::default() }
            .read(day("2026-07-01"))
            .unwrap();
    let today = day("2026-07-01");
    let count = target(Kpi::AccessDecisions, "2026", Direction::AtLeast, 100.0);
    assert_eq!(
        count.status(Value::Number(55.0), &half, today),
        TargetStatus::OnTrack,
        "55 by July: 110 by December"
    );
    assert_eq!(count.status(Value::Number(40.0), &half, today), TargetStatus::OffTrack);
    assert_eq!(count.status(Value::Number(100.0), &half, today), TargetStatus::Met);
    assert_eq!(count.status(Value::Hidden, &half, today), TargetStatus::NoData);
    assert_eq!(count.monthly_line(), 100.0 / 12.0);
    let share = target(Kpi::DecidedWithinLimit, "2026", Direction::AtLeast, 0.9);
    assert_eq!(share.status(Value::Number(0.5), &half, today), TargetStatus::OffTrack);
    assert_eq!(share.status(Value::Number(0.95), &half, today), TargetStatus::OnTrack);
    assert_eq!(share.status(Value::Number(0.5), &half, day("2027-01-02")), TargetStatus::Missed);
    let days = target(Kpi::DaysToAccessDecision, "2026", Direction::AtMost, 60.0);
    assert_eq!(days.status(Value::Number(45.0), &half, day("2027-01-02")), TargetStatus::Met);

    // The quarter that is the view's period wins over the year that covers it.
    let targets = vec![share.clone(), target(Kpi::DecidedWithinLimit, "2026-Q4", Direction::AtLeast, 0.8)];
    let q4 = Filters { from: day("2026-10-01"), to: day("2026-12-31"), ..half };
    assert_eq!(applicable(&targets, Kpi::DecidedWithinLimit, &q4).unwrap().value, 0.8);
    assert_eq!(applicable(&targets, Kpi::DecidedWithinLimit, &half).unwrap().value, 0.9);
    assert!(applicable(&targets, Kpi::ApprovalRate, &half).is_none());
}

#[test]
fn target_periods_are_years_and_quarters() {
    assert_eq!(TargetPeriod::parse("2026-Q3"), Some(TargetPeriod::Quarter(2026, 3)));
    assert_eq!(TargetPeriod::Quarter(2026, 3).start(), day("2026-07-01"));
    assert_eq!(TargetPeriod::Quarter(2026, 4).end(), day("2026-12-31"));
    assert_eq!(TargetPeriod::Year(2027).end(), day("2027-12-31"));
    for bad in ["2026-Q5", "26", "1999", "2026Q1", ""] {
        assert_eq!(TargetPeriod::parse(bad), None, "{bad}");
    }
    assert_eq!(
        TargetPeriod::parse(&TargetPeriod::Quarter(2027, 1).code()),
        Some(TargetPeriod::Quarter(2027, 1))
    );
}

#[test]
fn a_single_small_cell_takes_the_next_smallest_with_it() {
    assert_eq!(
        suppress_line(&[12, 2, 30], 5),
        (vec![Shown::Hidden, Shown::Hidden, Shown::Count(30)], Shown::Count(44))
    );
    // Five ones hidden: their sum (5) would tell each is 1, so one more goes.
    let (cells, _) = suppress_line(&[1, 1, 1, 1, 1, 9, 20], 5);
    assert_eq!(cells[5], Shown::Hidden);
    // One record in all: the total goes too.
    assert_eq!(
        suppress_line(&[0, 1, 0], 5),
        (vec![Shown::Count(0), Shown::Hidden, Shown::Count(0)], Shown::Hidden)
    );
    assert_eq!(suppress_line(&[0, 0], 5), (vec![Shown::Count(0), Shown::Count(0)], Shown::Count(0)));
}

proptest! {
    /// Whatever the counts: every small count is hidden, and no hidden count can be worked
    /// out from the shown cells and the shown total.
    #[test]
    fn no_hidden_count_can_be_recovered(counts in proptest::collection::vec(0u64..40, 1..14), threshold in 2u64..11) {
        let (cells, total) = suppress_line(&counts, threshold);
        for (count, cell) in counts.iter().zip(&cells) {
            if *count > 0 && *count < threshold {
                prop_assert_eq!(*cell, Shown::Hidden);
            }
            if let Shown::Count(n) = cell {
                prop_assert_eq!(n, count);
            }
        }
        for cell in 0..counts.len() {
            if let Some(range) = possible_values(&counts, &cells, total, cell) {
                prop_assert!(range.end() > range.start(), "cell {} of {:?} is {:?}", cell, counts, range);
                prop_assert!(range.contains(&counts[cell]));
            }
        }
        let sum: u64 = counts.iter().sum();
        if sum > 0 && sum < threshold {
            prop_assert_eq!(total, Shown::Hidden);
        }
    }
}

#[test]
fn a_typed_target_is_read_in_the_unit_people_read() {
    let today = day("2026-12-01");
    let form = super::targets::TargetForm {
        kpi: "decided_within_limit".into(),
        period: "2027".into(),
        direction: "at_least".into(),
        value: "90 %".into(),
        owner: "Anna Ekström".into(),
        rationale: "EHDS: decisions within three months.".into(),
    };
    let target = form.read(today).unwrap();
    assert_eq!((target.value, target.period), (0.9, TargetPeriod::Year(2027)));
    let days = super::targets::TargetForm {
        kpi: "days_to_access_decision".into(),
        value: "45,5".into(),
        ..form.clone()
    };
    assert_eq!(days.read(today).unwrap().value, 45.5);
    for (bad, field) in [
        (super::targets::TargetForm { value: "150".into(), ..form.clone() }, "value"),
        (super::targets::TargetForm { value: "NaN".into(), ..form.clone() }, "value"),
        (super::targets::TargetForm { period: "2030".into(), ..form.clone() }, "period"),
        (super::targets::TargetForm { period: "2025".into(), ..form.clone() }, "period"),
        (super::targets::TargetForm { owner: " ".into(), ..form.clone() }, "owner"),
        (super::targets::TargetForm { rationale: "x".repeat(2001), ..form.clone() }, "rationale"),
        (super::targets::TargetForm { kpi: "happiness".into(), ..form.clone() }, "kpi"),
    ] {
        assert_eq!(bad.read(today).unwrap_err().field, field);
    }
}

#[test]
fn the_public_numbers_are_national_totals_with_small_ones_hidden() {
    let mut facts = pipeline();
    facts.access = access_facts().access;
    // A node filter cannot narrow the public page: it is national.
    let filters = Filters { node: Some(UMEA), ..year_2026() };
    let numbers = super::public::public_numbers(&facts, &filters, DEFAULT_THRESHOLD);
    assert_eq!(numbers.proposals_received, Shown::Count(10));
    assert_eq!(numbers.projects_selected, Shown::Hidden, "three selected is a small number");
    assert_eq!(super::public::public_numbers(&facts, &filters, 3).projects_selected, Shown::Count(3));
    assert_eq!(numbers.agreements_signed, Shown::Count(0), "zero is not sensitive");
    assert_eq!(numbers.access_decisions, Shown::Count(14));
    assert_eq!(numbers.median_days_to_access_decision, Value::Number(100.0));
    // Four decisions are too few for their median to be shown.
    let few = Facts { access: facts.access[..4].to_vec(), ..Facts::default() };
    let numbers = super::public::public_numbers(&few, &filters, DEFAULT_THRESHOLD);
    assert_eq!(
        (numbers.access_decisions, numbers.median_days_to_access_decision),
        (Shown::Hidden, Value::Hidden)
    );
    // All time starts on the first day anything was counted: the first submission.
    let span = super::public::all_time(&facts, day("2026-12-01"));
    assert_eq!((span.from, span.to), (day("2026-02-10"), day("2026-12-01")));
    assert_eq!(super::public::all_time(&Facts::default(), day("2026-12-01")).from, day("2026-12-01"));
}

#[test]
fn a_board_note_is_read_checked_and_shown_in_the_views_it_overlaps() {
    use super::notes::{NoteForm, NoteKind};
    let today = day("2026-12-01");
    let form = |period: &str, text: &str| NoteForm {
        kpi: "decided_within_limit".into(),
        period: period.into(),
        kind: "action".into(),
        text: text.into(),
    };
    let note = form("2025-Q4", "  Uppsala adds a second handler.  ").read(today).unwrap();
    assert_eq!((note.kind, note.text.as_str()), (NoteKind::Action, "Uppsala adds a second handler."));
    assert_eq!(form("2024", "Too old.").read(today).unwrap_err().field, "period");
    assert_eq!(form("2028", "Too far.").read(today).unwrap_err().field, "period");
    assert_eq!(form("2027-Q2", " ").read(today).unwrap_err().key, "form.required");
    assert_eq!(form("2026", &"x".repeat(2001)).read(today).unwrap_err().key, "form.too_long");
    assert_eq!(NoteForm { kind: "wish".into(), ..form("2026", "A") }.read(today).unwrap_err().field, "kind");
    // 2025-Q4 overlaps a view of 2025 and one from December 2025 on, not 2026 alone.
    let view = |from: &str, to: &str| {
        FilterQuery { from: Some(from.into()), to: Some(to.into()), ..FilterQuery::default() }
            .read(today)
            .unwrap()
    };
    assert!(note.shown_in(&view("2025-01-01", "2025-12-31")));
    assert!(note.shown_in(&view("2025-12-31", "2026-06-30")));
    assert!(!note.shown_in(&year_2026()));
}
