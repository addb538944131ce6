//! Random command sequences by random actors: after every step the rules hold.

use super::fixtures::*;
use super::model::Heading;
use super::review::ApprovalRole;
use super::schedule::MilestoneStatus;
use super::signing::{self, Capacity, chain_holds};
use super::*;
use crate::workflow::{Aggregate, Permissioned};
use proptest::prelude::*;

/// The days commands are given on: before the start, during, late in, and after the end.
const TIMES: [&str; 4] =
    ["2026-04-02T09:00:00Z", "2026-12-20T09:00:00Z", "2027-10-01T09:00:00Z", "2028-06-02T09:00:00Z"];

fn any_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(admin()),
        Just(company_member()),
        Just(university_member()),
        Just(company_signer()),
        Just(university_signer()),
        Just(researcher()),
        Just(legal()),
        Just(finance()),
        Just(coordinator()),
        Just(board()),
        Just(reviewer()),
        Just(other_company()),
        Just(stranger()),
        Just(Actor::System),
    ]
}

/// A command in outline: made concrete against the agreement as it stands (the latest
/// version's number, the round's hash), so sequences reach every state.
#[derive(Debug, Clone)]
enum Step {
    Revise {
        longer_title: bool,
        too_long: bool,
    },
    ChooseModel {
        broken: bool,
    },
    SetPlan {
        parallel: bool,
    },
    SendForInternalReview,
    Approve(ApprovalRole),
    RequestChanges {
        reason: bool,
    },
    Share,
    Comment {
        old: bool,
    },
    Accept(OrganisationId),
    SendForSignature,
    Sign {
        capacity: Capacity,
        auth_age: i64,
        wrong_hash: bool,
    },
    StartAmendment,
    Milestone(MilestoneStatus),
    Hold,
    Resume,
    Withdraw {
        reason: bool,
    },
    Terminate,
    Expire,
    Complete,
    /// What the agreement's people would do next in its state (see [`advance`]).
    Advance(u8),
}

/// A step with the actor who would naturally take it (the approver approves, the signer
/// signs), so sequences get far; now and then anyone at all tries it instead.
fn any_move() -> impl Strategy<Value = (Actor, Step)> {
    let side =
        || prop_oneof![Just(company_member()), Just(university_member()), Just(admin()), Just(coordinator())];
    let approve = prop_oneof![
        Just((legal(), Step::Approve(ApprovalRole::Legal))),
        Just((finance(), Step::Approve(ApprovalRole::Finance))),
        Just((legal(), Step::Approve(ApprovalRole::Finance))),
    ];
    let accept = prop_oneof![
        Just((company_member(), Step::Accept(COMPANY_ORG))),
        Just((university_member(), Step::Accept(UNIVERSITY_ORG))),
        Just((company_member(), Step::Accept(UNIVERSITY_ORG))),
        Just((other_company(), Step::Accept(OTHER_COMPANY_ORG))),
    ];
    let signer = prop_oneof![
        Just((company_signer(), party(COMPANY_ORG))),
        Just((researcher(), undertaking())),
        Just((university_signer(), party(UNIVERSITY_ORG))),
        Just((company_member(), party(COMPANY_ORG))),
        Just((university_signer(), undertaking())),
    ];
    let auth_age = prop_oneof![8 => Just(30i64), 1 => Just(120), 1 => Just(-30)];
    let sign = (signer, auth_age, proptest::bool::weighted(0.1)).prop_map(
        |((actor, capacity), auth_age, wrong_hash)| (actor, Step::Sign { capacity, auth_age, wrong_hash }),
    );
    let status = proptest::sample::select(MilestoneStatus::ALL);
    let natural = prop_oneof![
        3 => (side(), any::<bool>(), proptest::bool::weighted(0.1))
            .prop_map(|(a, longer_title, too_long)| (a, Step::Revise { longer_title, too_long })),
        1 => (side(), proptest::bool::weighted(0.3)).prop_map(|(a, broken)| (a, Step::ChooseModel { broken })),
        1 => (side(), any::<bool>()).prop_map(|(a, parallel)| (a, Step::SetPlan { parallel })),
        3 => side().prop_map(|a| (a, Step::SendForInternalReview)),
        5 => approve,
        1 => any::<bool>().prop_map(|reason| (legal(), Step::RequestChanges { reason })),
        3 => side().prop_map(|a| (a, Step::Share)),
        1 => (side(), any::<bool>()).prop_map(|(a, old)| (a, Step::Comment { old })),
        5 => accept,
        3 => side().prop_map(|a| (a, Step::SendForSignature)),
        8 => sign,
        2 => side().prop_map(|a| (a, Step::StartAmendment)),
        3 => (side(), status).prop_map(|(a, s)| (a, Step::Milestone(s))),
        1 => Just((admin(), Step::Hold)),
        1 => Just((admin(), Step::Resume)),
        1 => (side(), proptest::bool::weighted(0.8)).prop_map(|(a, reason)| (a, Step::Withdraw { reason })),
        1 => Just((admin(), Step::Terminate)),
        2 => Just((Actor::System, Step::Expire)),
        2 => side().prop_map(|a| (a, Step::Complete)),
    ];
    let natural = prop_oneof![1 => natural, 1 => any::<u8>().prop_map(|pick| (admin(), Step::Advance(pick)))];
    (natural, any_actor(), proptest::bool::weighted(0.2))
        .prop_map(|((actor, step), anyone, random)| (if random { anyone } else { actor }, step))
}

