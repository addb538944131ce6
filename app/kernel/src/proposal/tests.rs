use super::*;
use crate::workflow::Aggregate;
use proptest::prelude::*;

use crate::fixtures::at;
use crate::fixtures::proposal::*;

fn open_context() -> Context {
    Context::with(at("2026-02-01T00:00:00Z"), facts(false))
}

fn closed_context() -> Context {
    Context::with(at("2026-04-01T00:00:00Z"), facts(false))
}

fn company() -> Actor {
    actor(COMPANY, false, false, false)
}
fn admin() -> Actor {
    actor(ADMIN, true, false, false)
}
fn board() -> Actor {
    actor(BOARD, false, true, false)
}
fn reviewer() -> Actor {
    actor(REVIEWER, false, false, true)
}

struct Story {
    proposal: Proposal,
    log: Vec<(Event, DateTime<Utc>)>,
}

impl Story {
    fn new(stage: Stage) -> Story {
        let mut story = Story { proposal: Proposal::default(), log: Vec::new() };
        story
            .run(
                &company(),
                Command::Create { company: CompanyId(9), call: CallId(8), stage },
                &open_context(),
            )
            .unwrap();
        story
    }

    fn run(&mut self, actor: &Actor, command: Command, context: &Context) -> Result<(), Refusal> {
        for event in self.proposal.decide(actor, &command, context)? {
            self.proposal.apply(&event, context.now);
            self.log.push((event, context.now));
        }
        Ok(())
    }
}

fn submit(ineligible: &[&str]) -> Command {
    Command::Submit { ineligible: ineligible.iter().map(|s| s.to_string()).collect() }
}

fn review() -> Review {
    Review {
        scores: ["need", "evidence"]
            .iter()
            .map(|c| CriterionScore { criterion: (*c).into(), halves: Some(8), comment: "Solid.".into() })
            .collect(),
        assessed_trl: Some(6),
        confidence: Some(Confidence::High),
    }
}

#[test]
fn the_whole_way_from_draft_to_an_agreement() {
    let mut story = Story::new(Stage::Full);
    let open = open_context();
    let closed = closed_context();
    story.run(&company(), submit(&[]), &open).unwrap();
    story.run(&admin(), Command::Screen { eligible: true, reason: String::new() }, &closed).unwrap();
    story.run(&admin(), Command::AssignReviewer { reviewer: REVIEWER, suggested: false }, &closed).unwrap();
    story
        .run(&reviewer(), Command::SubmitReview { review: review(), justification: String::new() }, &closed)
        .unwrap();
    let decide = Command::RecordDecision {
        decision: Decision::Selected,
        rationale: "Strong pull".into(),
        summary: "Clinical need is clear.".into(),
    };
    story.run(&board(), decide, &closed).unwrap();
    story.run(&admin(), Command::Release, &closed).unwrap();
    story.run(&company(), Command::StartAgreement, &closed).unwrap();
    assert_eq!(story.proposal.state, ProposalState::Selected);
    assert!(story.proposal.agreement_started);
    assert_eq!(story.run(&admin(), Command::StartAgreement, &closed), Err(Refusal::WrongState), "once");
    let replayed = Proposal::fold(story.log.iter().map(|(e, t)| (e, *t)));
    assert_eq!(replayed, story.proposal);
}

#[test]
fn the_automatic_checks_and_the_deadline() {
    let mut story = Story::new(Stage::Full);
    assert_eq!(story.run(&company(), submit(&[]), &closed_context()), Err(Refusal::CallClosed));
    assert_eq!(story.run(&admin(), submit(&[]), &open_context()), Err(Refusal::NotAllowed));
    story.run(&company(), submit(&["TRL 4 is below 5"]), &open_context()).unwrap();
    assert_eq!(
        (story.proposal.state, story.proposal.ineligible_reason.as_deref()),
        (ProposalState::Ineligible, Some("TRL 4 is below 5"))
    );
}

