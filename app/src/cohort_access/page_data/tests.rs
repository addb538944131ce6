//! What an application's [`Visibility`] hides never reaches a page model: random command
//! sequences on one application asking for three cohorts at two nodes, every text typed
//! into them a unique marker, and after each sequence every viewer's page (serialised, as
//! the browser gets it) checked for the markers of events their lens does not show.

use super::*;
use crate::workflow::Logged;
use kernel::access::votes::{Majority, Vote, VoteRule};
use kernel::access::{Command, Decision, NodeRules};
use proptest::prelude::*;

use kernel::fixtures::access::*;

fn actors() -> Vec<Actor> {
    vec![
        Actor::person(APPLICANT),
        Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]),
        Actor::committee(UMEA_COMMITTEE, &[UMEA]),
        Actor::cohort_committee(SCAPIS_COMMITTEE, &[SCAPIS]),
        Actor::reviewer(REVIEWER),
        Actor::reviewer(OUTSIDER),
    ]
}

fn marker(n: usize) -> String {
    format!("zq{n}qz")
}

/// The commands tried at step `n`, by template; texts carry the step's marker.
fn command(template: usize, pick: usize, n: usize) -> Command {
    let text = marker(n);
    let (cohort, node) = COHORTS[pick % COHORTS.len()];
    let other_node = if pick.is_multiple_of(2) { UPPSALA } else { UMEA };
    match template % 12 {
        0 => Command::Submit,
        1 => Command::AcceptTerms { cohort },
        2 => Command::AssignHandler {
            node,
            handler: if node == UPPSALA { UPPSALA_COMMITTEE } else { UMEA_COMMITTEE },
        },
        3 => Command::InviteReviewer {
            node: other_node,
            reviewer: if pick.is_multiple_of(3) { OUTSIDER } else { REVIEWER },
        },
        4 => Command::DeclareConflict { node: other_node, conflicted: pick.is_multiple_of(4), reason: text },
        5 => Command::GiveAdvice { node: other_node, advice: text },
        6 => Command::Vote {
            cohort,
            vote: [Vote::Approve, Vote::Reject, Vote::Abstain][pick % 3],
            comment: text,
        },
        7 => Command::AddRemark { node: other_node, public: pick.is_multiple_of(2), text },
        8 => Command::ReturnForChanges { node, questions: text },
        9 => Command::ExtendDeadline { node, reason: text },
        10 => Command::Decide {
            cohort,
            decision: if pick.is_multiple_of(2) {
                Decision::Approve {
                    ends_on: chrono::NaiveDate::from_ymd_opt(2028, 1, 1).unwrap_or_default(),
                    conditions: text,
                }
            } else {
                Decision::Reject { reasons: text }
            },
        },
        _ => Command::InviteMember { email: format!("{text}@example.org") },
    }
}

fn record(application: Application, log: Vec<LoggedEvent>) -> Record {
    let people: People = [APPLICANT, OUTSIDER, UPPSALA_COMMITTEE, UMEA_COMMITTEE, REVIEWER, SCAPIS_COMMITTEE]
        .into_iter()
        .map(|id| {
            (id, (format!("Person {}", id.get()), Some(format!("person{}@example.org", id.get())), None))
        })
        .collect();
    let info = COHORTS
        .iter()
        .map(|(cohort, node)| {
            let info = CohortInfo {
                node_id: *node,
                slug: format!("cohort-{}", cohort.get()),
                acronym: format!("C{}", cohort.get()),
                title: Localized::new("Kohort", "Cohort"),
                node_slug: format!("node-{}", node.get()),
                node_name: Localized::new("Nod", "Node"),
                terms: Localized::new("Villkor", "Terms"),
                codes: Vec::new(),
            };
            (*cohort, info)
        })
        .collect();
    Record {
        id: ApplicationId(1),
        title: "An application".into(),
        applicant: APPLICANT,
        draft: ApplicationForm::default(),
        updated_at: "2026-03-01T10:00:00Z".into(),
        application,
        log,
        facts: world(),
        people,
        info,
        versions: Vec::new(),
        attachments: Vec::new(),
        submitted_attachments: BTreeSet::new(),
    }
}