fn command(step: &Step, agreement: &Agreement, context: &Context) -> Command {
    let latest = agreement.latest().map(|v| v.number).unwrap_or(1);
    let reason = |given: bool| if given { "because".to_owned() } else { String::new() };
    match step {
        Step::Revise { longer_title, too_long } => {
            let mut terms = agreement.latest().map(|v| v.content.terms.clone()).unwrap_or_else(terms);
            if *longer_title {
                terms.title.push('!');
            }
            if *too_long {
                terms.purpose = "x".repeat(terms::MAX_TEXT + 1);
            }
            Command::Revise { terms }
        }
        Step::ChooseModel { broken } => {
            let mut model = model();
            if *broken {
                model.clauses[0].body.en.push_str("{{unknown}}");
            }
            Command::ChooseModel { model }
        }
        Step::SetPlan { parallel } => {
            let mut approval = approval();
            if *parallel {
                approval.order = review::ApprovalOrder::InParallel;
            }
            Command::SetApprovalPlan { approval }
        }
        Step::SendForInternalReview => Command::SendForInternalReview,
        Step::Approve(role) => Command::Approve { role: *role },
        Step::RequestChanges { reason: given } => {
            Command::RequestChanges { role: ApprovalRole::Legal, reason: reason(*given) }
        }
        Step::Share => Command::ShareVersion,
        Step::Comment { old } => Command::Comment {
            version: if *old { 1 } else { latest },
            clause: Heading::IntellectualProperty,
            text: "Ändra".into(),
        },
        Step::Accept(party) => Command::AcceptVersion { party: *party, version: latest },
        Step::SendForSignature => Command::SendForSignature,
        Step::Sign { capacity, auth_age, wrong_hash } => {
            sign(agreement, *capacity, context.now, *auth_age, *wrong_hash)
        }
        Step::StartAmendment => Command::StartAmendment { reason: "Förlängning".into() },
        Step::Milestone(status) => Command::UpdateMilestone {
            code: "M1".into(),
            status: *status,
            evidence: String::new(),
            note: String::new(),
        },
        Step::Hold => Command::PutOnHold { reason: "Paus".into() },
        Step::Resume => Command::Resume,
        Step::Withdraw { reason: given } => Command::Withdraw { reason: reason(*given) },
        Step::Terminate => Command::Terminate { reason: "Avslutas".into() },
        Step::Expire => Command::Expire,
        Step::Complete => Command::Complete { trl_reached: 6, report: "Klart".into() },
        Step::Advance(pick) => advance(agreement, context, *pick).1,
    }
}