#[test]
fn an_expression_of_interest_comes_back_as_a_draft_of_the_full_proposal() {
    let mut story = Story::new(Stage::ExpressionOfInterest);
    story.run(&company(), submit(&[]), &open_context()).unwrap();
    assert_eq!(
        story.run(&admin(), Command::Screen { eligible: false, reason: " ".into() }, &open_context()),
        Err(Refusal::ReasonRequired)
    );
    story.run(&admin(), Command::Screen { eligible: true, reason: String::new() }, &open_context()).unwrap();
    assert_eq!(story.log.last().unwrap().0.kind(), "invited_to_full_proposal");
    assert_eq!((story.proposal.state, story.proposal.stage), (ProposalState::Draft, Stage::Full));
}

#[test]
fn a_declared_conflict_wins_over_every_role() {
    let mut story = Story::new(Stage::Full);
    story.run(&company(), submit(&[]), &open_context()).unwrap();
    let conflicted = actor(CONFLICTED_ADMIN, true, true, true);
    let context = open_context();
    assert_eq!(
        story.run(&conflicted, Command::Screen { eligible: true, reason: String::new() }, &context),
        Err(Refusal::NotAllowed)
    );
    assert!(!story.proposal.visibility(&conflicted, &context.facts).sees);
    story.run(&admin(), Command::Screen { eligible: true, reason: String::new() }, &context).unwrap();
    assert_eq!(
        story.run(
            &admin(),
            Command::AssignReviewer { reviewer: CONFLICTED_ADMIN, suggested: true },
            &context
        ),
        Err(Refusal::Invalid("reviewer".into(), "proposal.refused.reviewer"))
    );
    assert_eq!(
        story.run(&admin(), Command::AssignReviewer { reviewer: COMPANY, suggested: true }, &context),
        Err(Refusal::Invalid("reviewer".into(), "proposal.refused.reviewer")),
        "a representative never reviews their own company"
    );
    // The company sees its own proposal but never the review work.
    let company_sees = story.proposal.visibility(&company(), &context.facts);
    assert!(company_sees.sees && company_sees.sees_draft());
    assert!(!company_sees.sees_event("reviewers_assigned"));
    assert_eq!(company_sees.reviews, ReviewsSeen::None);
}

#[test]
fn a_reviewer_reads_others_only_after_submitting_and_a_revision_needs_a_reason() {
    let mut story = Story::new(Stage::Full);
    let context = open_context();
    story.run(&company(), submit(&[]), &context).unwrap();
    story.run(&admin(), Command::Screen { eligible: true, reason: String::new() }, &context).unwrap();
    for r in [REVIEWER, OTHER_REVIEWER] {
        story.run(&admin(), Command::AssignReviewer { reviewer: r, suggested: true }, &context).unwrap();
    }
    assert_eq!(story.proposal.visibility(&reviewer(), &context.facts).reviews, ReviewsSeen::None);
    let mut incomplete = review();
    incomplete.scores[1].comment = " ".into();
    assert_eq!(
        story.run(
            &reviewer(),
            Command::SubmitReview { review: incomplete, justification: String::new() },
            &context
        ),
        Err(Refusal::Invalid("comment-evidence".into(), "review.refused.comment"))
    );
    story
        .run(&reviewer(), Command::SubmitReview { review: review(), justification: String::new() }, &context)
        .unwrap();
    assert_eq!(story.proposal.visibility(&reviewer(), &context.facts).reviews, ReviewsSeen::OthersUnnamed);
    assert_eq!(
        story.run(
            &reviewer(),
            Command::SubmitReview { review: review(), justification: " ".into() },
            &context
        ),
        Err(Refusal::Invalid("justification".into(), "review.refused.justification"))
    );
    story
        .run(
            &reviewer(),
            Command::SubmitReview { review: review(), justification: "Read the annex".into() },
            &context,
        )
        .unwrap();
    assert_eq!(story.proposal.review_of(REVIEWER).map(|r| r.revision), Some(2));
    assert_eq!(
        story.run(&admin(), Command::RemoveReviewer { reviewer: REVIEWER }, &context),
        Err(Refusal::Invalid("reviewer".into(), "proposal.refused.reviewed")),
        "a reviewer who has reviewed stays"
    );
    story.run(&admin(), Command::RemoveReviewer { reviewer: OTHER_REVIEWER }, &context).unwrap();
}

