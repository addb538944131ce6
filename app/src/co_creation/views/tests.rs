//! What a proposal's [`kernel::proposal::Visibility`] hides never reaches its page model:
//! random command sequences, every text typed into them a unique marker, and after every
//! step each person's page (serialised, as the browser gets it) checked for the markers
//! their lens does not show: reviews and their authors, the board's deliberation, the live
//! draft.

use super::*;
use kernel::proposal::{Command, Confidence, CriterionScore, Decision, Event, Review, Stage};
use kernel::workflow::EventKind;
use kernel::{CallId, CompanyId};
use proptest::prelude::*;
use std::collections::BTreeSet;

use kernel::fixtures::at;
use kernel::fixtures::proposal::*;

const DRAFT_MARKER: &str = "draftzqlive";
const SENT_MARKER: &str = "sentzqform";

fn actors() -> Vec<Actor> {
    vec![
        actor(COMPANY, false, false, false),
        actor(ADMIN, true, false, false),
        actor(BOARD, false, true, false),
        actor(REVIEWER, false, false, true),
        actor(CONFLICTED_ADMIN, true, true, true),
        actor(OTHER_REVIEWER, false, false, true),
        actor(STRANGER, false, false, false),
    ]
}

fn name(id: PersonId) -> String {
    format!("Person{}zqname", id.get())
}

fn marker(n: usize) -> String {
    format!("zq{n}qz")
}

fn command(template: usize, pick: usize, n: usize) -> Command {
    let text = marker(n);
    let person = [REVIEWER, OTHER_REVIEWER, CONFLICTED_ADMIN, COMPANY][pick % 4];
    match template % 9 {
        0 => Command::Submit { ineligible: Vec::new() },
        1 => Command::Screen { eligible: !pick.is_multiple_of(3), reason: text },
        2 => Command::Withdraw { reason: text },
        3 => Command::AssignReviewer { reviewer: person, suggested: false },
        4 => Command::RemoveReviewer { reviewer: person },
        5 => Command::StepDown,
        6 => Command::SubmitReview {
            review: Review {
                scores: CRITERIA
                    .iter()
                    .map(|c| CriterionScore {
                        criterion: (*c).into(),
                        halves: Some(7),
                        comment: format!("{text}{c}"),
                    })
                    .collect(),
                assessed_trl: Some(6),
                confidence: Some(Confidence::High),
            },
            justification: text,
        },
        7 => Command::RecordDecision {
            decision: Decision::ALL[pick % 3],
            rationale: format!("{text}why"),
            summary: format!("{text}sum"),
        },
        _ => Command::Release,
    }
}

fn call_row(released: bool) -> CallRow {
    CallRow {
        id: 8,
        slug: "call".into(),
        title_sv: "Utlysning".into(),
        title_en: "Call".into(),
        body_sv: String::new(),
        body_en: String::new(),
        opens_at: "2026-01-01T00:00:00Z".into(),
        closes_at: "2026-03-01T00:00:00Z".into(),
        trl_min: 5,
        trl_max: 9,
        disease_areas: String::new(),
        expression_of_interest: 0,
        overall_threshold: 6,
        reviewers_per_proposal: 2,
        published: 1,
        decisions_released_at: released.then(|| "2026-05-01T00:00:00Z".to_owned()),
    }
}

fn record(proposal: Proposal, log: Vec<LoggedEvent>, released: bool) -> ProposalRecord {
    let criteria = CRITERIA
        .iter()
        .map(|c| CriterionRecord {
            code: (*c).into(),
            name_sv: (*c).into(),
            name_en: (*c).into(),
            description_sv: String::new(),
            description_en: String::new(),
            threshold: 5,
            weight: 1,
        })
        .collect();
    let form = |title: &str| ProposalForm { title: title.into(), ..ProposalForm::default() };
    ProposalRecord {
        id: ProposalId(1),
        submitted: proposal.submitted().then(|| form(SENT_MARKER)),
        proposal,
        log,
        facts: facts(released),
        call: call_row(released),
        criteria,
        company: "A company".into(),
        company_slug: "a-company".into(),
        draft: form(DRAFT_MARKER),
        updated_at: "2026-02-01T00:00:00Z".into(),
        attachments: Vec::new(),
        nodes: Vec::new(),
        names: PEOPLE.iter().map(|p| (*p, name(*p))).collect(),
        drafts: Vec::new(),
        loads: Vec::new(),
        agreement: None,
    }
}