/// The next thing the agreement's people would do in its state, and who does it: what
/// takes random sequences all the way to signatures, amendments and closing.
fn advance(agreement: &Agreement, context: &Context, pick: u8) -> (Actor, Command) {
    use AgreementState::*;
    let latest = agreement.latest().map(|v| v.number).unwrap_or(1);
    match agreement.state {
        Draft => (company_member(), Command::SendForInternalReview),
        InternalReview => match agreement.checklist().iter().find(|i| i.step == review::Step::Pending) {
            Some(item) if item.role == ApprovalRole::Legal => (legal(), Command::Approve { role: item.role }),
            Some(item) => (finance(), Command::Approve { role: item.role }),
            None => (admin(), Command::Resume),
        },
        Negotiation if agreement.working().is_some() => (university_member(), Command::ShareVersion),
        Negotiation => {
            let done = agreement.accepted.get(&COMPANY_ORG).is_some_and(|a| a.version == latest);
            let (actor, party) =
                if done { (university_member(), UNIVERSITY_ORG) } else { (company_member(), COMPANY_ORG) };
            (actor, Command::AcceptVersion { party, version: latest })
        }
        Approved => (company_member(), Command::SendForSignature),
        OutForSignature => {
            let pending = agreement.pending_slots();
            let signers = [
                (COMPANY_SIGNER, company_signer()),
                (RESEARCHER, researcher()),
                (UNIVERSITY_SIGNER, university_signer()),
            ];
            let slot = pending.get(usize::from(pick) % pending.len().max(1));
            match slot {
                Some(slot) => {
                    let actor = signers
                        .iter()
                        .find(|(p, _)| *p == slot.signer)
                        .map(|(_, a)| a.clone())
                        .unwrap_or(stranger());
                    (actor, sign(agreement, slot.capacity, context.now, 30, false))
                }
                None => (admin(), Command::Resume),
            }
        }
        Active if pick.is_multiple_of(4) => {
            (company_member(), Command::StartAmendment { reason: "Ändring".into() })
        }
        Active if pick % 4 == 1 => {
            (company_member(), Command::Complete { trl_reached: 7, report: "Klart".into() })
        }
        Active => {
            let status = MilestoneStatus::ALL[usize::from(pick / 4) % MilestoneStatus::ALL.len()];
            let code = if pick % 8 < 4 { "M1" } else { "M2" };
            let update = Command::UpdateMilestone {
                code: code.into(),
                status,
                evidence: String::new(),
                note: String::new(),
            };
            (admin(), update)
        }
        OnHold => (admin(), Command::Resume),
        _ => (admin(), Command::Resume),
    }
}