#[test]
fn release_waits_for_every_decision_and_for_the_call_to_close() {
    let mut done = Story::new(Stage::Full);
    let mut waiting = Story::new(Stage::Full);
    let context = open_context();
    for story in [&mut done, &mut waiting] {
        story.run(&company(), submit(&[]), &context).unwrap();
        story.run(&admin(), Command::Screen { eligible: true, reason: String::new() }, &context).unwrap();
    }
    let decide = Command::RecordDecision {
        decision: Decision::Reserve,
        rationale: "Good, not yet".into(),
        summary: "Promising".into(),
    };
    done.run(&board(), decide, &context).unwrap();
    let of = |p: &Proposal| (p.state, p.decision.is_some());
    let all = [of(&done.proposal), of(&waiting.proposal)];
    assert_eq!(release_blockers(true, false, all), vec!["panel.blocked.open", "panel.blocked.undecided"]);
    assert_eq!(waiting.run(&admin(), Command::Release, &context), Err(Refusal::NoDecision));
    assert!(release_blockers(false, false, [of(&done.proposal)]).is_empty());
    assert_eq!(release_blockers(false, true, [of(&done.proposal)]), vec!["panel.blocked.released"]);
}

fn any_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(company()),
        Just(admin()),
        Just(board()),
        Just(reviewer()),
        Just(actor(OTHER_REVIEWER, false, false, true)),
        Just(actor(CONFLICTED_ADMIN, true, true, true)),
        Just(actor(STRANGER, false, false, false)),
    ]
}