/// A marked text and what it belongs to.
#[derive(Debug, Clone)]
enum Marked {
    /// A reviewer's review (comments, justification).
    Review(PersonId),
    /// The board's rationale and summary.
    Decision,
    /// The text of an event of this kind (a screening or withdrawal reason).
    Event(&'static str),
}

type Check<'a> = dyn FnMut(&ProposalRecord, &[(String, Marked)], DateTime<Utc>) + 'a;

/// Runs the steps the rules let through, calling `after_each` after every step that changed
/// something.
fn story(steps: &[(usize, usize, usize)], after_each: &mut Check<'_>) {
    let mut proposal = Proposal::default();
    let mut log: Vec<LoggedEvent> = Vec::new();
    let mut marked: Vec<(String, Marked)> = Vec::new();
    let create = Command::Create { company: CompanyId(9), call: CallId(8), stage: Stage::Full };
    let actors = actors();
    let mut all = vec![(0, usize::MAX, 0)];
    all.extend_from_slice(steps);
    for (n, (who, template, pick)) in all.into_iter().enumerate() {
        let (actor, command) = if template == usize::MAX {
            (actors[0], create.clone())
        } else {
            (actors[who % actors.len()], command(template, pick, n))
        };
        // A proposal goes in while the call is open; the rest happens after it closed.
        let open = template == usize::MAX || template % 9 == 0;
        let now = if open { at("2026-02-01T00:00:00Z") } else { at("2026-04-01T00:00:00Z") };
        let context = Context::with(now, facts(false));
        let Ok(events) = proposal.decide(&actor, &command, &context) else { continue };
        for event in events {
            proposal.apply(&event, now);
            let what = match &event {
                Event::ReviewSubmitted { .. } | Event::ReviewRevised { .. } => Some(Marked::Review(actor.id)),
                Event::DecisionRecorded { .. } => Some(Marked::Decision),
                other if serde_json::to_string(other).unwrap_or_default().contains(&marker(n)) => {
                    Some(Marked::Event(other.kind()))
                }
                _ => None,
            };
            if let Some(what) = what {
                marked.push((marker(n), what));
            }
            log.push(crate::workflow::Logged {
                seq: log.len() as i64 + 1,
                at: now,
                actor_id: Some(actor.id),
                kind: event.kind().to_owned(),
                reason: None,
                event: Some(event),
            });
        }
        let released = proposal.released;
        after_each(&record(proposal.clone(), log.clone(), released), &marked, now);
    }
}

/// What this person's page shows that their lens hides.
fn leaks(record: &ProposalRecord, marked: &[(String, Marked)], now: DateTime<Utc>) -> Vec<String> {
    let mut found = Vec::new();
    for actor in actors() {
        let lens = record.proposal.visibility(&actor, &record.facts);
        if !lens.sees {
            continue;
        }
        let json = serde_json::to_string(&proposal_page(record, &actor, true, crate::i18n::Lang::En, now))
            .unwrap_or_default();
        let mut say = |what: String| found.push(format!("{:?}: {what} ({lens:?})", actor.id));
        for (marker, what) in marked {
            if !json.contains(marker.as_str()) {
                continue;
            }
            let visible = match what {
                Marked::Review(author) => {
                    lens.reviews != ReviewsSeen::None || (*author == actor.id && lens.reviewer)
                }
                Marked::Decision => lens.decision,
                Marked::Event(kind) => lens.sees_event(kind),
            };
            if !visible {
                say(format!("sees {marker} of {what:?}"));
            }
        }
        if !lens.sees_draft() && json.contains(DRAFT_MARKER) {
            say("sees the live draft".into());
        }
        let reviewers: BTreeSet<PersonId> = record.proposal.reviewers.keys().copied().collect();
        for reviewer in reviewers.iter().chain([REVIEWER, OTHER_REVIEWER].iter()) {
            if !lens.judge && *reviewer != actor.id && json.contains(&name(*reviewer)) {
                say(format!("learns that {reviewer:?} reviews"));
            }
        }
    }
    found
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn no_page_model_shows_what_the_viewer_may_not_see(
        steps in proptest::collection::vec((0usize..7, 0usize..9, 0usize..12), 0..40)
    ) {
        let mut all = Vec::new();
        story(&steps, &mut |record, marked, now| all.extend(leaks(record, marked, now)));
        prop_assert!(all.is_empty(), "{all:#?}");
    }
}

/// The generator reaches what the property is about: reviews, a decision and the release,
/// and the checks find a leak when there is one.
#[test]
fn the_company_reads_the_consensus_but_never_who_reviewed() {
    let steps = [
        (0, 0, 0), // the company submits
        (1, 1, 1), // the administrator screens it eligible
        (1, 3, 0), // assigns the reviewer
        (1, 3, 1), // and the other reviewer
        (3, 6, 0), // the reviewer reviews
        (5, 6, 0), // so does the other
        (2, 7, 0), // the board decides
        (1, 8, 0), // the administrator releases it
    ];
    let mut last = None;
    story(&steps, &mut |record, marked, now| last = Some((record.clone(), marked.to_vec(), now)));
    let (record, marked, now) = last.expect("the proposal exists");
    assert!(record.proposal.released, "the story reaches the release: {:?}", record.proposal.state);
    assert!(leaks(&record, &marked, now).is_empty());
    let company = actors()[0];
    let json =
        serde_json::to_string(&proposal_page(&record, &company, false, crate::i18n::Lang::En, now)).unwrap();
    assert!(json.contains(DRAFT_MARKER) && json.contains("why"), "the draft and the released rationale");
    assert!(!json.contains(&name(REVIEWER)) && !json.contains(&name(OTHER_REVIEWER)));
    // A page with the reviewer named in it counts as a leak.
    let mut named = record.clone();
    named.company = name(REVIEWER);
    assert!(!leaks(&named, &marked, now).is_empty(), "the check sees a reviewer's name");
}