/// Each signature of a version came after every signature it had to wait for.
fn signed_in_order(agreement: &Agreement) -> bool {
    agreement.signatures.iter().enumerate().all(|(i, record)| {
        let Some(version) = agreement.version(record.version) else { return false };
        let before: std::collections::BTreeSet<(PersonId, Capacity)> = agreement.signatures[..i]
            .iter()
            .filter(|s| s.version == record.version)
            .map(|s| (s.signer, s.capacity))
            .collect();
        let slot = signing::slots(&version.content.terms)
            .into_iter()
            .find(|s| s.signer == record.signer && s.capacity == record.capacity);
        slot.is_some_and(|slot| signing::waiting_for(&version.content.terms, &slot, &before).is_empty())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_500))]

    #[test]
    fn no_sequence_of_commands_breaks_the_rules(
        outside_call in any::<bool>(),
        steps in proptest::collection::vec((any_move(), 0usize..4), 0..60),
    ) {
        let mut story = Story::drafted();
        if outside_call {
            story = Story::new();
            let context = context("2026-04-01T08:00:00Z");
            let create = Command::CreateOutsideCall { approval: approval(), terms: terms() };
            story.run(&admin(), create, &context).unwrap();
            story.run(&admin(), Command::ChooseModel { model: model() }, &context).unwrap();
        }
        for ((actor, step), time) in steps {
            let context = context(TIMES[time]);
            let before = story.agreement.clone();
            let (actor, command) = match step {
                Step::Advance(pick) => advance(&before, &context, pick),
                _ => (actor, command(&step, &before, &context)),
            };
            let permitted = before.permitted(&actor, &context);
            match before.decide(&actor, &command, &context) {
                Ok(events) => {
                    prop_assert!(permitted.contains(&command.permission()), "{command:?} not in {permitted:?}");
                    for event in &events {
                        story.agreement.apply(event, context.now);
                        story.log.push((event.clone(), context.now));
                        if let Some(reason) = event.reason() {
                            prop_assert!(!reason.trim().is_empty(), "an empty reason in {event:?}");
                        }
                        if matches!(event, Event::Expired { .. }) {
                            prop_assert_eq!(&actor, &Actor::System);
                        }
                    }
                }
                Err(_) => prop_assert_eq!(&story.agreement, &before, "a refusal changes nothing"),
            }
            let a = &story.agreement;
            // A sent version never changes, and none disappears.
            for old in before.versions.iter().filter(|v| v.frozen()) {
                prop_assert_eq!(a.version(old.number), Some(old));
            }
            prop_assert!(a.versions.len() >= before.versions.len());
            // In force only when every signature, the undertakings included, is there.
            if let Some(version) = a.in_force {
                prop_assert!(a.fully_signed(version));
            }
            if a.state == AgreementState::Active {
                prop_assert!(a.in_force.is_some());
            }
            if a.signatures.len() > before.signatures.len() {
                prop_assert!(signed_in_order(a), "signed out of order");
                prop_assert!(chain_holds(&a.signatures));
            }
            if let Some(round) = a.signing.as_ref().filter(|r| before.signing.as_ref() != Some(*r)) {
                let version = a.version(round.version).unwrap();
                prop_assert!(version.frozen(), "what is signed is frozen");
                prop_assert_eq!(&round.hash, &canonical::version_hash(AGREEMENT, round.version, &version.content));
            }
            // Nobody outside sees anything; the board never sees the text.
            let facts = &context.facts;
            for nobody in [stranger(), reviewer(), other_company(), Actor::System] {
                prop_assert!(!a.visibility(&nobody, facts).sees());
                if a.state != before.state {
                    prop_assert!(a.permitted(&nobody, &context).iter().all(|p| *p == Permission::Expire));
                }
            }
            let summary_only = a.visibility(&board(), facts);
            prop_assert!(!summary_only.sees_clauses() && !summary_only.sees_comments() && !summary_only.sees_money_detail());
            for annex in a.latest().iter().flat_map(|v| &v.content.terms.annexes) {
                prop_assert!(!summary_only.sees_annex(annex));
                prop_assert!(!a.visibility(&coordinator(), facts).sees_annex(annex) || !annex.confidential);
            }
        }
        prop_assert_eq!(story.replayed(), story.agreement);
    }
}

/// The generator's reach: random sequences get to every state, so the property above is
/// tested where it matters (signatures, amendments, closing), not only in drafts.
#[test]
fn random_sequences_reach_every_state() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::collection::vec((any_move(), 0usize..4), 0..60);
    let mut reached = std::collections::BTreeSet::new();
    for _ in 0..1_000 {
        let steps = strategy.new_tree(&mut runner).unwrap().current();
        let mut story = Story::drafted();
        for ((actor, step), time) in steps {
            let context = context(TIMES[time]);
            let (actor, command) = match step {
                Step::Advance(pick) => advance(&story.agreement, &context, pick),
                _ => (actor, command(&step, &story.agreement, &context)),
            };
            let _ = story.run(&actor, command, &context);
            reached.insert(story.agreement.state);
        }
    }
    assert_eq!(reached, AgreementState::ALL.iter().copied().collect());
}