fn any_command() -> impl Strategy<Value = Command> {
    let decision =
        prop_oneof![Just(Decision::Selected), Just(Decision::Reserve), Just(Decision::NotSelected)];
    let text = prop_oneof![Just(String::new()), Just("because".to_owned())];
    let person = prop_oneof![Just(REVIEWER), Just(OTHER_REVIEWER), Just(CONFLICTED_ADMIN), Just(COMPANY)];
    prop_oneof![
        any::<bool>()
            .prop_map(|bad| Command::Submit { ineligible: if bad { vec!["TRL".into()] } else { vec![] } }),
        (any::<bool>(), text.clone()).prop_map(|(eligible, reason)| Command::Screen { eligible, reason }),
        text.clone().prop_map(|reason| Command::Withdraw { reason }),
        (person.clone(), any::<bool>())
            .prop_map(|(reviewer, suggested)| Command::AssignReviewer { reviewer, suggested }),
        person.prop_map(|reviewer| Command::RemoveReviewer { reviewer }),
        Just(Command::StepDown),
        text.clone().prop_map(|justification| Command::SubmitReview { review: review(), justification }),
        (decision, text.clone(), text).prop_map(|(decision, rationale, summary)| Command::RecordDecision {
            decision,
            rationale,
            summary
        }),
        Just(Command::Release),
        Just(Command::StartAgreement),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn no_sequence_of_commands_reaches_an_illegal_state(
        eoi in any::<bool>(),
        steps in proptest::collection::vec((any_actor(), any_command(), any::<bool>()), 0..30),
    ) {
        use ProposalState::*;
        let stage = if eoi { Stage::ExpressionOfInterest } else { Stage::Full };
        let mut story = Story::new(stage);
        let mut released_once = false;
        for (actor, command, late) in steps {
            let context = if late { closed_context() } else { open_context() };
            let before = story.proposal.clone();
            let permitted = before.permitted(&actor, &context);
            match before.decide(&actor, &command, &context) {
                Ok(events) => {
                    prop_assert!(permitted.contains(&command.permission()), "{command:?} not in {permitted:?}");
                    for event in &events {
                        story.proposal.apply(event, context.now);
                        story.log.push((event.clone(), context.now));
                        if *event == Event::DecisionReleased { released_once = true; }
                        if matches!(event, Event::Withdrawn { .. } | Event::ScreenedIneligible { .. } | Event::FoundIneligible { .. } | Event::DecisionRecorded { .. }) {
                            prop_assert!(event.reason().is_some_and(|r| !r.trim().is_empty()));
                        }
                    }
                    // Each command is one role's: nobody excluded judges.
                    let excluded = context.facts.excluded(actor.id);
                    match command.permission() {
                        Permission::Submit | Permission::Withdraw => prop_assert_eq!(actor.id, COMPANY),
                        Permission::Screen | Permission::Release | Permission::AssignReviewers | Permission::RemoveReviewer => {
                            prop_assert!(actor.roles.administrator && !excluded)
                        }
                        Permission::RecordDecision => prop_assert!(actor.roles.board && !excluded),
                        Permission::Review => prop_assert!(actor.roles.reviewer && !excluded),
                        _ => {}
                    }
                }
                Err(_) => prop_assert_eq!(&story.proposal, &before, "a refusal changes nothing"),
            }
            let p = &story.proposal;
            if p.state.decided() {
                prop_assert!(released_once);
                prop_assert_eq!(p.decision.as_ref().map(|d| d.0.state()), Some(p.state));
            }
            if p.agreement_started { prop_assert_eq!(p.state, Selected); }
            if p.state == InReview || p.decision.is_some() { prop_assert_eq!(p.stage, Stage::Full); }
            if before.stage == Stage::Full { prop_assert_eq!(p.stage, Stage::Full, "no way back to the short form"); }
            if matches!(before.state, Ineligible | Withdrawn | Reserve | NotSelected) {
                prop_assert_eq!(p.state, before.state);
            }
            for reviewer in p.reviewers.keys() {
                prop_assert!(context.facts.may_review(*reviewer), "an excluded person is on the proposal");
            }
            // What visibility hides: nobody excluded or outside sees anything; the company
            // never sees the review work.
            let stranger = self::actor(STRANGER, false, false, false);
            prop_assert!(!p.visibility(&stranger, &context.facts).sees);
            prop_assert!(!p.visibility(&self::actor(CONFLICTED_ADMIN, true, true, true), &context.facts).sees);
            let company_view = p.visibility(&company(), &context.facts);
            prop_assert!(!company_view.judge && !company_view.sees_event("review_submitted"));
            prop_assert_eq!(company_view.decision, p.released);
        }
        let replayed = Proposal::fold(story.log.iter().map(|(e, t)| (e, *t)));
        prop_assert_eq!(replayed, story.proposal);
    }
}

/// Who may read and act on a proposal (moved here from the policy, which now asks
/// [`Proposal::visibility`] and [`Proposal::permitted`]).
#[test]
fn a_proposal_is_the_companys_until_submitted_and_a_conflict_hides_it_from_everyone_else() {
    let context = open_context();
    let facts = &context.facts;
    let mut story = Story::new(Stage::Full);
    let unassigned = actor(OTHER_REVIEWER, false, false, true);
    // A draft is the company's alone.
    assert!(story.proposal.visibility(&company(), facts).sees);
    assert!(story.proposal.permitted(&company(), &context).contains(&Permission::EditDraft));
    for other in [reviewer(), board(), admin()] {
        assert!(!story.proposal.visibility(&other, facts).sees, "{other:?}");
    }
    story.run(&company(), submit(&[]), &context).unwrap();
    story.run(&admin(), Command::Screen { eligible: true, reason: String::new() }, &context).unwrap();
    story.run(&admin(), Command::AssignReviewer { reviewer: REVIEWER, suggested: false }, &context).unwrap();
    let may = |who: &Actor, p: Permission| story.proposal.permitted(who, &context).contains(&p);
    let sees = |who: &Actor| story.proposal.visibility(who, facts).sees;
    assert!(sees(&reviewer()) && may(&reviewer(), Permission::Review));
    assert!(!sees(&unassigned) && !may(&unassigned, Permission::Review));
    assert!(may(&board(), Permission::RecordDecision) && !may(&board(), Permission::Screen));
    assert!(may(&admin(), Permission::AssignReviewers) && !may(&admin(), Permission::RecordDecision));
    assert!(!may(&admin(), Permission::EditDraft) && !may(&company(), Permission::Review));
    assert!(!may(&company(), Permission::AssignReviewers));
    // A conflict wins over every role, administrator and board included.
    let everything = actor(CONFLICTED_ADMIN, true, true, true);
    assert!(!sees(&everything));
    assert!(story.proposal.permitted(&everything, &context).is_empty());
}