/// Runs the steps that the rules let through, handing `after_each` the record and, per
/// marker, the event that carries it, after every step that changed something.
fn story(
    steps: &[(usize, usize, usize)],
    mut after_each: impl FnMut(&Record, &[(String, Event)], DateTime<Utc>),
) {
    let one_vote = NodeRules {
        votes: VoteRule { quorum: 1, majority: Majority::Simple, chair_decides_ties: true },
        ..NodeRules::default()
    };
    let start = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    let mut application = Application::default();
    let mut log = Vec::new();
    let mut marked = Vec::new();
    let mut now = start;
    let create =
        Command::Create { cohorts: COHORTS.to_vec(), rules: vec![(UPPSALA, one_vote), (UMEA, one_vote)] };
    let actors = actors();
    let mut steps_with_create = vec![(0, usize::MAX, 0)];
    steps_with_create.extend_from_slice(steps);
    for (n, (who, template, pick)) in steps_with_create.into_iter().enumerate() {
        let (actor, command) = if template == usize::MAX {
            (Actor::person(APPLICANT), create.clone())
        } else {
            (actors[who % actors.len()].clone(), command(template, pick, n))
        };
        now += chrono::Duration::hours(1);
        let context = Context::with(now, world());
        let Ok(events) = application.decide(&actor, &command, &context) else { continue };
        for event in events {
            application.apply(&event, now);
            if serde_json::to_string(&event).unwrap_or_default().contains(&marker(n)) {
                marked.push((marker(n), event.clone()));
            }
            log.push(Logged {
                seq: log.len() as i64 + 1,
                at: now,
                actor_id: actor.id(),
                kind: event.kind().to_owned(),
                reason: None,
                event: Some(event),
            });
        }
        after_each(&record(application.clone(), log.clone()), &marked, now);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_page_model_shows_what_the_viewer_may_not_see(
        steps in proptest::collection::vec((0usize..6, 0usize..12, 0usize..12), 0..60)
    ) {
        let mut leaks = Vec::new();
        story(&steps, |record, marked, now| {
            for actor in actors() {
                let lens = record.application.visibility(&actor, &record.facts);
                if !lens.sees_application() {
                    continue;
                }
                let json = serde_json::to_string(&build(record, &actor, true, Lang::En, now)).unwrap_or_default();
                for (marker, event) in marked {
                    if json.contains(marker.as_str()) && !lens.sees_event(event, &record.application) {
                        leaks.push(format!("{:?} sees {marker} of {event:?}, which their lens hides ({lens:?})", actor.id()));
                    }
                }
                if !lens.sees_addresses() && json.contains("@example.org") {
                    leaks.push(format!("{:?} sees an address ({lens:?})", actor.id()));
                }
            }
        });
        prop_assert!(leaks.is_empty(), "{leaks:#?}");
    }
}

/// The generator reaches the states the property is about: committee business at both
/// nodes, advice, and a SCAPIS-only member who sees only their cohort.
#[test]
fn a_cohort_member_sees_only_their_cohorts_votes() {
    let steps = [
        (0, 1, 0), // the applicant accepts SCAPIS' terms
        (0, 1, 1), // EpiHealth's
        (0, 1, 2), // UCAN's
        (0, 0, 0), // and submits
        (1, 2, 0), // Uppsala takes both its parts into review
        (1, 6, 1), // Uppsala votes on EpiHealth, with a comment
        (3, 6, 0), // the SCAPIS member votes on SCAPIS
    ];
    let mut last = None;
    story(&steps, |record, marked, now| last = Some((record.clone(), marked.to_vec(), now)));
    let (record, marked, now) = last.expect("the application was created");
    assert_eq!(marked.len(), 2, "both votes were cast: {marked:?}");
    let scapis_only = Actor::cohort_committee(SCAPIS_COMMITTEE, &[SCAPIS]);
    let json = serde_json::to_string(&build(&record, &scapis_only, false, Lang::En, now)).unwrap_or_default();
    assert!(json.contains(&marked[1].0), "their own vote's comment");
    assert!(!json.contains(&marked[0].0), "EpiHealth's vote is not their business");
    let uppsala = Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]);
    let json = serde_json::to_string(&build(&record, &uppsala, false, Lang::En, now)).unwrap_or_default();
    assert!(json.contains(&marked[0].0) && json.contains(&marked[1].0), "the node-wide member sees both");
}
